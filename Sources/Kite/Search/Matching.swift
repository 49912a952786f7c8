/// Which documents a search counts and returns.
///
/// A document *matches* a query when its text contains every chunk of it (whitespace-separated text) under the
/// search's ``TextMatching`` rule, combined by the query's operators (`OR` for alternatives, `NOT`/`-` to exclude,
/// keyword filters). Ranking is unchanged: BM25 over the analyzed terms with proximity bonuses orders the
/// matching documents.
public enum MatchMode: String, Hashable, Sendable, CaseIterable, Codable {
    /// Only matching documents are returned and counted.
    case exact
    /// Matching documents first; when fewer than the limit match, *related* documents (sharing words with the
    /// query, ranked by BM25) follow, marked ``Hit/isRelated`` and never counted (the default, so that a long
    /// natural-language question still gets an answer).
    case related
    /// Any document with any of the query's terms is returned and counted, passages one by one (Kite before 0.3).
    case any
}

/// A query as the matching rules read it: leaves are evaluated to document sets, then combined.
struct MatchTree {
    enum Leaf {
        case chunk(Chunk, fields: [Int], rule: TextMatching)
        case keyword(field: Int, accept: @Sendable (String) -> Bool)
        case all
    }

    indirect enum Node {
        case leaf(Int)
        case and([Node], not: [Node])
        case or([Node])
        case none
    }

    private(set) var leaves: [Leaf] = []
    private(set) var root: Node = .none
    /// Whether the index holds joins (``AnalyzerConfiguration/emitsJoins``), which matching then relies on.
    let joins: Bool
    /// The search's planner: term lookups are shared with the ranking's (a chunk's words are looked up by both).
    private let planner: Planner

    init(_ query: Query, planner: Planner, reader: IndexReader, rule: TextMatching) throws(KiteError) {
        joins = reader.analyzer.configuration.writesJoins
        self.planner = planner
        root = try node(query, planner: planner, reader: reader, rule: rule)
    }

    private mutating func add(_ leaf: Leaf) -> Node {
        leaves.append(leaf)
        return .leaf(leaves.count - 1)
    }

    private mutating func node(_ q: Query, planner: Planner, reader: IndexReader, rule: TextMatching) throws(KiteError) -> Node {
        switch q {
        case .all:
            return add(.all)
        case .text(let text, let field):
            let fields = try Self.fields(field, reader)
            var parts: [Node] = []
            for part in text.split(whereSeparator: \.isWhitespace) {
                guard let chunk = try Self.chunk(String(part), planner) else { continue }
                parts.append(add(.chunk(chunk, fields: fields, rule: rule)))
            }
            return parts.isEmpty ? .none : (parts.count == 1 ? parts[0] : .and(parts, not: []))
        case .phrase(let text, let field):
            let fields = try Self.fields(field, reader)
            guard let chunk = try Self.chunk(text, planner) else { return .none }
            return add(.chunk(chunk, fields: fields, rule: rule == .substring ? .substring : .wholeWords))
        case .keyword, .range:
            let (f, accept) = try planner.keywordPredicate(q)
            return add(.keyword(field: f, accept: accept))
        case .anyOf(let alternatives):
            var nodes: [Node] = []
            for a in alternatives { nodes.append(try node(a, planner: planner, reader: reader, rule: rule)) }
            return .or(nodes)
        case .boolean(let clauses):
            var required: [Node] = [], excluded: [Node] = []
            for c in clauses {
                let n = try node(c.query, planner: planner, reader: reader, rule: rule)
                // A clause without words (punctuation: `稳就业 ， 保民生`) asks for nothing.
                if case .none = n, Self.isText(c.query) { continue }
                if c.occur == .mustNot { excluded.append(n) } else { required.append(n) }
            }
            if required.isEmpty {
                if clauses.allSatisfy({ Self.isText($0.query) && $0.occur != .mustNot }) { return .none }
                required.append(add(.all))
            }
            return .and(required, not: excluded)
        }
    }

    private static func isText(_ q: Query) -> Bool {
        switch q {
        case .text, .phrase: return true
        default: return false
        }
    }

    /// The query the ranking scores with: required clauses become optional, so `A AND B` with A and B in different
    /// passages of one document still ranks by both (matching has required them of the document). Filters and
    /// exclusions stay: related documents must pass them too, and next to a filter the scoring clauses stay one
    /// required group (a related document holds at least one of them, as the parser groups `a b period:2023`).
    static func rankingQuery(_ q: Query) -> Query {
        switch q {
        case .boolean(let clauses):
            let scoring = clauses.filter { $0.occur == .must || $0.occur == .should }
                .map { Query.Clause(.should, rankingQuery($0.query)) }
            let others = clauses.filter { $0.occur == .filter || $0.occur == .mustNot }
            if others.isEmpty || scoring.isEmpty { return .boolean(scoring + others) }
            return .boolean([Query.Clause(.must, scoring.count == 1 ? scoring[0].query : .boolean(scoring))] + others)
        case .anyOf(let alternatives):
            return .anyOf(alternatives.map(rankingQuery))
        default:
            return q
        }
    }

    private static func fields(_ name: String?, _ reader: IndexReader) throws(KiteError) -> [Int] {
        guard let name else { return Array(reader.schema.textFields.indices) }
        guard let f = reader.schema.textFields.firstIndex(of: name) else {
            throw .badQuery(message: "unknown text field '\(name)'", position: 0)
        }
        return [f]
    }

