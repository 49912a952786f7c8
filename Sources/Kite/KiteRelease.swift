import FoundationEssentials

/// Which Kite this is: its release, the index format it writes and reads, and the ICU it segments with.
///
/// An index records the format version in every file and the ICU major version in its analyzer fingerprint; a
/// program that embeds Kite can print these beside its own version (`kite --version` does). (Not `KiteVersion`: the
/// documentation's symbol extraction drops names that begin with the module's name and "Version".)
public enum KiteRelease {
    /// Kite's release, as in CHANGELOG.md (semantic versioning; before 1.0 a minor release may need indexes rebuilt).
    public static let version = "0.4.0"
    /// The version of the index files this Kite writes and reads (FORMAT.md).
    public static var indexFormat: Int { Int(FileFormat.version) }
    /// The major version of the ICU library Kite is linked with (segmentation may differ between majors).
    public static var icuMajor: Int { ICUVersion.major }
    /// One line: `kite 0.4.0 (index format 3, ICU 72)`.
    public static var summary: String { "kite \(version) (index format \(indexFormat), ICU \(icuMajor))" }
}

extension KiteError: LocalizedError {
    /// The same one-line message as ``description``, so `localizedDescription` says what went wrong.
    public var errorDescription: String? { description }
}

extension AnalysisError: LocalizedError {
    /// The same one-line message as ``description``.
    public var errorDescription: String? { description }
}

extension IngestError: LocalizedError {
    /// The same one-line message as ``description``.
    public var errorDescription: String? { description }
}
