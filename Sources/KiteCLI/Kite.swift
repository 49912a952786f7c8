import ArgumentParser
import Kite

@main
struct KiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kite",
        abstract: "Full-text search for Chinese text: ICU words, BM25, on-disk segments.",
        subcommands: [AnalyzeCommand.self]
    )
}
