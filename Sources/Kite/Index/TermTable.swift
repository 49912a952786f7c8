/// An open-addressing hash table interning term bytes to dense ids, over one byte arena: no per-term allocation.
///
/// Each slot holds a term's first eight bytes, its length and part of its hash beside its id, so a lookup of a
/// term of up to eight bytes — most Chinese words, two-character joins included — reads one slot and nothing else
/// (the arena and the id-indexed arrays are touched only to add a term or to compare a longer one). Interning is
/// the indexer's innermost loop: one call per token.
final class TermTable {
    private(set) var arena: [UInt8] = []
    /// Term id → start in `arena`; `starts[count]` is the end of the last term.
    private(set) var starts: [UInt32] = [0]
    private var slots: UnsafeMutablePointer<Slot>
    private var slotCount: Int
    private var mask: Int

    /// One slot: `id` is the term id + 1 (0: empty); `tag` is the hash's top 24 bits and the length (255: longer).
    private struct Slot {
        var prefix: UInt64
        var tag: UInt32
        var id: UInt32
    }

    init(capacity: Int = 1 << 14) {
        var n = 1
        while n < capacity * 2 { n <<= 1 }
        slotCount = n
        slots = .allocate(capacity: n)
        slots.initialize(repeating: Slot(prefix: 0, tag: 0, id: 0), count: n)
        mask = n - 1
        arena.reserveCapacity(capacity * 6)
    }

    deinit { slots.deallocate() }

    var count: Int { starts.count - 1 }

    /// Bytes of memory held, for the writer's RAM budget.
    var memoryBytes: Int { arena.capacity + starts.capacity * 4 + slotCount * MemoryLayout<Slot>.stride }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var i = 0
        while i + 8 <= bytes.count {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        h = (h ^ prefix(UnsafeRawBufferPointer(rebasing: bytes[i...]))) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 29
        return h
    }

    /// Up to the first eight bytes, little-endian, zero-padded.
    ///
    /// Without a loop over the bytes (most terms are 3, 6 or 9 bytes of UTF-8 ideographs: the loop was 12 % of the
    /// indexer's term emission): 4 to 7 bytes are two overlapping 4-byte loads, whose common bytes agree; 1 to 3 are
    /// the first, middle and last byte, each at its own place.
    @inline(__always)
    private static func prefix(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        if n >= 8 { return bytes.loadUnaligned(as: UInt64.self) }
        if n >= 4 {
            let low = UInt64(bytes.loadUnaligned(as: UInt32.self))
            let high = UInt64(bytes.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
            return low | high << UInt64((n - 4) * 8)
        }
        if n == 0 { return 0 }
        let middle = n / 2
        return UInt64(bytes[0]) | UInt64(bytes[middle]) << UInt64(middle * 8) | UInt64(bytes[n - 1]) << UInt64((n - 1) * 8)
    }

    @inline(__always)
    private static func tag(_ hash: UInt64, length: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: hash >> 40) << 8 | UInt32(min(length, 255))
    }

    /// The id of `bytes`, adding it if new.
    @inline(__always)
    func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        intern(bytes, hash: TermTable.hash(UnsafeRawBufferPointer(bytes)))
    }

    /// Asks the processor to fetch the slot where a term of hash `h` is looked for first: interning a
    /// document's terms as a batch, with each slot fetched some terms ahead, overlaps their cache misses.
    @inline(__always)
    func prefetch(hash h: UInt64) {
        kite_prefetch(slots + (Int(truncatingIfNeeded: h) & mask))
    }

    /// The id of `bytes`, whose ``hash(_:)`` is `h`, adding it if new.
    @inline(__always)
    func intern(_ bytes: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> UInt32 {
        let raw = UnsafeRawBufferPointer(bytes)
        let prefix = TermTable.prefix(raw)
        let tag = TermTable.tag(h, length: bytes.count)
        let slots = self.slots, mask = self.mask
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = slots[slot]
            if entry.id == 0 { break }
            if entry.tag == tag && entry.prefix == prefix && (bytes.count <= 8 || equalsTerm(Int(entry.id - 1), raw)) {
                return entry.id - 1
            }
            slot = (slot + 1) & mask
        }
        let id = UInt32(count)
        arena.append(contentsOf: bytes)
        starts.append(UInt32(arena.count))
        slots[slot] = Slot(prefix: prefix, tag: tag, id: id + 1)
        if count * 2 > slotCount { grow() }
        return id
    }

    private func equalsTerm(_ id: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let s = Int(starts[id]), e = Int(starts[id + 1])
        guard e - s == bytes.count else { return false }
        return arena.withUnsafeBytes { a in memcmp(a.baseAddress! + s, bytes.baseAddress!, bytes.count) == 0 }
    }

    /// Doubles the slots, placing each term again (its hash recomputed from the arena).
    private func grow() {
        let old = slots, oldCount = slotCount
        slotCount *= 2
        mask = slotCount - 1
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: Slot(prefix: 0, tag: 0, id: 0), count: slotCount)
        arena.withUnsafeBytes { a in
            for k in 0..<oldCount where old[k].id != 0 {
                let id = Int(old[k].id - 1)
                let h = TermTable.hash(UnsafeRawBufferPointer(rebasing: a[Int(starts[id])..<Int(starts[id + 1])]))
                var slot = Int(truncatingIfNeeded: h) & mask
                while slots[slot].id != 0 { slot = (slot + 1) & mask }
                slots[slot] = old[k]
            }
        }
        old.deallocate()
    }

    /// The bytes of term `id`.
    @inline(__always)
    func withTerm<R, E: Error>(_ id: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        let s = Int(starts[id]), e = Int(starts[id + 1])
        return try arena.withUnsafeBufferPointer { (a) throws(E) -> R in try body(UnsafeBufferPointer(rebasing: a[s..<e])) }
    }

    /// Term ids sorted by their bytes (unsigned lexicographic, which is code-point order for UTF-8).
    func sortedIDs() -> [UInt32] {
        var ids = (0..<UInt32(count)).map { $0 }
        arena.withUnsafeBufferPointer { a in
            let base = a.baseAddress!
            starts.withUnsafeBufferPointer { starts in
                ids.sort { x, y in
                    let xs = Int(starts[Int(x)]), xe = Int(starts[Int(x) + 1])
                    let ys = Int(starts[Int(y)]), ye = Int(starts[Int(y) + 1])
                    let n = min(xe - xs, ye - ys)
                    let c = n == 0 ? 0 : memcmp(base + xs, base + ys, n)
                    return c != 0 ? c < 0 : (xe - xs) < (ye - ys)
                }
            }
        }
        return ids
    }
}

import CKite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
