/// How `kite serve` runs: which index, where it listens, whether it takes writes, and its limits.
public struct ServerConfiguration: Sendable {
    /// Index directories read as one (one index, a shard set's directory, or several shards).
    public var indexPaths: [String]
    /// The address to bind: loopback unless told otherwise.
    public var host: String
    /// The port; 0 picks a free one (the chosen port is reported to ``KiteServer/run(onListening:)``).
    public var port: Int
    /// The bearer token that write requests must carry; nil serves read-only (the write routes answer 403).
    public var writeToken: String?
    /// The largest request body accepted (413 beyond).
    public var maxBodyBytes: Int
    /// Seconds a connection may stay idle (a client that sends nothing, or stops half way) before it is closed.
    public var idleTimeoutSeconds: Int
    /// Seconds a request body may take to arrive whole (408 beyond): a client that trickles bytes is cut off too.
    public var bodyTimeoutSeconds: Int
    /// How often the server looks for a commit made by another process (milliseconds).
    public var refreshMilliseconds: Int

    /// The largest `offset + limit` of a search (Elasticsearch's `index.max_result_window`): deep pages cost memory.
    public static let maxResultWindow = 10_000

    /// The longest timeouts and refresh interval taken (a day, an hour): longer ones overflow a `Duration`'s
    /// nanoseconds or mean "never".
    public static let maxTimeoutSeconds = 86_400
    public static let maxRefreshMilliseconds = 3_600_000

    /// Throws ``ServerError/configuration(_:)`` for a value the server cannot run with (a timeout past
    /// ``maxTimeoutSeconds`` would overflow a `Duration`'s nanoseconds and trap, a port out of range, …).
    public func validate() throws(ServerError) {
        let longest = Self.maxTimeoutSeconds
        guard !indexPaths.isEmpty else { throw .configuration("give an index") }
        guard (0...65535).contains(port) else { throw .configuration("the port must be from 0 to 65535") }
        guard maxBodyBytes > 0, (1...longest).contains(idleTimeoutSeconds), (1...longest).contains(bodyTimeoutSeconds),
              (1...Self.maxRefreshMilliseconds).contains(refreshMilliseconds) else {
            throw .configuration("the body limit must be positive, the idle and body timeouts from 1 to \(longest) s, "
                + "the refresh interval from 1 to \(Self.maxRefreshMilliseconds) ms")
        }
    }

    /// Creates a configuration: loopback port 7700, read-only, 16 MiB bodies, 30 s idle timeout, 60 s for a body,
    /// 1 s refresh.
    public init(indexPaths: [String], host: String = "127.0.0.1", port: Int = 7700, writeToken: String? = nil,
                maxBodyBytes: Int = 16 << 20, idleTimeoutSeconds: Int = 30, bodyTimeoutSeconds: Int = 60,
                refreshMilliseconds: Int = 1000) {
        self.indexPaths = indexPaths
        self.host = host
        self.port = port
        self.writeToken = writeToken
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.bodyTimeoutSeconds = bodyTimeoutSeconds
        self.refreshMilliseconds = refreshMilliseconds
    }
}
