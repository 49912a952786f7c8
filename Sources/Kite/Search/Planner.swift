/// Turns a ``Query`` into weighted terms with collection-wide statistics, then into scorers segment by segment.
///
/// It sees the segments (for term lookups and scorers), the schema and analyzer (to read queries) and the
/// ``CollectionStatistics`` — not the reader: statistics gathered elsewhere (other shards, other machines) plan the
/// same way.
struct Planner {
    let segments: [SegmentReader]
    let schema: Schema
    let analyzer: Analyzer
    let statistics: CollectionStatistics
    let ranking: Ranking
    /// Term dictionary answers of this search: a term is looked up once per segment for its document frequency,
    /// its phrases and its scorer.
    private let lookups = TermLookups()
    /// The analyses of this search's texts: the ranking and the matching rules read the same chunks.
    private let analyses = QueryAnalyses()

    init(segments: [SegmentReader], schema: Schema, analyzer: Analyzer, statistics: CollectionStatistics, ranking: Ranking) {
        self.segments = segments
        self.schema = schema
        self.analyzer = analyzer
        self.statistics = statistics
        self.ranking = ranking
    }

    /// The planner of a reader's snapshot, with its statistics.
    init(reader: IndexReader, ranking: Ranking) {
        self.init(segments: reader.segments, schema: reader.schema, analyzer: reader.analyzer,
                  statistics: reader.collectionStatistics, ranking: ranking)
    }

    /// The term dictionary entry of `term` in field `field` of segment `s` (nil if absent), looked up once.
    private func lookup(_ s: Int, field: Int, _ term: [UInt8]) throws(KiteError) -> TermInfo? {
        let key = TermLookups.Key(segment: s, field: field, term: term)
        if let known = lookups.entries[key] { return known }
        let segment = segments[s]
        let info = try term.withBytes { (t) throws(KiteError) in try segment.lookup(field: field, term: t) }
        lookups.entries[key] = .some(info)
        return info
    }

    struct WeightedTerm {
        var field: Int
        var term: [UInt8]
        var weight: Double
    }

    indirect enum Plan {
        /// Sum of term scores, plus optional phrase bonuses; matches any term. `total` is the sum of all term
        /// weights (for the coverage factor).
        case text(terms: [WeightedTerm], phrases: [PhrasePlan], total: Double)
        /// Required phrase.
        case phrase(PhrasePlan)
        case keyword(field: Int, accept: @Sendable (String) -> Bool)
        case boolean([(Query.Occur, Plan)])
        case fields([Plan])
        case all
        case none
    }

    struct PhrasePlan {
        var field: Int
        var terms: [[UInt8]]
        var offsets: [Int32]
        var weight: Double
        /// Whether the phrase frequency is length-normalized (BM25's b); the whole-text bonus is not, so that a
        /// long passage that contains the query as written is not outscored by a short one with its parts.
        var lengthNormalized = true
    }

    /// The BM25 parameters of text field `field`; a phrase's frequency is scored without δ and, unless
    /// `lengthNormalized`, without length normalization (b = 0).
    func bm25(_ field: Int, phrase: Bool = false, lengthNormalized: Bool = true) -> BM25Field {
        let name = schema.textFields[field]
        return BM25Field(k1: ranking.k1, b: lengthNormalized ? ranking.fieldB[name] ?? ranking.b : 0,
                         averageLength: statistics.averageLength(field), delta: phrase ? 0 : ranking.delta)
    }

    func documentFrequency(_ field: Int, _ term: [UInt8]) throws(KiteError) -> Int {
        var df = 0
        for s in segments.indices {
            if let info = try lookup(s, field: field, term) { df += info.docFrequency }
        }
        return df
    }

    func idf(_ field: Int, _ term: [UInt8]) throws(KiteError) -> Double {
        let df = try documentFrequency(field, term)
        guard df > 0 else { return 0 }
        return BM25Field.idf(documentCount: statistics.documentCount, documentFrequency: df)
    }

