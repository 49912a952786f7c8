import Dispatch
import Synchronization
import CKite

/// ICU's own dictionary of Chinese words, read from ICU's data and laid out for Kite's walk, and ICU's dictionary pass
/// over a run of ideographs done again on it: ICU's words, found faster.
///
/// ICU cuts a run of dictionary characters (`CjkBreakEngine::divideUpDictionaryRange`, ICU's `dictbe.cpp`) by the
/// cheapest path through the words of its dictionary `cjdict`: each word costs the value the dictionary gives it
/// (27…251), a character that is no word of its own costs 255, and among equally cheap paths the one found first wins
/// (positions in order, a strictly cheaper cost replaces). For a run of unified ideographs of the BMP — one unit per
/// character, unchanged by NFKC, no kana — that is the whole of the pass, so the same costs over the same words give
/// the same words. ICU walks its compact trie (`UCharsTrie`, 2 MB) from each position, and its branch nodes of
/// thousands of first characters cost a cache miss per halving (`UCharsTrie::branchNext` was 21 % of the cycles of
/// indexing short documents); here each one-character word's cost is read from a table indexed by the unit, each
/// two-character prefix from a hash table prefetched for the whole run, and only longer words walk a trie.
///
/// The words are ICU's, read from the data of the ICU Kite runs on; a dictionary that cannot be read, or whose cuts of
/// a sample differ from ICU's in any word (``verified(_:)``), is not used, and ICU segments as before. Checked word for
/// word against ICU on the reports and the benchmark corpora (`HanDictionaryTests`).
final class HanDictionary: @unchecked Sendable {
    /// The rule status ICU gives a word of such a run (`UBRK_WORD_IDEO`).
    static let ruleStatus: UInt32 = 400
    /// The cost ICU gives a character that is not a word of its own (`maxSnlp`).
    static let unknownCost: UInt32 = 255

    /// Per unit from U+3400 to U+9FFF, the cost of the one-character word, or 0 if it is none.
    private let single: UnsafeMutablePointer<UInt8>
    /// Two-unit prefixes, open addressing, linear probing, at most half full: the prefix's units (high 32 bits) and its
    /// ``Pair`` (low 32 bits); 0 is empty.
    private let pairs: UnsafeMutablePointer<UInt64>
    private let pairMask: Int
    private let pairShift: UInt32
    /// The trie's nodes level by level (a node's children are consecutive, in unit order); the walk steps through
    /// them from the third unit on.
    private let nodes: UnsafeMutablePointer<Node>
    /// How many words of ICU's dictionary are here (words of unified ideographs of the BMP only).
    let wordCount: Int

    /// A trie node: its unit, the cost of the word ending there (0: none), where its children begin (they end where the
    /// next node's begin).
    struct Node {
        var firstChild: UInt32
        var unit: UInt16
        var cost: UInt8
    }

    /// A two-unit prefix: its node (children from its ``Node/firstChild``), its word's cost (0: none), and whether
    /// longer words begin with it.
    struct Pair {
        let bits: UInt32
        static let childrenBit: UInt32 = 1 << 31, nodeMask: UInt32 = (1 << 23) - 1
        var exists: Bool { bits != 0 }
        var cost: UInt32 { bits >> 23 & 0xFF }
        var hasChildren: Bool { bits & Pair.childrenBit != 0 }
        var node: Int { Int(bits & Pair.nodeMask) }
    }

    /// Builds the tables of `words` (sorted by units, distinct, of units that ``HanRunMemo/isRunUnit(_:)`` accepts)
    /// with their `costs`.
    /// Nil if the trie has 2^23 nodes or more (ICU 72's has 317,461).
    init?(words: WordTrie.Words, costs: [UInt8]) {
        let trie = WordTrie(sorted: words)
        let count = trie.units.count
        guard count < Int(Pair.nodeMask) else { return nil }
        single = .allocate(capacity: 0x9FFF - 0x3400 + 1)
        single.initialize(repeating: 0, count: 0x9FFF - 0x3400 + 1)
        nodes = .allocate(capacity: count + 1)
        for i in 0...count {
            let word = i < count ? trie.word[i] : -1
            nodes[i] = Node(firstChild: trie.firstChild[i], unit: i < count ? trie.units[i] : 0,
                            cost: word >= 0 ? costs[Int(word)] : 0)
        }
        var pairCount = 0
        for node in 0..<trie.firstLevelCount {
            if trie.word[node] >= 0 { single[Int(trie.units[node]) - 0x3400] = costs[Int(trie.word[node])] }
            pairCount += Int(trie.firstChild[node + 1] - trie.firstChild[node])
        }
        var bits = 4
        while (1 << bits) < 2 * pairCount { bits += 1 }
        pairMask = (1 << bits) - 1
        pairShift = UInt32(32 - bits)
        pairs = .allocate(capacity: 1 << bits)
        pairs.initialize(repeating: 0, count: 1 << bits)
        for parent in 0..<trie.firstLevelCount {
            for child in Int(trie.firstChild[parent])..<Int(trie.firstChild[parent + 1]) {
                let key = UInt32(trie.units[parent]) << 16 | UInt32(trie.units[child])
                var slot = Self.slot(key, shift: pairShift)
                while pairs[slot] != 0 { slot = (slot + 1) & pairMask }
                let pair = UInt32(child) | UInt32(nodes[child].cost) << 23 | (trie.hasChildren(child) ? Pair.childrenBit : 0)
                pairs[slot] = UInt64(key) << 32 | UInt64(pair)
            }
        }
        wordCount = words.count
    }

