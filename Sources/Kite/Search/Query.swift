/// A parsed query, before it is analyzed against an index. Build one directly, or parse a query string with
/// ``QueryParser``.
public indirect enum Query: Hashable, Sendable {
    /// Free text, analyzed; `field` nil means every text field. Text the analyzer splits into several terms
    /// matches any of them (more matches rank higher, as BM25 sums), and adjacent words found together score a
    /// proximity bonus, so documents where they stand as written rank first.
    case text(String, field: String?)
    /// A quoted phrase: all its words, adjacent and in order.
    case phrase(String, field: String?)
    /// An exact keyword value (`period:2023Q3`).
    case keyword(field: String, value: String)
    /// A keyword range, bounds inclusive; a bound also admits values it prefixes, so `[2019 TO 2023]` includes
    /// `2023Q3` and `2023-02`. Nil bounds are open.
    case range(field: String, lower: String?, upper: String?)
    /// A combination of clauses. For ranking, `should` clauses are optional (each adds its score); for exact
    /// matching (``MatchMode``) every `should` clause must match too (`稳就业 保民生` matches documents with
    /// both), unless the boolean is an alternative of ``anyOf(_:)``.
    case boolean([Clause])
    /// Alternatives (the query language's explicit `OR`): matches when any matches; ranks as optional clauses.
    case anyOf([Query])
    /// Every document.
    case all

    /// How a clause of a ``Query/boolean(_:)`` query takes part.
    public enum Occur: String, Hashable, Sendable {
        /// Must match; contributes to the score.
        case must
        /// May match; contributes to the score; at least one is required when there is no `must` or `filter`.
        case should
        /// Must not match.
        case mustNot
        /// Must match; does not contribute to the score (keyword filters).
        case filter
    }

    /// One clause of a boolean query.
    public struct Clause: Hashable, Sendable {
        /// How the clause takes part.
        public var occur: Occur
        /// The clause's query.
        public var query: Query

        /// Creates a clause.
        public init(_ occur: Occur, _ query: Query) {
            self.occur = occur
            self.query = query
        }
    }
}
