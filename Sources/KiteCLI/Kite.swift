import ArgumentParser
import CKite
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Kite

struct KiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kite",
        abstract: "Full-text search for Chinese text: ICU words, BM25, on-disk segments.",
        discussion: """
            Exit status: 0 success (with or without hits), 1 usage error, 2 runtime error.
            Environment: KITE_DEFAULT_INDEX (where the default index of the bundled corpus lives; else \
            $XDG_CACHE_HOME/kite/default-index, else $HOME/.cache/kite/default-index), KITE_CORPUS (the corpus \
            directory the default index is built from), NO_COLOR (no colour in terminal output).
            """,
        version: KiteRelease.summary,
        subcommands: [SearchCommand.self, IndexCommand.self, StatsCommand.self, DeleteCommand.self, MergeCommand.self,
                      CheckCommand.self, BackupCommand.self, ExportCommand.self, ReindexCommand.self, AnalyzeCommand.self,
                      VocabCommand.self, RunCommand.self, BenchCommand.self, ServeCommand.self]
    )
}

@main
enum Main {
    static func main() {
        returnFreedMemoryPromptly()
        var command: ParsableCommand
        do {
            command = try KiteCommand.parseAsRoot(arguments(CommandLine.arguments.dropFirst()))
        } catch {
            usageFailure(error)
        }
        do {
            try command.run()
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch let error as CLIError {
            fail(error.description)
        } catch let error as KiteError {
            fail(error.description)
        } catch let error as IngestError {
            fail(error.description)
        } catch let error as AnalysisError {
            fail(error.description)
        } catch let error as ValidationError {
            usageFailure(error)
        } catch {
            // A subcommand's --help arrives here as ArgumentParser's own error; anything else is a runtime failure
            // from below (the file system): one line, status 2.
            if KiteCommand.exitCode(for: error) == .success || String(describing: type(of: error)).contains("CommandError") {
                usageFailure(error)
            }
            fail(describe(error))
        }
    }

    /// Has glibc give freed memory back to the system once more than 16 MiB is free at the top of a heap. By default
    /// it raises that threshold as large blocks are freed (up to 64 MiB, per arena), so after a segment's flush the
    /// process kept the flush's buffers: `kite index laws.jsonl --threads 2 --ram-budget 64 --passages-over 0`
    /// peaked at 255–270 MiB, 166–177 MiB with this; with one thread on short documents 178 → 143 MiB, at 0.99× the
    /// time (5 pairs; the pages given back cost 0.2 s more system time). A `MALLOC_TRIM_THRESHOLD_` in the
    /// environment is left to rule.
    static func returnFreedMemoryPromptly() {
        if getenv("MALLOC_TRIM_THRESHOLD_") == nil { _ = kite_set_malloc_trim_threshold(16 << 20) }
    }

    /// The arguments as ArgumentParser should see them. It reads every argument that begins with `-` as an option,
    /// so `kite search 发展 -疫情` (an exclusion as a word of the query) would be an unknown option: an argument of
    /// `kite search` that is a dash followed by a character no option name starts with (not an ASCII letter or
    /// digit, not `-`) is moved after a `--`, where it is a word of the query, in order with the others.
    static func arguments(_ given: ArraySlice<String>) -> [String] {
        let args = Array(given)
        guard args.first == "search", !args.contains("--"), args.contains(where: isExclusionWord) else { return args }
        // The query's words keep their order: every positional word goes after the `--` too. An option's value
        // stays with its option (the options that take one are named `--…` and are followed by their value).
        var options: [String] = [], query: [String] = []
        var i = 1
        while i < args.count {
            let a = args[i]
            if isExclusionWord(a) || !a.hasPrefix("-") || a == "-" {
                query.append(a)
            } else {
                options.append(a)
                if SearchCommand.takesValue(a), i + 1 < args.count { options.append(args[i + 1]); i += 1 }
            }
            i += 1
        }
        return ["search"] + options + ["--"] + query
    }

    /// `-疫情`: a dash, then a character no option name starts with.
    private static func isExclusionWord(_ a: String) -> Bool {
        guard a.hasPrefix("-"), let next = a.dropFirst().first else { return false }
        return !(next.isASCII && (next.isLetter || next.isNumber || next == "-"))
    }

    /// `--help` and `--version` print and exit 0; a usage error is one line on standard error and status 1.
    static func usageFailure(_ error: Error) -> Never {
        let code = KiteCommand.exitCode(for: error)
        if code == .success || error is CleanExit { KiteCommand.exit(withError: error) }
        let message = KiteCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "usage error"
        let names = KiteCommand.configuration.subcommands.map { $0.configuration.commandName ?? "" }
        let sub = CommandLine.arguments.dropFirst().first.flatMap { names.contains($0) ? " " + $0 : nil } ?? ""
        writeErr("kite: \(message) (see kite\(sub) --help)\n")
        exit(1)
    }

    static func fail(_ message: String) -> Never {
        writeErr("kite: \(message)\n")
        exit(2)
    }
}

/// Where the index is: `--index DIR`, or the default index of the bundled corpus.
struct IndexLocation: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Index directory, or a shard set's directory (default: an index of the bundled Corpus/ in the user's cache).",
        discussion: "Repeat it to read several indexes as one (they must share analyzer and schema)."))
    var index: [String] = []

    var isDefault: Bool { index.isEmpty }
    var path: String { index.first ?? DefaultIndex.path }

    /// Refuses more than one `--index` for a command that writes.
    func requireOne(_ command: String) throws {
        if index.count > 1 { throw ValidationError("\(command) writes one index: give --index once") }
    }
}


/// This process's peak resident memory in MiB: `VmHWM` from /proc/self/status, which starts afresh at exec.
/// (`getrusage`'s `ru_maxrss` carries over the peak of the process that spawned this one, so a `kite` started by a
/// large process would report that process's peak.)
func peakMemoryMiB() -> Double {
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kB = line.split(separator: " ").compactMap({ Double($0) }).first {
        return kB / 1024
    }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
