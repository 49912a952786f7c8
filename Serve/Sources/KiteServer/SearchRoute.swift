import Hummingbird
import Kite

/// `GET /search`: a query with `kite search`'s options, answered with ``SearchResponse`` (`kite search --json`'s
/// object).
struct SearchRoute {
    static let parameters: Set<String> = ["q", "limit", "offset", "period", "from", "to", "sort", "match", "text", "snippet"]

    /// What one request asks for, checked.
    struct Asked {
        var text: String
        var query: Query
        var options: SearchOptions
        var snippetCharacters: Int
    }

    /// Reads and checks the parameters against `reader`'s schema (the query parsed, the window bounded).
    static func request(_ urlQuery: String?, reader: IndexReader) throws(APIError) -> Asked {
        let p = try QueryParameters(urlQuery, allowed: parameters)
        guard let text = p["q"] else { throw APIError(.badRequest, "give a query: q=…") }
        let window = ServerConfiguration.maxResultWindow
        let limit = try p.integer("limit", in: 0...1000, default: 10)
        let offset = try p.integer("offset", in: 0...window, default: 0)
        guard offset + limit <= window else {
            throw APIError(.badRequest, "offset + limit must be at most \(window) (page deeper with a narrower query)")
        }
        let match = try p.choice("match", default: MatchMode.related)
        var options = SearchOptions(limit: limit, offset: offset, match: match,
                                    textMatching: try p.choice("text", default: TextMatching.wordStart))
        options.sort = try p.choice("sort", default: HitOrder.score)
        if options.sort != .score && match == .any {
            throw APIError(.badRequest, "sort=\(options.sort.rawValue) needs match=exact or match=related")
        }
        var query: Query
        do throws(KiteError) { query = try QueryParser(schema: reader.schema).parse(text) } catch { throw APIError(error) }
        if let period = p["period"] {
            guard p["from"] == nil && p["to"] == nil else { throw APIError(.badRequest, "period excludes from and to") }
            query = .boolean([Query.Clause(.must, query), Query.Clause(.filter, .keyword(field: "period", value: period))])
        } else if p["from"] != nil || p["to"] != nil {
            query = .boolean([Query.Clause(.must, query),
                              Query.Clause(.filter, .range(field: "period", lower: p["from"], upper: p["to"]))])
        }
        let snippet = try p.integer("snippet", in: 20...2000, default: 100)
        return Asked(text: text, query: query, options: options, snippetCharacters: snippet)
    }

    /// Runs `request` on `reader`.
    static func respond(_ request: Asked, reader: IndexReader) throws(APIError) -> SearchResponse {
        let results: SearchResults
        do throws(KiteError) { results = try reader.search(request.query, options: request.options) } catch { throw APIError(error) }
        return SearchResponse(results, query: request.text, mode: request.options.match,
                              firstRank: request.options.offset + 1, snippetCharacters: request.snippetCharacters)
    }
}
