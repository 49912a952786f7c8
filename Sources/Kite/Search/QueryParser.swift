/// Parses the query language:
///
/// - words: `升规纳统 统计` (default operator OR; documents matching more words rank first)
/// - phrases: `"高质量 发展"`; fields: `title:统计`, `title:"统计 工作"`, `title:(统计 OR 普查)`
/// - operators: `AND`, `OR`, `NOT`, `+word` (must), `-word` (must not), parentheses
/// - keyword filters: `period:2023Q3`, ranges `period:[2019 TO 2023]` (`*` for an open bound); a keyword clause
///   next to others filters rather than adds (`升规纳统 period:2023Q3` searches within 2023Q3)
///
/// Limits (enforced, ``KiteError/badQuery(message:position:)`` beyond): ``maxLength`` characters,
/// ``maxDepth`` levels of parentheses, ``maxClauses`` clauses.
public struct QueryParser: Sendable {
    /// Longest accepted query, in characters.
    public static let maxLength = 10_000
    /// Deepest accepted nesting of parentheses.
    public static let maxDepth = 32
    /// Most accepted clauses (words, phrases, filters) in one query.
    public static let maxClauses = 1_024

    /// The index's text fields (searchable with `field:`).
    public let textFields: [String]
    /// The index's keyword fields (filterable with `field:value`).
    public let keywordFields: [String]

    /// Creates a parser for a schema.
    public init(schema: Schema = .default) {
        textFields = schema.textFields
        keywordFields = schema.keywordFields
    }

    private enum Token: Equatable {
        case word(String)
        case quoted(String)
        case lparen, rparen, lbracket, rbracket
        case colon, plus, minus
        case and, or, not, to
        case end
    }

    /// Parses `input`; throws ``KiteError/badQuery(message:position:)`` with the character offset of the problem.
    public func parse(_ input: String) throws(KiteError) -> Query {
        var state = State(tokens: try tokens(of: input))
        if state.peek.token == .end { throw .badQuery(message: "empty query", position: 0) }
        let q = try parseOr(&state, field: nil, depth: 0)
        if state.peek.token != .end {
            throw .badQuery(message: "unexpected \(describe(state.peek.token))", position: state.peek.position)
        }
        return q
    }

    private struct State {
        var tokens: [(token: Token, position: Int)]
        var index = 0
        var clauses = 0
        var peek: (token: Token, position: Int) { tokens[index] }
        mutating func take() -> (token: Token, position: Int) {
            defer { if index < tokens.count - 1 { index += 1 } }
            return tokens[index]
        }
    }

    private func describe(_ t: Token) -> String {
        switch t {
        case .word(let w): return "'\(w)'"
        case .quoted: return "phrase"
        case .lparen: return "'('"
        case .rparen: return "')'"
        case .lbracket: return "'['"
        case .rbracket: return "']'"
        case .colon: return "':'"
        case .plus: return "'+'"
        case .minus: return "'-'"
        case .and: return "AND"
        case .or: return "OR"
        case .not: return "NOT"
        case .to: return "TO"
        case .end: return "end of query"
        }
    }

    /// What a character is to the tokenizer, decided once from its scalars: comparing `Character`s and asking
    /// `isWhitespace` cost a Unicode lookup each, which made tokenizing 5 % of a plain query's instructions.
    enum CharacterClass: Equatable {
        case space, lparen, rparen, lbracket, rbracket, colon, quote, plus, minus, text

        /// Whether the class ends a word: ( ) （ ） [ ] : ： " “ ” (and whitespace).
        var endsWord: Bool { self != .text && self != .plus && self != .minus }
    }

    static func classify(_ c: Character) -> CharacterClass {
        let scalars = c.unicodeScalars
        if let s = scalars.first, scalars.count == 1 { return classify(s) }
        return c.isWhitespace ? .space : .text
    }