    private func fields(_ name: String?) throws(KiteError) -> [Int] {
        if let name {
            guard let f = schema.textFields.firstIndex(of: name) else {
                throw .badQuery(message: "unknown text field '\(name)'", position: 0)
            }
            return [f]
        }
        return Array(schema.textFields.indices)
    }

    /// The terms of a query text, analyzed once per search.
    func analyze(_ text: String) throws(KiteError) -> [AnalyzedTerm] {
        if let known = analyses[text] { return known }
        let terms: [AnalyzedTerm]
        do { terms = try analyzer.terms(in: text) } catch { throw .analysis(error) }
        guard terms.count <= Planner.maxTermsPerClause else {
            throw .badQuery(message: "more than \(Planner.maxTermsPerClause) terms in one clause", position: 0)
        }
        analyses[text] = terms
        return terms
    }

    private func boost(_ field: Int) -> Double { ranking.fieldBoosts[schema.textFields[field]] ?? 1 }

    /// Most terms one text clause may analyze into, and most clauses and nesting in one query (the parser's limits,
    /// enforced here too for queries built directly).
    static let maxTermsPerClause = 4_096

    /// Checks a query built in code against the parser's limits before any work is done.
    static func validateLimits(_ query: Query) throws(KiteError) {
        var clauses = 0
        func walk(_ q: Query, _ depth: Int) throws(KiteError) {
            guard depth <= QueryParser.maxDepth + 2 else {
                throw .badQuery(message: "query nested deeper than \(QueryParser.maxDepth)", position: 0)
            }
            switch q {
            case .boolean(let cs):
                for c in cs { try walk(c.query, depth + 1) }
            case .anyOf(let qs):
                for q in qs { try walk(q, depth + 1) }
            case .text(let t, _), .phrase(let t, _):
                clauses += 1
                guard t.utf8.count <= QueryParser.maxLength * 4 else {
                    throw .badQuery(message: "query text longer than \(QueryParser.maxLength) characters", position: 0)
                }
            default:
                clauses += 1
            }
            if clauses > QueryParser.maxClauses {
                throw .badQuery(message: "more than \(QueryParser.maxClauses) clauses", position: 0)
            }
        }
        try walk(query, 0)
    }

    func plan(_ query: Query) throws(KiteError) -> Plan {
        switch query {
        case .all:
            return .all
        case .text(let text, let fieldName):
            let terms = try analyze(text)
            if terms.isEmpty { return .none }
            // The weight factors and term bytes are the same in every field: computed once.
            let factors = termFactors(terms).map { (bytes: Array($0.text.utf8), factor: $0.factor) }
            var perField: [Plan] = []
            for f in try fields(fieldName) { if let p = try textPlan(terms, factors, field: f) { perField.append(p) } }
            return perField.isEmpty ? .none : (perField.count == 1 ? perField[0] : .fields(perField))
        case .phrase(let text, let fieldName):
            let words = try analyze(text).filter { $0.kind == .word }
            if words.isEmpty { return .none }
            var perField: [Plan] = []
            for f in try fields(fieldName) { if let p = try quotedPlan(words, field: f) { perField.append(p) } }
            return perField.isEmpty ? .none : (perField.count == 1 ? perField[0] : .fields(perField))
        case .keyword, .range:
            let (f, accept) = try keywordPredicate(query)
            return .keyword(field: f, accept: accept)
        case .anyOf(let alternatives):
            var plans: [(Query.Occur, Plan)] = []
            for q in alternatives { plans.append((.should, try plan(q))) }
            return .boolean(plans)
        case .boolean(let clauses):
            var plans: [(Query.Occur, Plan)] = []
            for c in clauses { plans.append((c.occur, try plan(c.query))) }
            return .boolean(plans)
        }
    }

