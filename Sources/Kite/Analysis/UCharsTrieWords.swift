/// Reads the words and values of an ICU `UCharsTrie` (the layout of `unicode/ucharstrie.h`), in unit order: the
/// steps of ICU's `UCharsTrie::Iterator`, over the trie's units.
///
/// A node's lead unit says what it is: below 0x30 a branch (its width the unit + 1, or the next unit + 1 when 0),
/// 0x30…0x3F a run of (unit − 0x2F) units to match, from 0x40 on a value (bit 15: final, nothing follows) before the
/// node in its low 6 bits. A branch wider than 5 is a comparison unit and a jump to its upper half; one of 5 or fewer
/// lists its units, each followed by a final value or a jump to its node, the last one directly by its node.
enum UCharsTrieWords {
    fileprivate static let minLinearMatch: Int32 = 0x30, minValueLead: Int32 = 0x40, nodeTypeMask: Int32 = 0x3F
    fileprivate static let maxBranchLinearSubNodeLength: Int32 = 5

    /// Calls `visit` with each word of the trie at `trie` (`units` long) and its value, in unit order. On a malformed
    /// trie it stops early: every step goes forward or back to a branch taken before, and none reads past `units`.
    static func forEach(in trie: UnsafePointer<UInt16>, units: Int, _ visit: ([UInt16], Int32) -> Void) {
        var walk = Walk(trie: trie, units: units)
        walk.run(visit)
    }

    private struct Walk {
        let trie: UnsafePointer<UInt16>
        let units: Int
        /// Branches still to follow: where, how many of their units are left, and the word's length there.
        var stack: [(pos: Int, length: Int32, wordLength: Int)] = []
        var word: [UInt16] = []
        var skipValue = false

        init(trie: UnsafePointer<UInt16>, units: Int) {
            self.trie = trie
            self.units = units
        }

        func u(_ p: Int) -> Int32 { p < units ? Int32(trie[p]) : 0xFFFF_FFF }

        mutating func run(_ visit: ([UInt16], Int32) -> Void) {
            var position: Int? = 0
            while true {
                var p: Int
                if let q = position {
                    p = q
                } else {
                    guard let top = stack.popLast() else { return }
                    word.removeLast(word.count - top.wordLength)
                    p = top.pos
                    if top.length > 1 {
                        guard let q = branch(&p, top.length, visit) else { position = nil; continue }
                        p = q
                    } else {
                        guard p < units else { return }
                        word.append(trie[p])
                        p += 1
                    }
                }
                // Follow nodes until a value is delivered.
                while true {
                    guard p < units else { return }
                    var node = u(p)
                    p += 1
                    if node >= UCharsTrieWords.minValueLead {
                        if skipValue {
                            p = Self.skipNodeValue(p, node)
                            node &= UCharsTrieWords.nodeTypeMask
                            skipValue = false
                        } else {
                            let isFinal = node & 0x8000 != 0
                            let value = isFinal ? readValue(p, node & 0x7FFF) : readNodeValue(p, node)
                            visit(word, value)
                            if isFinal {
                                position = nil
                            } else {
                                position = p - 1  // the node itself: its match part comes next time
                                skipValue = true
                            }
                            break
                        }
                    }
                    if node < UCharsTrieWords.minLinearMatch {
                        if node == 0 { node = u(p); p += 1 }
                        guard let q = branch(&p, node + 1, visit) else { position = nil; break }
                        p = q
                    } else {
                        let length = Int(node - UCharsTrieWords.minLinearMatch + 1)
                        guard p + length <= units else { return }
                        word.append(contentsOf: UnsafeBufferPointer(start: trie + p, count: length))
                        p += length
                    }
                }
            }
        }

        /// Takes a branch's first edge, keeping the rest on the stack: the node to go on with, or nil when the edge
        /// ended in a final value (delivered).
        mutating func branch(_ p: inout Int, _ length: Int32, _ visit: ([UInt16], Int32) -> Void) -> Int? {
            var length = length
            while length > UCharsTrieWords.maxBranchLinearSubNodeLength {
                p += 1  // the comparison unit
                stack.append((skipDelta(p), length - (length >> 1), word.count))
                length >>= 1
                p = jumpByDelta(p)
            }
            guard p + 1 < units else { return nil }
            let unit = trie[p]
            var node = u(p + 1)
            p += 2
            let isFinal = node & 0x8000 != 0
            node &= 0x7FFF
            let value = readValue(p, node)
            p = Self.skipValue(p, node)
            stack.append((p, length - 1, word.count))
            word.append(unit)
            if isFinal {
                visit(word, value)
                return nil
            }
            return value >= 0 ? p + Int(value) : units  // (a jump goes forward; a malformed one ends the walk)
        }

        func readValue(_ p: Int, _ lead: Int32) -> Int32 {
            if lead < 0x4000 { return lead }
            if lead < 0x7FFF { return (lead - 0x4000) << 16 | u(p) }
            return u(p) << 16 | u(p + 1)
        }

        static func skipValue(_ p: Int, _ lead: Int32) -> Int {
            lead < 0x4000 ? p : lead < 0x7FFF ? p + 1 : p + 2
        }

        func readNodeValue(_ p: Int, _ lead: Int32) -> Int32 {
            if lead < 0x4040 { return (lead >> 6) - 1 }
            if lead < 0x7FC0 { return ((lead & 0x7FC0) - 0x4040) << 10 | u(p) }
            return u(p) << 16 | u(p + 1)
        }

        static func skipNodeValue(_ p: Int, _ lead: Int32) -> Int {
            lead < 0x4040 ? p : lead < 0x7FC0 ? p + 1 : p + 2
        }

        func jumpByDelta(_ p: Int) -> Int {
            let delta = u(p)
            if delta < 0xFC00 { return p + 1 + Int(delta) }
            if delta == 0xFFFF { return p + 3 + Int(UInt32(bitPattern: u(p + 1) << 16 | u(p + 2))) }  // (forward only)
            return p + 2 + Int((delta - 0xFC00) << 16 | u(p + 1))
        }

        func skipDelta(_ p: Int) -> Int {
            let delta = u(p)
            return delta < 0xFC00 ? p + 1 : delta == 0xFFFF ? p + 3 : p + 2
        }
    }
}
