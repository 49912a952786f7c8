import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's basic one, plus the connection, which a route closes when a
/// client stalls (``KiteServer`` cuts a trickled body off).
public struct KiteRequestContext: RequestContext {
    /// Hummingbird's own part (logger, route parameters).
    public var coreContext: CoreRequestContextStorage
    /// The client's connection.
    public let channel: any Channel

    /// The context of a request on the connection `source` names.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
