/// The trie of a sorted word list numbered level by level, the layout both dictionary walks use
/// (``DictionaryLattice`` for user dictionaries, ``HanDictionary`` for ICU's): level d holds the distinct prefixes of
/// length d + 1 in sorted order, so a node's children are consecutive and in unit order.
struct WordTrie {
    /// Each node's last unit, level by level.
    private(set) var units: [UInt16] = []
    /// Each node's word: the index in the list of the word that ends there, or -1.
    private(set) var word: [Int32] = []
    /// Where each node's children begin (they end where the next node's begin); one entry more than nodes.
    private(set) var firstChild: [UInt32] = []
    /// How many nodes the first level has (one per distinct first unit).
    private(set) var firstLevelCount = 0

    /// Words as one array of units and where each begins (one entry more than words): no array per word.
    struct Words {
        var units: [UInt16] = []
        var starts: [Int32] = [0]
        var count: Int { starts.count - 1 }

        mutating func append(_ word: some Collection<UInt16>) {
            units.append(contentsOf: word)
            starts.append(Int32(units.count))
        }

        /// Whether the last word sorts before `word` (true when there are none).
        func lastPrecedes(_ word: [UInt16]) -> Bool {
            guard count > 0 else { return true }
            return units.withUnsafeBufferPointer { units in
                UnsafeBufferPointer(rebasing: units[Int(starts[count - 1])...]).lexicographicallyPrecedes(word)
            }
        }

        func length(_ w: Int) -> Int { Int(starts[w + 1] - starts[w]) }
        func unit(_ w: Int, _ d: Int) -> UInt16 { units[Int(starts[w]) + d] }
    }

    /// The trie of `words`, sorted by their units and distinct: one pass per level over the words still that long.
    init(sorted words: Words) {
        // The groups of words sharing the prefix of a node of the level before (the first: all words).
        var groups: [(lo: Int, hi: Int)] = [(0, words.count)]
        var depth = 0
        while !groups.isEmpty {
            var next: [(lo: Int, hi: Int)] = []
            next.reserveCapacity(groups.count)
            for group in groups {
                if depth > 0 { firstChild.append(UInt32(units.count)) }  // (the first group is the root's)
                var w = group.lo
                // A word as long as the prefix sorts first in its group; it ended at the group's node.
                if w < group.hi && words.length(w) == depth { w += 1 }
                while w < group.hi {
                    let unit = words.unit(w, depth)
                    var e = w + 1
                    while e < group.hi && words.unit(e, depth) == unit { e += 1 }
                    units.append(unit)
                    word.append(words.length(w) == depth + 1 ? Int32(w) : -1)
                    next.append((w, e))
                    w = e
                }
            }
            if depth == 0 { firstLevelCount = units.count }
            groups = next
            depth += 1
        }
        firstChild.append(UInt32(units.count))
    }

    /// Whether `node` has children.
    func hasChildren(_ node: Int) -> Bool { firstChild[node + 1] > firstChild[node] }
}