    deinit {
        single.deallocate()
        pairs.deallocate()
        nodes.deallocate()
    }

    @inline(__always)
    private static func slot(_ key: UInt32, shift: UInt32) -> Int { Int((key &* 0x9E37_79B1) >> shift) }

    @inline(__always)
    private func slot(_ key: UInt32) -> Int { Self.slot(key, shift: pairShift) }

    @inline(__always)
    private func pair(_ key: UInt32) -> Pair {
        var slot = slot(key)
        while true {
            let entry = pairs[slot]
            if entry >> 32 == UInt64(key) { return Pair(bits: UInt32(truncatingIfNeeded: entry)) }
            if entry == 0 { return Pair(bits: 0) }
            slot = (slot + 1) & pairMask
        }
    }

    /// The child of `node` on `unit`, or -1.
    @inline(__always)
    private func step(_ node: Int, _ unit: UInt16) -> Int {
        var lo = Int(nodes[node].firstChild), hi = Int(nodes[node + 1].firstChild)
        let end = hi
        while hi - lo > 8 {
            let mid = (lo + hi) / 2
            if nodes[mid].unit < unit { lo = mid + 1 } else { hi = mid }
        }
        while lo < end && nodes[lo].unit < unit { lo += 1 }
        return lo < end && nodes[lo].unit == unit ? lo : -1
    }

    /// ICU's cuts of the run `text[0..<n]` (units that ``HanRunMemo/isRunUnit(_:)`` accepts, n ≥ 1): the end of each
    /// word, in order, written to `cuts` (room for `n`); returns how many. `scratch` holds the walk's arrays.
    func cut(_ text: UnsafePointer<UInt16>, _ n: Int, _ scratch: Scratch, into cuts: UnsafeMutablePointer<Int32>) -> Int {
        scratch.reserve(n)
        let best = scratch.best, prev = scratch.prev, keys = scratch.keys
        for k in 0..<(n - 1) {
            keys[k] = UInt32(text[k]) << 16 | UInt32(text[k + 1])
            kite_prefetch(pairs + slot(keys[k]))
        }
        best[0] = 0
        for k in 1...n { best[k] = .max }
        @inline(__always) func relax(_ from: Int, _ to: Int, _ cost: UInt32) {
            let c = best[from] &+ cost
            if c < best[to] { best[to] = c; prev[to] = Int32(from) }
        }
        for i in 0..<n {
            let one = UInt32(single[Int(text[i]) &- 0x3400])
            relax(i, i + 1, one != 0 ? one : Self.unknownCost)
            guard i + 1 < n else { break }
            let pair = pair(keys[i])
            guard pair.exists else { continue }
            if pair.cost != 0 { relax(i, i + 2, pair.cost) }
            guard pair.hasChildren else { continue }
            var node = pair.node, k = i + 2
            // ICU matches words of up to 20 units (`maxWordSize`); none of its dictionary's is longer than 16.
            while k < n && k - i < 20 {
                node = step(node, text[k])
                if node < 0 { break }
                k += 1
                let cost = nodes[node].cost
                if cost != 0 { relax(i, k, UInt32(cost)) }
            }
        }
        var count = 0
        var e = n
        while e > 0 { scratch.back[count] = Int32(e); count += 1; e = Int(prev[e]) }
        for c in 0..<count { cuts[c] = scratch.back[count - 1 - c] }
        return count
    }

    /// The walk's arrays, reused across runs (one per thread).
    final class Scratch {
        private(set) var best: UnsafeMutablePointer<UInt32> = .allocate(capacity: 1)
        private(set) var prev: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
        private(set) var back: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
        private(set) var keys: UnsafeMutablePointer<UInt32> = .allocate(capacity: 1)
        private var capacity = 0

        /// Room for a run of `n` units.
        func reserve(_ n: Int) {
            guard n + 1 > capacity else { return }
            release()
            capacity = max(n + 1, 2 * capacity, 256)
            best = .allocate(capacity: capacity)
            prev = .allocate(capacity: capacity)
            back = .allocate(capacity: capacity)
            keys = .allocate(capacity: capacity)
        }

        private func release() {
            best.deallocate(); prev.deallocate(); back.deallocate(); keys.deallocate()
        }

        deinit { release() }
    }
}

extension HanDictionary {
    /// ICU's dictionary, loaded once per process on first use (a static constant: the first thread to ask builds it);
    /// nil if ICU's data has none Kite can read, or if its cuts of the sample differ from ICU's (then ICU segments
    /// every run itself).
    static let shared: HanDictionary? = {
        defer { isLoaded.store(true, ordering: .releasing) }
        guard let dictionary = fromICU() else { return nil }
        return dictionary.verified(sample) ? dictionary : nil
    }()