    /// Plain text in field `f`: its terms weighted by idf, kind and field boost, with the proximity phrases; nil
    /// when no term has weight.
    private func textPlan(
        _ terms: [AnalyzedTerm], _ factors: [(bytes: [UInt8], factor: Double)], field f: Int
    ) throws(KiteError) -> Plan? {
        var weighted: [WeightedTerm] = []
        weighted.reserveCapacity(factors.count)
        var total = 0.0
        for (bytes, factor) in factors {
            let w = try idf(f, bytes) * factor * boost(f)
            total += w
            if w > 0 { weighted.append(WeightedTerm(field: f, term: bytes, weight: w)) }
        }
        if weighted.isEmpty { return nil }
        return .text(terms: weighted, phrases: try proximityPhrases(terms, field: f), total: total)
    }

    /// Each distinct term of a text with the sum of its weight factors, in order of first appearance: a rescue
    /// bigram `bigramWeight`, a sub-word `subwordWeight` (a Latin trigram `trigramWeight`), a join 0 (matching
    /// only), a word 1 or `runUnigramWeight` where a bigram covers it. Terms of factor 0 are left out.
    func termFactors(_ terms: [AnalyzedTerm]) -> [(text: String, factor: Double)] {
        // A query has a few dozen terms: scans of small arrays instead of a Set and a Dictionary of strings, whose
        // hashing was 6 % of a plain AND query's instructions; a long one (a pasted paragraph) indexes its terms.
        let small = terms.count <= 64
        // Positions covered by a rescue bigram (its first character's and the next).
        var covered: [Int] = []
        if ranking.bigramWeight > 0, terms.contains(where: { $0.kind == .bigram }) {
            for t in terms where t.kind == .bigram { covered.append(t.position); covered.append(t.position + 1) }
        }
        let coveredSet = small ? [] : Set(covered)
        var out: [(text: String, factor: Double)] = []
        out.reserveCapacity(terms.count)
        var index: [String: Int] = [:]
        for t in terms {
            if t.kind == .bigram && ranking.bigramWeight == 0 { continue }
            let factor: Double
            switch t.kind {
            case .bigram: factor = ranking.bigramWeight
            case .subword: factor = t.text.utf8.first == 0x23 ? ranking.trigramWeight : ranking.subwordWeight
            case .join: factor = 0  // matching only
            case .word:
                let isCovered = small ? covered.contains(t.position) : coveredSet.contains(t.position)
                factor = isCovered ? ranking.runUnigramWeight : 1
            }
            if factor == 0 { continue }
            if let i = small ? out.firstIndex(where: { $0.text == t.text }) : index[t.text] {
                out[i].factor += factor
            } else {
                if !small { index[t.text] = out.count }
                out.append((t.text, factor))
            }
        }
        return out
    }

    /// Proximity: each pair of adjacent words also scores as a two-word phrase (the ordered-window feature of the
    /// sequential dependence model), so words found together outrank words far apart; and the whole text as
    /// written, when it is longer than a pair (新质生产力 as one phrase).
    private func proximityPhrases(_ terms: [AnalyzedTerm], field f: Int) throws(KiteError) -> [PhrasePlan] {
        guard ranking.phraseWeight > 0 else { return [] }
        let words = terms.filter { $0.kind == .word }
        guard words.count > 1 else { return [] }
        var phrases: [PhrasePlan] = []
        // Pairs planned: a scan of a few (no hashing), a set for a long text (a pasted paragraph).
        let small = words.count <= 64
        var seen: [(String, String)] = []
        var seenSet = Set<[String]>()
        for (a, b) in zip(words, words.dropFirst()) where b.position == a.position + 1 {
            if small {
                guard !seen.contains(where: { $0 == (a.text, b.text) }) else { continue }
                seen.append((a.text, b.text))
            } else {
                guard seenSet.insert([a.text, b.text]).inserted else { continue }
            }
            if let p = try phrasePlan([a, b], field: f, scale: ranking.phraseWeight) { phrases.append(p) }
        }
        if ranking.fullPhraseWeight > 0, words.count > 2, words.count <= 8,
            zip(words, words.dropFirst()).allSatisfy({ $1.position == $0.position + 1 }),
            var p = try phrasePlan(words, field: f, scale: ranking.fullPhraseWeight) {
            p.lengthNormalized = false
            phrases.append(p)
        }
        return phrases
    }

