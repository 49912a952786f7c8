import ArgumentParser
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Kite

/// `kite serve`: resolves the index (building the default one if needed) and runs `kite-serve`, the server built by
/// the `Serve/` package, so that the `Kite` library and this CLI never depend on Hummingbird and swift-nio.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve an index over HTTP: a JSON API and a search page (default: loopback, port 7700).",
        discussion: """
            Runs kite-serve: $KITE_SERVE, else kite-serve beside this kite, else the source tree's Serve/ package \
            (built with swift build -c release on first use), else kite-serve on PATH. docs/serve.md lists the \
            endpoints.
            """)

    @OptionGroup var location: IndexLocation
    @Option(help: "Address to listen on (default: loopback only).") var host: String?
    @Option(help: "Port (default 7700; 0: any free port, printed on start).") var port: Int?
    @Flag(help: "Take writes (POST /documents, DELETE /documents/{id}, POST /commit); needs --token-file.")
    var writable = false
    @Option(help: ArgumentHelp("File holding the bearer token that writes must carry.", valueName: "file"))
    var tokenFile: String?
    @Option(help: "Largest request body in bytes (default 16 MiB).") var maxBody: Int?
    @Option(help: "Seconds before an idle or stalled connection is closed (default 30).") var idleTimeout: Int?
    @Option(help: "Seconds a request body may take to arrive whole (default 60).") var bodyTimeout: Int?
    @Option(help: "Milliseconds between looks for another process's commit (default 1000).") var refresh: Int?

    /// The checks kite-serve makes too, made here before the server is built.
    func validate() throws {
        if writable != (tokenFile != nil) { throw ValidationError("--writable and --token-file go together (writes carry the file's token)") }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
    }

    /// kite-serve's arguments for these options (it checks them).
    var serverArguments: [String] {
        var args: [String] = []
        for (name, value) in [("--host", host), ("--port", port.map(String.init)), ("--token-file", tokenFile),
                              ("--max-body", maxBody.map(String.init)), ("--idle-timeout", idleTimeout.map(String.init)),
                              ("--body-timeout", bodyTimeout.map(String.init)),
                              ("--refresh", refresh.map(String.init))] {
            if let value { args += [name, value] }
        }
        return args + (writable ? ["--writable"] : [])
    }

    func run() throws {
        if writable && location.isDefault {
            throw ValidationError("--writable needs --index (the default index is rebuilt from Corpus/ when it changes)")
        }
        if location.isDefault { try DefaultIndex.build(force: false) }
        let indexes = location.isDefault ? [DefaultIndex.path] : location.index
        let server = try ServerBinary.locate()
        let argv = [server] + indexes.flatMap { ["--index", $0] } + serverArguments
        try ServerBinary.exec(argv)
    }
}

/// Finding and starting `kite-serve`.
enum ServerBinary {
    /// The root of the source tree this binary was built from.
    static var sourceRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `$KITE_SERVE`; `kite-serve` beside this executable; the source tree's, built (or brought up to date) now;
    /// `kite-serve` on `PATH`.
    static func locate() throws -> String {
        let fm = FileManager.default
        if let given = ProcessInfo.processInfo.environment["KITE_SERVE"], !given.isEmpty {
            guard fm.isExecutableFile(atPath: given) else { throw CLIError.runtime("KITE_SERVE=\(given) is not an executable file") }
            return given
        }
        if let own = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let beside = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("kite-serve").path
            if fm.isExecutableFile(atPath: beside) { return beside }
        }
        let package = sourceRoot.appendingPathComponent("Serve")
        if fm.fileExists(atPath: package.appendingPathComponent("Package.swift").path) {
            return try build(package)
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/kite-serve"
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw CLIError.runtime("kite serve needs kite-serve: build it with swift build -c release --package-path Serve "
            + "in Kite's source tree and put it beside kite, or set KITE_SERVE")
    }

    /// Builds `kite-serve` in release mode in the `Serve/` package at `package` (a no-op when up to date) and
    /// returns its path.
    private static func build(_ package: URL) throws -> String {
        let binary = package.appendingPathComponent(".build/release/kite-serve").path
        let fresh = !FileManager.default.fileExists(atPath: binary)
        writeErr(fresh ? "kite: building the server (first use; a few minutes): swift build -c release --package-path \(package.path)\n"
                       : "kite: bringing the server up to date (swift build -c release --package-path \(package.path))\n")
        let status = try run(["/usr/bin/env", "swift", "build", "-c", "release", "--package-path", package.path,
                              "--product", "kite-serve"])
        guard status == 0 else { throw CLIError.runtime("building the server failed (swift build exited with \(status))") }
        return binary
    }

    /// Runs `argv` (its standard output sent to standard error, which stays free for the server's own lines) and
    /// waits for it; its exit status.
    private static func run(_ argv: [String]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO)
        var cArgs = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for a in cArgs { free(a) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        guard spawned == 0 else { throw CLIError.runtime("cannot run swift to build the server: \(systemMessage(spawned))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw CLIError.runtime("waiting for swift build: \(systemMessage(errno))") }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import (C macros).
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// Replaces this process with `argv` (signals then reach the server directly).
    static func exec(_ argv: [String]) throws -> Never {
        var cArgs = argv.map { strdup($0) }
        cArgs.append(nil)
        execv(argv[0], cArgs)
        throw CLIError.runtime("cannot run \(argv[0]): \(systemMessage(errno))")
    }
}
