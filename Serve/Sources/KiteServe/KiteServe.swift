import ArgumentParser
import Foundation
import KiteServer
import Logging

/// `kite-serve`: what `kite serve` runs (the root package's `kite` finds this binary and hands it the resolved index).
@main
struct KiteServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kite serve",
        abstract: "Serve an index over HTTP: a JSON API and a search page.",
        discussion: """
            Endpoints: GET / (the search page), /search, /documents/{id}, /periods, /stats, /health, /openapi.json; \
            with --writable, POST /documents, DELETE /documents/{id}, POST /commit (Authorization: Bearer TOKEN). \
            docs/serve.md describes each. Searches switch to each new commit (this server's or another process's) \
            without a restart. Stop with Ctrl-C or SIGTERM (requests under way finish).
            """)

    @Option(name: .long, help: ArgumentHelp("Index directory or shard set (repeat for shards).", valueName: "dir"))
    var index: [String]
    @Option(help: "Address to listen on (default: loopback only).") var host = "127.0.0.1"
    @Option(help: "Port (0: any free port, printed on start).") var port = 7700
    @Flag(help: "Take writes (POST /documents, DELETE /documents/{id}, POST /commit); needs --token-file.")
    var writable = false
    @Option(help: ArgumentHelp("File holding the bearer token that writes must carry.", valueName: "file"))
    var tokenFile: String?
    @Option(help: "Largest request body in bytes (413 beyond).") var maxBody = 16 << 20
    @Option(help: "Seconds before an idle or stalled connection is closed.") var idleTimeout = 30
    @Option(help: "Seconds a request body may take to arrive whole (408 beyond).") var bodyTimeout = 60
    @Option(help: "Milliseconds between looks for another process's commit.") var refresh = 1000

    func validate() throws {
        if writable != (tokenFile != nil) { throw ValidationError("--writable and --token-file go together (writes carry the file's token)") }
        // The ranges are the server's own (ServerConfiguration.validate); its message names the settings.
        do throws(ServerError) { try configuration(token: nil).validate() } catch { throw ValidationError(error.description) }
    }

    /// The server's configuration for these options.
    private func configuration(token: String?) -> ServerConfiguration {
        ServerConfiguration(
            indexPaths: index, host: host, port: port, writeToken: token, maxBodyBytes: maxBody,
            idleTimeoutSeconds: idleTimeout, bodyTimeoutSeconds: bodyTimeout, refreshMilliseconds: refresh)
    }

    func run() async throws {
        var token: String?
        if let tokenFile {
            do { token = try String(contentsOfFile: tokenFile, encoding: .utf8) } catch {
                Self.fail("cannot read the token file \(tokenFile): \(error.localizedDescription)")
            }
        }
        let configuration = configuration(token: token)
        let server: KiteServer
        do throws(ServerError) { server = try KiteServer(configuration: configuration) } catch { Self.fail(error.description) }
        var logger = Logger(label: "kite-serve")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .notice
        let reader = server.index.reader
        let mode = writable ? "writable" : "read-only"
        let host = self.host
        do {
            try await server.run(logger: logger) { port in
                let shown = host.contains(":") ? "[\(host)]" : host
                let line = "kite serve: listening on http://\(shown):\(port)/ (\(reader.documentCount) documents, \(mode))\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        } catch {
            Self.fail("cannot serve on \(host):\(port): \(error)")
        }
    }

    /// As `kite`: `--help` prints and exits 0; a usage error is one line on standard error and status 1; a runtime
    /// failure one line and status 2.
    static func main() async {
        let command: KiteServe
        do {
            command = try parse()
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "usage error"
            FileHandle.standardError.write(Data("kite serve: \(message) (see kite serve --help)\n".utf8))
            Foundation.exit(1)
        }
        do { try await command.run() } catch { fail("\(error)") }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("kite: \(message)\n".utf8))
        Foundation.exit(2)
    }
}