    /// A quoted phrase of `words` in field `f`: one word is a term; more, a phrase.
    private func quotedPlan(_ words: [AnalyzedTerm], field f: Int) throws(KiteError) -> Plan? {
        if words.count == 1 {
            let bytes = Array(words[0].text.utf8)
            let w = try idf(f, bytes) * boost(f)
            return w > 0 ? .text(terms: [WeightedTerm(field: f, term: bytes, weight: w)], phrases: [], total: w) : Plan.none
        }
        return try phrasePlan(words, field: f, scale: 1).map { .phrase($0) }
    }

    /// The keyword field and value test of a `.keyword` or `.range` query. Periods nest: `period:2026` accepts
    /// `2026H1`, `2026Q1` and `2026-01` (``ReportPeriod/contains(_:)``), as ranges already did.
    func keywordPredicate(_ query: Query) throws(KiteError) -> (field: Int, accept: @Sendable (String) -> Bool) {
        switch query {
        case .keyword(let name, let value):
            guard let f = schema.keywordFields.firstIndex(of: name) else {
                throw .badQuery(message: "unknown keyword field '\(name)'", position: 0)
            }
            if name == "period", let outer = ReportPeriod(value) {
                return (f, { v in v.utf8.elementsEqual(value.utf8) || (ReportPeriod(v).map(outer.contains) ?? false) })
            }
            return (f, { $0.utf8.elementsEqual(value.utf8) })
        case .range(let name, let lower, let upper):
            guard let f = schema.keywordFields.firstIndex(of: name) else {
                throw .badQuery(message: "unknown keyword field '\(name)'", position: 0)
            }
            return (f, { v in
                if let lower, v.utf8.lexicographicallyPrecedes(lower.utf8) { return false }
                if let upper, upper.utf8.lexicographicallyPrecedes(v.utf8), !v.hasPrefix(upper) { return false }
                return true
            })
        default:
            throw .badQuery(message: "not a keyword query", position: 0)
        }
    }

    /// A phrase over `words` (positions relative to the first); nil if a word is absent from the field.
    private func phrasePlan(_ words: [AnalyzedTerm], field: Int, scale: Double) throws(KiteError) -> PhrasePlan? {
        var weight = 0.0
        let first = words[0].position
        for w in words {
            let i = try idf(field, Array(w.text.utf8))
            if i == 0 { return nil }
            weight += i
        }
        return PhrasePlan(field: field, terms: words.map { Array($0.text.utf8) },
                          offsets: words.map { Int32($0.position - first) }, weight: weight * scale * boost(field))
    }