    private static func chunk(_ text: String, _ planner: Planner) throws(KiteError) -> Chunk? {
        Chunk(words: try planner.analyze(text).filter { $0.kind == .word }.sorted { $0.position < $1.position })
    }

    /// The live documents of `segment` in each leaf. With `exactly` false (the caller only evaluates the tree), a
    /// conjunction of chunks at the root is evaluated cheapest chunk first: once no document holds every chunk so
    /// far, the other leaves are not looked up (their sets stay empty), and a chunk of one Han character (its word
    /// and every longer word that begins with it: often hundreds of lists) is read only until it holds all the
    /// documents that hold the chunks before it — its set is then exact among those, which is all the conjunction
    /// needs.
    func leafSets(_ segment: SegmentReader, exactly: Bool = true) throws(KiteError) -> [DocSet] {
        guard !exactly, let order = conjunctionOrder() else {
            return try leaves.map { (leaf) throws(KiteError) in try leafSet(leaf, segment, enough: nil) }
        }
        var sets = [DocSet](repeating: DocSet(capacity: segment.docCount), count: leaves.count)
        var common: DocSet?
        for i in order {
            let set = try leafSet(leaves[i], segment, enough: common)
            sets[i] = set
            if common == nil { common = set } else { common!.formIntersection(set) }
            if common!.isEmpty { return sets }
        }
        for i in leaves.indices where !order.contains(i) { sets[i] = try leafSet(leaves[i], segment, enough: nil) }
        return sets
    }

    /// The leaves of a root conjunction of two or more chunks, chunks of one Han character last (the costly ones);
    /// nil for any other root.
    private func conjunctionOrder() -> [Int]? {
        guard case .and(let required, _) = root, required.count > 1 else { return nil }
        var cheap: [Int] = [], costly: [Int] = []
        for node in required {
            guard case .leaf(let i) = node, case .chunk(let chunk, _, _) = leaves[i] else { return nil }
            if chunk.count == 1 && chunk.han[0] { costly.append(i) } else { cheap.append(i) }
        }
        return cheap + costly
    }

    /// The live documents of `segment` in `leaf`; with `enough`, possibly only those of `enough` (see
    /// ``leafSets(_:exactly:)``).
    private func leafSet(_ leaf: Leaf, _ segment: SegmentReader, enough: DocSet?) throws(KiteError) -> DocSet {
        var set: DocSet
        switch leaf {
        case .all:
            set = DocSet(capacity: segment.docCount, full: true)
        case .keyword(let field, let accept):
            set = DocSet(capacity: segment.docCount)
            let accepted = segment.keywordValues[field].map(accept)
            if accepted.contains(true) {
                for d in 0..<segment.docCount {
                    if let o = segment.keywordOrdinal(field, d), accepted[o] { set.insert(d) }
                }
            }
        case .chunk(let chunk, let fields, let rule):
            set = DocSet(capacity: segment.docCount)
            for f in fields {
                try ChunkMatcher.collect(
                    chunk, rule: rule, joins: joins, planner: planner, segment: segment, field: f, into: &set, enough: enough)
            }
        }
        set.subtract(segment.deletes)
        return set
    }

    /// The documents the tree accepts, given its leaves' sets.
    func evaluate(_ sets: [DocSet], capacity: Int) -> DocSet {
        func eval(_ n: Node) -> DocSet {
            switch n {
            case .leaf(let i): return sets[i]
            case .none: return DocSet(capacity: capacity)
            case .or(let nodes):
                var out = DocSet(capacity: capacity)
                for c in nodes { out.formUnion(eval(c)) }
                return out
            case .and(let required, let excluded):
                var out = eval(required[0])
                for c in required.dropFirst() { out.formIntersection(eval(c)) }
                for c in excluded { out.subtract(eval(c)) }
                return out
            }
        }
        return eval(root)
    }

    /// Whether the tree accepts a document that holds leaf `i` when `holds(i)` (a document of several passages
    /// holds a leaf when any passage does).
    func accepts(_ holds: (Int) -> Bool) -> Bool {
        func eval(_ n: Node) -> Bool {
            switch n {
            case .leaf(let i): return holds(i)
            case .none: return false
            case .or(let nodes): return nodes.contains(where: eval)
            case .and(let required, let excluded): return required.allSatisfy(eval) && !excluded.contains(where: eval)
            }
        }
        return eval(root)
    }

    /// The leaves that make a passage one of its document's matching passages: the text chunks not under a `NOT`
    /// (a passage that is merely in a filter's period does not match the query). A document none of whose passages
    /// holds one (a filter alone, or `统计 OR period:2022` matched by the filter) falls back to the passages holding
    /// any ``positiveLeaves`` (`IndexReader+Matching.swift`).
    var passageLeaves: [Int] {
        positiveLeaves.filter { if case .chunk = leaves[$0] { return true } else { return false } }
    }

    /// Leaves not under a `NOT`: a document holding none of them cannot match.
    var positiveLeaves: [Int] {
        var out: [Int] = []
        func walk(_ n: Node) {
            switch n {
            case .leaf(let i): out.append(i)
            case .none: break
            case .or(let nodes): nodes.forEach(walk)
            case .and(let required, _): required.forEach(walk)
            }
        }
        walk(root)
        return out
    }
}