    /// The class of a character of one scalar.
    static func classify(_ s: Unicode.Scalar) -> CharacterClass {
        switch s.value {
        case 0x28, 0xFF08: return .lparen
        case 0x29, 0xFF09: return .rparen
        case 0x5B: return .lbracket
        case 0x5D: return .rbracket
        case 0x3A, 0xFF1A: return .colon
        case 0x22, 0x201C, 0x201D: return .quote
        case 0x2B: return .plus
        case 0x2D: return .minus
        case 0x21...0x7E, 0x3400...0x9FFF: return .text  // ASCII graphic and CJK ideographs: never whitespace
        default: return s.properties.isWhitespace ? .space : .text
        }
    }

    /// Whether `scalar` is one of the scalars no two of which make one character: printable ASCII, tab and line
    /// feed, CJK ideographs, and the CJK and fullwidth punctuation of queries (no combining mark, joiner, CR, Hangul
    /// jamo or regional indicator). A query of such scalars only (most) is tokenized by scalar, without breaking
    /// graphemes; a character is a scalar there, so positions are the same.
    static func standsAlone(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x20...0x7E, 0x3000...0x3003, 0x3008...0x3011, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0x201C, 0x201D,
             0xFF01...0xFF5E: return true
        default: return false
        }
    }

    /// The tokens of `input` with their character offsets.
    private func tokens(of input: String) throws(KiteError) -> [(token: Token, position: Int)] {
        let scalars = input.unicodeScalars
        if scalars.count <= QueryParser.maxLength && scalars.allSatisfy(QueryParser.standsAlone) {
            // Words are spelled from the UTF-8 bytes between scalars' offsets (building a String scalar by scalar
            // cost more than breaking graphemes saved).
            var classes: [CharacterClass] = [], starts: [Int] = []
            classes.reserveCapacity(scalars.count)
            starts.reserveCapacity(scalars.count + 1)
            var offset = 0
            for scalar in scalars {
                classes.append(QueryParser.classify(scalar))
                starts.append(offset)
                offset += UTF8.width(scalar)
            }
            starts.append(offset)
            let utf8 = Array(input.utf8)
            return try tokenize(classes) { String(decoding: utf8[starts[$0.lowerBound]..<starts[$0.upperBound]], as: UTF8.self) }
        }
        let chars = Array(input)
        guard chars.count <= QueryParser.maxLength else {
            throw .badQuery(message: "query longer than \(QueryParser.maxLength) characters", position: QueryParser.maxLength)
        }
        return try tokenize(chars.map(QueryParser.classify)) { String(chars[$0]) }
    }

    /// The tokens of a text whose characters have the classes `classes`; `text` spells a range of characters.
    private func tokenize(
        _ classes: [CharacterClass], _ text: (Range<Int>) -> String
    ) throws(KiteError) -> [(token: Token, position: Int)] {
        var out: [(token: Token, position: Int)] = []
        var i = 0
        while i < classes.count {
            let c = classes[i]
            if c == .space { i += 1; continue }
            let start = i
            switch c {
            case .lparen: out.append((.lparen, i)); i += 1
            case .rparen: out.append((.rparen, i)); i += 1
            case .lbracket: out.append((.lbracket, i)); i += 1
            case .rbracket: out.append((.rbracket, i)); i += 1
            case .colon: out.append((.colon, i)); i += 1
            case .quote:
                i += 1
                while i < classes.count && classes[i] != .quote { i += 1 }
                guard i < classes.count else { throw .badQuery(message: "unterminated phrase", position: start) }
                out.append((.quoted(text((start + 1)..<i)), start))
                i += 1
            case .plus where out.last.map({ $0.0 != .colon }) ?? true:
                out.append((.plus, i)); i += 1
            case .minus where out.last.map({ $0.0 != .colon }) ?? true:
                out.append((.minus, i)); i += 1
            default:
                while i < classes.count && !classes[i].endsWord { i += 1 }
                let text = text(start..<i)
                let short = text.utf8.count <= 3 && text.utf8.first.map { $0 < 0x80 } == true
                switch short ? text : "" {  // (keywords are short ASCII: most words are compared with none)
                case "AND", "&&": out.append((.and, start))
                case "OR", "||": out.append((.or, start))
                case "NOT": out.append((.not, start))
                case "TO": out.append((.to, start))
                default: out.append((.word(text), start))
                }
            }
        }
        out.append((.end, classes.count))
        return out
    }

    /// or := and ((OR | adjacency) and)*
    private func parseOr(_ s: inout State, field: String?, depth: Int) throws(KiteError) -> Query {
        var items: [(Query.Clause, explicitOr: Bool)] = []
        var sawOr = false
        while true {
            let t = s.peek.token
            if t == .end || t == .rparen { break }
            if t == .or {
                let p = s.take().position
                if items.isEmpty { throw .badQuery(message: "OR without a left operand", position: p) }
                sawOr = true
                if s.peek.token == .end || s.peek.token == .rparen {
                    throw .badQuery(message: "OR without a right operand", position: p)
                }
                continue
            }
            let clause = try parseAnd(&s, field: field, depth: depth)
            items.append((clause, sawOr))
            sawOr = false
        }
        if items.isEmpty { throw .badQuery(message: "empty group", position: s.peek.position) }
        if items.count == 1, items[0].0.occur == .should { return items[0].0.query }
        // Keyword clauses joined by adjacency only (not OR) filter the rest.
        let hasOthers = items.contains { !isKeyword($0.0.query) }
        var clauses: [Query.Clause] = []
        for (i, item) in items.enumerated() {
            var c = item.0
            let orNext = i + 1 < items.count && items[i + 1].explicitOr
            if c.occur == .should, isKeyword(c.query), hasOthers, !item.explicitOr, !orNext { c.occur = .filter }
            clauses.append(c)
        }
        // Explicit ORs split the other clauses into alternatives; within one, adjacent clauses all match (exact
        // matching) and all rank. Filters apply to every alternative.
        if items.dropFirst().contains(where: \.explicitOr) {
            var alternatives: [[Query.Clause]] = []
            var filters: [Query.Clause] = []
            for (item, c) in zip(items, clauses) {
                if c.occur == .filter { filters.append(c); continue }
                if item.explicitOr || alternatives.isEmpty { alternatives.append([]) }
                alternatives[alternatives.count - 1].append(c)
            }
            let either = Query.anyOf(alternatives.map { $0.count == 1 && $0[0].occur == .should ? $0[0].query : .boolean($0) })
            return filters.isEmpty ? either : .boolean([Query.Clause(.must, either)] + filters)
        }
        // With filters, the optional clauses still need one match: group them as one required clause.
        let shoulds = clauses.filter { $0.occur == .should }
        if clauses.contains(where: { $0.occur == .filter }) && !shoulds.isEmpty {
            var grouped = clauses.filter { $0.occur != .should }
            grouped.insert(Query.Clause(.must, shoulds.count == 1 ? shoulds[0].query : .boolean(shoulds)), at: 0)
            return .boolean(grouped)
        }
        return .boolean(clauses)
    }

    private func isKeyword(_ q: Query) -> Bool {
        switch q {
        case .keyword, .range: return true
        default: return false
        }
    }

    /// and := unary (AND unary)*; returns one clause (a boolean of musts when AND was used).
    private func parseAnd(_ s: inout State, field: String?, depth: Int) throws(KiteError) -> Query.Clause {
        var first = try parseUnary(&s, field: field, depth: depth)
        guard s.peek.token == .and else { return first }
        if first.occur == .should { first.occur = .must }
        var clauses = [first]
        while s.peek.token == .and {
            let p = s.take().position
            let t = s.peek.token
            if t == .end || t == .rparen || t == .or || t == .and {
                throw .badQuery(message: "AND without a right operand", position: p)
            }
            var c = try parseUnary(&s, field: field, depth: depth)
            if c.occur == .should { c.occur = .must }
            clauses.append(c)
        }
        return Query.Clause(.should, .boolean(clauses))
    }

    private func parseUnary(_ s: inout State, field: String?, depth: Int) throws(KiteError) -> Query.Clause {
        let t = s.peek
        switch t.token {
        case .plus, .minus, .not:
            _ = s.take()
            // An operator applies to one primary; a second operator right after it is an error (checked before
            // descending, so that a long run of operators cannot recurse deeply).
            switch s.peek.token {
            case .plus, .minus, .not:
                throw .badQuery(message: "doubled operator", position: s.peek.position)
            default:
                break
            }
            let inner = try parsePrimary(&s, field: field, depth: depth)
            return Query.Clause(t.token == .plus ? .must : .mustNot, inner)
        default:
            return Query.Clause(.should, try parsePrimary(&s, field: field, depth: depth))
        }
    }

    private func countClause(_ s: inout State, _ position: Int) throws(KiteError) {
        s.clauses += 1
        if s.clauses > QueryParser.maxClauses {
            throw .badQuery(message: "more than \(QueryParser.maxClauses) clauses", position: position)
        }
    }

    private func parsePrimary(_ s: inout State, field: String?, depth: Int) throws(KiteError) -> Query {
        let t = s.take()
        switch t.token {
        case .lparen:
            guard depth < QueryParser.maxDepth else {
                throw .badQuery(message: "parentheses nested deeper than \(QueryParser.maxDepth)", position: t.position)
            }
            let q = try parseOr(&s, field: field, depth: depth + 1)
            guard s.take().token == .rparen else { throw .badQuery(message: "missing ')'", position: t.position) }
            return q
        case .quoted(let text):
            try countClause(&s, t.position)
            return .phrase(text, field: field)
        case .word(let w):
            if s.peek.token == .colon && field == nil {
                _ = s.take()
                return try parseField(w, at: t.position, &s, depth: depth)
            }
            try countClause(&s, t.position)
            return .text(w, field: field)
        case .end:
            throw .badQuery(message: "query ends where a word was expected", position: t.position)
        default:
            throw .badQuery(message: "unexpected \(describe(t.token))", position: t.position)
        }
    }

    private func parseField(_ name: String, at position: Int, _ s: inout State, depth: Int) throws(KiteError) -> Query {
        if keywordFields.contains(name) {
            let t = s.take()
            switch t.token {
            case .word(let v):
                try countClause(&s, t.position)
                return .keyword(field: name, value: v)
            case .quoted(let v):
                try countClause(&s, t.position)
                return .keyword(field: name, value: v)
            case .lbracket:
                guard case .word(let lo) = s.take().token, s.take().token == .to, case .word(let hi) = s.take().token,
                    s.take().token == .rbracket
                else { throw .badQuery(message: "range must be [LOW TO HIGH]", position: t.position) }
                try countClause(&s, t.position)
                return .range(field: name, lower: lo == "*" ? nil : lo, upper: hi == "*" ? nil : hi)
            default:
                throw .badQuery(message: "\(name): needs a value", position: t.position)
            }
        }
        guard textFields.contains(name) else {
            let known = (textFields + keywordFields).joined(separator: ", ")
            throw .badQuery(message: "unknown field '\(name)' (fields: \(known))", position: position)
        }
        let t = s.peek
        switch t.token {
        case .word, .quoted, .lparen:
            return try parsePrimaryInField(&s, field: name, depth: depth)
        default:
            throw .badQuery(message: "\(name): needs a word, phrase or group", position: t.position)
        }
    }

    private func parsePrimaryInField(_ s: inout State, field: String, depth: Int) throws(KiteError) -> Query {
        try parsePrimary(&s, field: field, depth: depth)
    }
}
