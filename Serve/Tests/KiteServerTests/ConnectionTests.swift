import Foundation
import KiteServer
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What happens on the socket itself: a client that stalls is cut off.
@Suite struct ConnectionTests {
    /// Connects to loopback `port` (blocking socket, receive timeout `seconds`).
    static func connect(_ port: Int, receiveTimeout seconds: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
        return fd
    }

    @Test func aClientThatStopsHalfWayThroughItsRequestIsDisconnected() async throws {
        let dir = TemporaryDirectory()
        let config = ServerConfiguration(indexPaths: [try makeIndex(in: dir)], idleTimeoutSeconds: 1)
        try await withServer(config) { server in
            let fd = try Self.connect(server.port, receiveTimeout: 10)
            defer { close(fd) }
            let partial = "GET /search?q=x HTTP/1.1\r\nHost: local"
            _ = partial.withCString { send(fd, $0, strlen($0), 0) }
            let start = ContinuousClock.now
            var byte: UInt8 = 0
            let received = recv(fd, &byte, 1, 0)  // 0: the server closed the connection
            #expect(received == 0)
            #expect(ContinuousClock.now - start < .seconds(8))
            #expect(try await server.get("/health").status == 200, "and keeps serving others")
        }
    }

    @Test func aBodyTrickledByteByByteIsCutOffWith408() async throws {
        let dir = TemporaryDirectory()
        let config = ServerConfiguration(indexPaths: [try makeIndex(in: dir)], writeToken: "t0ken", idleTimeoutSeconds: 5,
                                         bodyTimeoutSeconds: 1)
        try await withServer(config) { server in
            let fd = try Self.connect(server.port, receiveTimeout: 0)
            defer { close(fd) }
            var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let head = "POST /documents HTTP/1.1\r\nHost: local\r\nAuthorization: Bearer t0ken\r\n"
                + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
            _ = head.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            let start = ContinuousClock.now
            var received: [UInt8] = []
            var closed = false
            while !closed && ContinuousClock.now - start < .seconds(10) {
                _ = " ".withCString { send(fd, $0, 1, Int32(MSG_NOSIGNAL)) }  // one byte every 0.2 s: never idle
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { received += buffer[..<n] } else if n == 0 { closed = true }
            }
            #expect(String(decoding: received, as: UTF8.self).hasPrefix("HTTP/1.1 408"))
            #expect(closed, "the connection is closed, not drained")
            #expect(ContinuousClock.now - start < .seconds(6))
        }
    }
}