    /// The scorer of `plan` over one segment.
    func scorer(_ plan: Plan, segment: SegmentReader) throws(KiteError) -> Scorer {
        switch plan {
        case .none:
            return EmptyScorer()
        case .all:
            return AllScorer(count: segment.docCount)
        case .text(let terms, let phrases, let total):
            var children: [Scorer] = []
            for t in terms {
                guard let info = try lookup(segment, field: t.field, t.term) else { continue }
                children.append(try TermScorer(cursor: try segment.postingsCursor(info), weight: t.weight,
                                               bm25: bm25(t.field), segment: segment, field: t.field))
            }
            if children.isEmpty { return EmptyScorer() }
            var base: Scorer = children.count == 1 ? children[0] : DisjunctionScorer(children)
            if ranking.coordination > 0 && children.count > 1 {
                base = CoverageScorer(children, total: total, exponent: ranking.coordination)
            }
            var bonus: [Scorer] = []
            for p in phrases { if let s = try phraseScorer(p, segment: segment, bonus: true) { bonus.append(s) } }
            if bonus.isEmpty { return base }
            return RequiredOptionalScorer(required: base, optional: bonus.count == 1 ? bonus[0] : DisjunctionScorer(bonus))
        case .phrase(let p):
            return try phraseScorer(p, segment: segment) ?? EmptyScorer()
        case .keyword(let field, let accept):
            let accepted = segment.keywordValues[field].map(accept)
            if !accepted.contains(true) { return EmptyScorer() }
            return KeywordScorer(segment: segment, field: field, accepted: accepted)
        case .fields(let plans):
            let children = try plans.map { (p: Plan) throws(KiteError) -> Scorer in try scorer(p, segment: segment) }
                .filter { !($0 is EmptyScorer) }
            if children.isEmpty { return EmptyScorer() }
            return children.count == 1 ? children[0] : DisjunctionScorer(children)
        case .boolean(let clauses):
            var required: [Scorer] = [], scoring: [Bool] = [], optional: [Scorer] = [], excluded: [Scorer] = []
            var positive = false, negative = false  // whether the query has such clauses, matching here or not
            for (occur, p) in clauses {
                let s = try scorer(p, segment: segment)
                switch occur {
                case .must: required.append(s); scoring.append(true); positive = true
                case .filter: required.append(s); scoring.append(false); positive = true
                case .should: positive = true; if !(s is EmptyScorer) { optional.append(s) }
                case .mustNot: negative = true; if !(s is EmptyScorer) { excluded.append(s) }
                }
            }
            var base: Scorer
            if !required.isEmpty {
                if required.contains(where: { $0 is EmptyScorer }) { return EmptyScorer() }
                base = required.count == 1 && scoring[0] ? required[0] : try ConjunctionScorer(leastCostFirst: required, scoring: scoring)
                if !optional.isEmpty {
                    base = RequiredOptionalScorer(required: base, optional: optional.count == 1 ? optional[0] : DisjunctionScorer(optional))
                }
            } else if !optional.isEmpty {
                base = optional.count == 1 ? optional[0] : DisjunctionScorer(optional)
            } else if negative && !positive {  // only exclusions: every other document
                base = AllScorer(count: segment.docCount)
            } else {
                return EmptyScorer()
            }
            if !excluded.isEmpty {
                base = try ExclusionScorer(required: base, excluded: excluded.count == 1 ? excluded[0] : DisjunctionScorer(excluded))
            }
            return base
        }
    }

    /// A window-at-a-time scorer for `plan` when it is a plain disjunction of terms (one or several fields, with
    /// proximity bonuses, without the coverage factor); nil for other shapes.
    ///
    /// With `requiredAsDisjunction`, a top-level boolean of required clauses only (`+日 +和`) flattens too: for a
    /// document holding every clause its score is the same sum. The caller must then offer only the documents of
    /// the conjunction (its document set); others score as if the clauses were alternatives.
    func windowedScorer(_ plan: Plan, segment: SegmentReader, requiredAsDisjunction: Bool = false) throws(KiteError) -> WindowedScorer? {
        guard ranking.coordination == 0 else { return nil }
        // Flatten: a should-only boolean of text plans (the default operator) is one big disjunction too.
        var parts: [Plan] = []
        func flatten(_ p: Plan) -> Bool {
            switch p {
            case .text: parts.append(p); return true
            case .none: return true
            case .fields(let plans): return plans.allSatisfy(flatten)
            case .boolean(let clauses):
                // One required clause alone (`+条例`) matches and scores as the clause itself.
                if clauses.count == 1, clauses[0].0 == .must { return flatten(clauses[0].1) }
                return clauses.allSatisfy { $0.0 == .should && flatten($0.1) }
            default: return false
            }
        }
        var flattened: Bool
        if requiredAsDisjunction, case .boolean(let clauses) = plan, clauses.count > 1, clauses.allSatisfy({ $0.0 == .must }) {
            flattened = clauses.allSatisfy { flatten($0.1) }
        } else {
            flattened = flatten(plan)
        }
        guard flattened, !parts.isEmpty else { return nil }
        var terms: [WindowedScorer.Term] = []
        var bonuses: [Scorer] = []
        for part in parts {
            guard case .text(let weighted, let phrases, _) = part else { return nil }
            for t in weighted {
                guard let info = try lookup(segment, field: t.field, t.term) else { continue }
                terms.append(WindowedScorer.Term(cursor: try segment.postingsCursor(info), weight: t.weight,
                                                 field: t.field, bm25: bm25(t.field)))
            }
            for p in phrases { if let s = try phraseScorer(p, segment: segment, bonus: true) { bonuses.append(s) } }
        }
        return try WindowedScorer(segment: segment, terms: terms, bonuses: bonuses)
    }

