/// An open-addressing hash table interning term bytes to dense ids, over one byte arena: no per-term allocation.
struct TermTable {
    private(set) var arena: [UInt8] = []
    /// Term id → start in `arena`; `starts[count]` is the end of the last term.
    private(set) var starts: [UInt32] = [0]
    private var hashes: [UInt32] = []
    private var slots: [UInt32]
    private var mask: Int

    init(capacity: Int = 1 << 14) {
        var n = 1
        while n < capacity * 2 { n <<= 1 }
        slots = [UInt32](repeating: 0, count: n)
        mask = n - 1
        arena.reserveCapacity(capacity * 6)
    }

    var count: Int { starts.count - 1 }

    /// Bytes of memory held, for the writer's RAM budget.
    var memoryBytes: Int { arena.capacity + starts.capacity * 4 + hashes.capacity * 4 + slots.count * 4 }

    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        let raw = UnsafeRawBufferPointer(bytes)
        var i = 0
        while i + 8 <= raw.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < raw.count { tail |= UInt64(raw[i]) << shift; shift += 8; i += 1 }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 29
        return UInt32(truncatingIfNeeded: h)
    }

    /// The id of `bytes`, adding it if new.
    @inline(__always)
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let h = TermTable.hash(bytes)
        var slot = Int(h) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            let id = Int(entry - 1)
            if hashes[id] == h {
                let s = Int(starts[id]), e = Int(starts[id + 1])
                if e - s == bytes.count && arena.withUnsafeBufferPointer({ a in
                    memcmp(a.baseAddress! + s, bytes.baseAddress!, bytes.count) == 0
                }) {
                    return UInt32(id)
                }
            }
            slot = (slot + 1) & mask
        }
        let id = UInt32(count)
        arena.append(contentsOf: bytes)
        starts.append(UInt32(arena.count))
        hashes.append(h)
        slots[slot] = id + 1
        if count * 2 > slots.count { grow() }
        return id
    }

    private mutating func grow() {
        let n = slots.count * 2
        slots = [UInt32](repeating: 0, count: n)
        mask = n - 1
        for id in 0..<count {
            var slot = Int(hashes[id]) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = UInt32(id + 1)
        }
    }

    /// The bytes of term `id`.
    @inline(__always)
    func withTerm<R>(_ id: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let s = Int(starts[id]), e = Int(starts[id + 1])
        return try arena.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[s..<e])) }
    }

    /// Term ids sorted by their bytes (unsigned lexicographic, which is code-point order for UTF-8).
    func sortedIDs() -> [UInt32] {
        var ids = (0..<UInt32(count)).map { $0 }
        arena.withUnsafeBufferPointer { a in
            let base = a.baseAddress!
            ids.sort { x, y in
                let xs = Int(starts[Int(x)]), xe = Int(starts[Int(x) + 1])
                let ys = Int(starts[Int(y)]), ye = Int(starts[Int(y) + 1])
                let n = min(xe - xs, ye - ys)
                let c = n == 0 ? 0 : memcmp(base + xs, base + ys, n)
                return c != 0 ? c < 0 : (xe - xs) < (ye - ys)
            }
        }
        return ids
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