    /// Whether ``shared`` has been built (by any thread): a stream that has not yet read enough text to ask for it
    /// then takes it at no cost.
    static let isLoaded = Atomic<Bool>(false)
    private static let loadRequested = Atomic<Bool>(false)

    /// Builds ``shared`` on a background thread (once), for a writer that has been given enough text that its
    /// streams will ask for it: the build (~0.25 G instructions) then runs beside the analysis instead of in its way,
    /// and the streams take the dictionary as soon as it is there instead of each segmenting its first 256 K units
    /// with ICU's own, slower pass.
    static func loadInBackground() {
        guard !loadRequested.exchange(true, ordering: .relaxed) else { return }
        DispatchQueue.global(qos: .utility).async { _ = shared }
    }

    /// Reads ICU's dictionary for Han (`dictionaries/Hani` of ICU's break-iterator data: `cjdict.dict`), keeping
    /// its words of unified ideographs of the BMP and their costs. Nil if the data is missing or not of the layout
    /// read here (a `UCharsTrie` with values and no transform).
    static func fromICU() -> HanDictionary? {
        var status: Int32 = 0
        var nameUnits = [UInt16](repeating: 0, count: 64)
        let length = kite_icu_break_dictionary_name("Hani", &nameUnits, 64, &status)
        guard status <= 0, length > 0, length < 64 else { return nil }
        let file = String(decoding: nameUnits[..<Int(length)], as: UTF16.self)
        guard let dot = file.lastIndex(of: ".") else { return nil }
        let (name, type) = (String(file[..<dot]), String(file[file.index(after: dot)...]))
        guard let data = kite_icu_break_data_open(type, name, &status) else { return nil }
        defer { kite_icu_data_close(data) }
        guard let bytes = kite_icu_data_bytes(data) else { return nil }
        let indexes = bytes.assumingMemoryBound(to: Int32.self)
        // DictionaryData's indexes: [0] the trie's offset, [3] the total size, [4] the trie type, [5] the transform.
        let trieOffset = Int(indexes[0]), size = Int(indexes[3]), trieType = indexes[4], transform = indexes[5]
        guard trieType & 7 == 1, trieType & 8 != 0, transform == 0, trieOffset >= 32, size > trieOffset else { return nil }
        let trie = UnsafeRawPointer(indexes).advanced(by: trieOffset).assumingMemoryBound(to: UInt16.self)
        var words = WordTrie.Words(), costs: [UInt8] = []
        var valid = true
        UCharsTrieWords.forEach(in: trie, units: (size - trieOffset) / 2) { word, value in
            guard word.allSatisfy(HanRunMemo.isRunUnit) else { return }
            // Costs are ICU's (27…251 in ICU 72); words come in unit order. Anything else: not read right.
            guard (1...254).contains(value), words.lastPrecedes(word) else { valid = false; return }
            words.append(word)
            costs.append(UInt8(value))
        }
        guard valid, words.count > 0 else { return nil }
        return HanDictionary(words: words, costs: costs)
    }

    /// Whether the cuts of every run of `text` are ICU's own.
    func verified(_ text: String) -> Bool {
        var status: Int32 = 0
        guard let breaker = kite_wordbreak_open("zh", &status) else { return false }
        defer { kite_wordbreak_close(breaker) }
        let scratch = Scratch()
        for line in text.split(separator: "\n") {
            for run in line.split(whereSeparator: { !$0.utf16.allSatisfy(HanRunMemo.isRunUnit) }) {
                let units = Array(run.utf16)
                guard kite_wordbreak_set_text(breaker, units, Int32(units.count)) <= 0 else { return false }
                var icu: [Int32] = []
                while case let end = kite_wordbreak_next(breaker), end >= 0 {
                    guard kite_wordbreak_rule_status(breaker) == 400 else { return false }
                    icu.append(end)
                }
                var cuts = [Int32](repeating: 0, count: units.count)
                let count = units.withUnsafeBufferPointer { cut($0.baseAddress!, units.count, scratch, into: &cuts) }
                guard Array(cuts[..<count]) == icu else { return false }
            }
        }
        return true
    }

    /// Text whose runs are checked at load: sentences in the manner of the reports, with many words of two to seven
    /// characters and numbers in characters, and a phrase (结婚的和尚未结婚的) that the cheapest path cuts
    /// differently from the longest match.
    static let sample = """
        过去一年是全面贯彻党的二十大精神的开局之年也是三年新冠疫情防控转段后经济恢复发展的一年
        我国经济总体回升向好高质量发展扎实推进现代化产业体系建设取得重要进展科技创新实现新的突破
        改革开放向纵深推进安全发展基础巩固夯实民生保障有力有效生态环境质量稳中改善
        国内生产总值超过一百二十六万亿元增长百分之五点二城镇新增就业一千二百四十四万人
        中华人民共和国全国人民代表大会常务委员会关于修改部分法律的决定自公布之日起施行
        研究生招生规模扩大义务教育阶段学生课后服务基本全覆盖粮食产量创历史新高
        南水北调后续工程建设有序推进长江十年禁渔有力实施结婚的和尚未结婚的
        """
}