    /// The term dictionary entry of `term` in field `field` of `segment` (nil if absent), looked up once.
    func lookup(_ segment: SegmentReader, field: Int, _ term: [UInt8]) throws(KiteError) -> TermInfo? {
        guard let s = segments.firstIndex(where: { $0 === segment }) else {
            return try term.withBytes { (t) throws(KiteError) in try segment.lookup(field: field, term: t) }
        }
        return try lookup(s, field: field, term)
    }

    /// Records what a dictionary seek of another kind found for `term` in field `field` of `segment` (nil:
    /// absent), so that a later lookup of it is answered without a seek (the matching rules seek a chunk's word
    /// before the ranking plans it).
    func remember(_ segment: SegmentReader, field: Int, _ term: [UInt8], _ info: TermInfo?) {
        guard let s = segments.firstIndex(where: { $0 === segment }) else { return }
        lookups.entries[TermLookups.Key(segment: s, field: field, term: term)] = .some(info)
    }

    /// A phrase's scorer; a proximity `bonus` is scaled down in short texts (``Ranking/proximityLength``), a quoted
    /// phrase is not.
    private func phraseScorer(_ p: PhrasePlan, segment: SegmentReader, bonus: Bool = false) throws(KiteError) -> Scorer? {
        var cursors: [PostingsCursor] = []
        for t in p.terms {
            guard let info = try lookup(segment, field: p.field, t) else { return nil }
            cursors.append(try segment.postingsCursor(info))
        }
        let model = bm25(p.field, phrase: true, lengthNormalized: p.lengthNormalized)
        return try PhraseScorer(cursors: cursors, offsets: p.offsets, weight: p.weight, bm25: model,
                                segment: segment, field: p.field, lengthScale: bonus ? ranking.proximityLength : 0)
    }

    /// Terms to highlight, per text field name ("" for all fields): the query's positive text terms.
    func highlightTerms(_ query: Query) -> [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        func walk(_ q: Query, negated: Bool) {
            switch q {
            case .text(let t, let f), .phrase(let t, let f):
                guard !negated, let terms = try? analyze(t) else { return }
                out[f ?? "", default: []].formUnion(terms.filter { $0.kind != .join }.map(\.text))
            case .boolean(let clauses):
                for c in clauses { walk(c.query, negated: negated || c.occur == .mustNot) }
            case .anyOf(let alternatives):
                for q in alternatives { walk(q, negated: negated) }
            default:
                return
            }
        }
        walk(query, negated: false)
        return out
    }
}

/// The term dictionary entries one search has looked up, by segment, field and term.
final class TermLookups {
    struct Key: Hashable {
        var segment: Int
        var field: Int
        var term: [UInt8]

        /// The term's bytes in one call (an array's own hashing feeds the hasher a byte at a time).
        func hash(into hasher: inout Hasher) {
            hasher.combine(segment)
            hasher.combine(field)
            term.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }
    /// (Room for a plain query's lookups from the start: growing from empty rehashed 2 of 3 lookups.)
    var entries: [Key: TermInfo?] = Dictionary(minimumCapacity: 16)
}

/// The analyzed texts of one search, by their UTF-8 bytes (the analyzer reads those).
final class QueryAnalyses {
    private var entries: [UTF8Key: [AnalyzedTerm]] = [:]

    subscript(text: String) -> [AnalyzedTerm]? {
        get { entries[UTF8Key(text)] }
        set { entries[UTF8Key(text)] = newValue }
    }
}
