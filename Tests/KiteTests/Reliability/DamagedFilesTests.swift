import Foundation
import Testing
@testable import Kite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Damaged files: truncations, swaps, versions and byte flips are reported, never crash or mislead. (ReliabilityTests, issue 5; every random choice from a fixed seed.)
extension ReliabilityTests {

    /// An index of two segments, each with deletes, and the manifest; files by kind of segment 0 and 1.
    struct DamageFixture {
        let dir: String
        let files: [(kind: String, name: String, other: String)]  // other: the same kind in the other segment
        let otherManifest: String  // the manifest of another index (other segment ids)
    }

    static func makeDamageFixture(_ tmp: TemporaryDirectory) throws -> DamageFixture {
        let dir = tmp.sub("idx")
        // "发展" in every body, so that its postings have packed blocks and skip data.
        let docs = RelCorpus.documents(280, extra: "发展 ", maxLength: 40)
        let w = try IndexWriter(at: dir, options: .init(mergesAfterCommit: false))
        for d in docs[..<140] { try w.add(d) }
        try w.commit()
        for d in docs[140...] { try w.add(d) }
        try w.commit()
        for i in stride(from: 0, to: docs.count, by: 13) { try w.delete(id: docs[i].id) }
        try w.commit()
        w.close()
        let m = try Manifest.read(directory: dir)
        precondition(m.segments.count == 2 && m.segments.allSatisfy { $0.deleteGeneration > 0 })
        var files: [(String, String, String)] = []
        for kind in SegmentInfo.segmentFileKinds + [.deletes] {
            files.append((kind.fileExtension, m.segments[0].fileName(kind), m.segments[1].fileName(kind)))
        }
        files.append(("manifest", Manifest.fileName, ""))
        let otherDir = tmp.sub("other")
        let o = try IndexWriter(at: otherDir)
        try o.add(docs[0])
        try o.commit()
        o.close()
        return DamageFixture(dir: dir, files: files, otherManifest: otherDir + "/" + Manifest.fileName)
    }

    enum DamageOutcome {
        case openFailed(KiteError)
        case checkFailed([String])
        case undetected
    }

    /// Opens the damaged index, searches it in several ways and checks it.
    static func probe(_ dir: String) -> (DamageOutcome, searchErrors: Int) {
        let reader: IndexReader
        do {
            reader = try IndexReader(at: dir)
        } catch {
            return (.openFailed(error), 0)
        }
        var searchErrors = 0
        let queries = ["发展", "\"高质量 发展\"", "改革 period:2025Q1", "title:经济 OR 城市", "-发展 建设",
                       "period:[2025 TO *]"]
        for (i, q) in queries.enumerated() {
            do {
                _ = try reader.search(q, options: SearchOptions(limit: 5 + 40 * (i % 2), offset: i, highlights: i % 2 == 0))
            } catch {
                searchErrors += 1
            }
        }
        do {
            _ = try reader.document(id: "d0007")
            _ = try reader.document(id: "d0200")
        } catch {
            searchErrors += 1
        }
        _ = reader.statistics()
        let report = reader.check()
        return (report.isSound ? .undetected : .checkFailed(report.problems), searchErrors)
    }

    /// Applies `damage` to one file of the fixture, probes, restores the file; records an issue unless the
    /// damage was detected (open failed naming the file, or check named it).
    static func trial(
        _ fx: DamageFixture, file: String, what: String, counts: inout [String: Int],
        damage: (inout [UInt8]) -> Void, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let path = fx.dir + "/" + file
        let original = try Rel.readFile(path)
        var bytes = original
        damage(&bytes)
        if bytes == original { return }
        try Rel.writeFile(path, bytes)
        defer { try? Rel.writeFile(path, original) }
        let (outcome, searchErrors) = probe(fx.dir)
        counts["trials", default: 0] += 1
        if searchErrors > 0 { counts["search errors", default: 0] += 1 }
        switch outcome {
        case .openFailed(let e):
            counts["open failed", default: 0] += 1
            switch e {
            case .corrupt(let f, _), .unsupportedVersion(let f, _):
                #expect(f == file, "\(what): error names \(f), not \(file): \(e)", sourceLocation: sourceLocation)
            case .io(_, _, let err) where err == ENOENT && file == Manifest.fileName:
                break  // a manifest naming other segments
            default:
                Issue.record("\(what): unexpected error \(e)", sourceLocation: sourceLocation)
            }
        case .checkFailed(let problems):
            counts["check failed", default: 0] += 1
            #expect(problems.contains { $0.contains(file) }, "\(what): check does not name \(file): \(problems)",
                    sourceLocation: sourceLocation)
        case .undetected:
            Issue.record("\(what): damage not detected by open, search or check", sourceLocation: sourceLocation)
        }
    }

    /// Truncation, extension and swapping of every file kind, and the version, magic and configuration checks.
    /// A keywords file whose sorted id order lists a document twice (CRC fixed up, so only validation can tell)
    /// is corrupt at open: otherwise `documents(withID:)` would miss the document left out, and a delete or update
    /// would leave it live.
    @Test func idOrderListingADocumentTwiceIsCorrupt() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        let w = try IndexWriter(at: dir)
        for i in 0..<5 { try w.add(Document(id: "id\(i)", fields: ["body": "正文 \(i)"])) }
        try w.commit()
        w.close()
        let info = try #require(try Manifest.read(directory: dir).segments.first)
        let name = info.fileName(.keywords)
        var bytes = try Rel.readFile(dir + "/" + name)
        func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        let startsAt = u64(bytes.count - FileFormat.footerSize - 8)
        let orderAt = startsAt + 8 * (info.docCount + 1)
        bytes[(orderAt + 4)..<(orderAt + 8)] = bytes[orderAt..<(orderAt + 4)]  // the first document, twice
        Rel.fixCRC(&bytes)
        try Rel.writeFile(dir + "/" + name, bytes)
        do {
            _ = try IndexReader(at: dir)
            Issue.record("a duplicated id order entry was not detected")
        } catch KiteError.corrupt(let file, let reason) {
            #expect(file == name && reason.contains("listed twice"), "\(reason)")
        }
    }

    /// Top-k search skips blocks by their skip entries' maximum frequency and minimum length, so an entry that does
    /// not bound its block must be reported, not trusted: a too-small maximum frequency fails the block's decoding,
    /// a too-large minimum length fails `check`.
    @Test func skipEntryMaximaThatDoNotBoundTheirBlockAreDetected() throws {
        let tmp = TemporaryDirectory()
        let dir = tmp.sub("idx")
        let w = try IndexWriter(at: dir)
        for i in 0..<300 { try w.add(Document(id: "d\(i)", fields: ["body": "共同 词语 共同 第\(i)篇"])) }
        try w.commit()
        w.close()
        let info = try #require(try Manifest.read(directory: dir).segments.first)
        let name = info.fileName(.postings)
        let original = try Rel.readFile(dir + "/" + name)
        // The skip entries of 共同 (df 300: three blocks), right after its block-count varint.
        let reader = try IndexReader(at: dir)
        let body = try #require(reader.schema.textFields.firstIndex(of: "body"))
        let term = try #require(try Array("共同".utf8).withUnsafeBytes { try reader.segments[0].lookup(field: body, term: $0) })
        #expect(term.docFrequency == 300)
        let skip = term.postingsOffset + 1  // VInt 3 is one byte
        func damaged(_ field: Int, _ value: UInt32) throws {
            var bytes = original
            for k in 0..<4 { bytes[skip + field * 4 + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
            Rel.fixCRC(&bytes)
            try Rel.writeFile(dir + "/" + name, bytes)
        }
        try damaged(3, 1)  // MaxFreq 1, but 共同 occurs twice in every document
        #expect(throws: KiteError.self) { _ = try IndexReader(at: dir).search("共同", options: SearchOptions(facetField: nil)) }
        #expect(try !IndexReader(at: dir).check().isSound)
        try damaged(4, 1_000)  // MinLength far above the documents' lengths
        let report = try IndexReader(at: dir).check()
        #expect(report.problems.contains { $0.contains(name) && $0.contains("maxima") }, "\(report.problems)")
        try Rel.writeFile(dir + "/" + name, original)
        #expect(try IndexReader(at: dir).check().isSound)
    }

    @Test func truncatedAndSwappedFilesAreDetected() throws {
        let tmp = TemporaryDirectory()
        let fx = try Self.makeDamageFixture(tmp)
        var counts: [String: Int] = [:]
        for (kind, name, other) in fx.files {
            let size = try Rel.readFile(fx.dir + "/" + name).count
            let lengths = Set([0, 1, 4, 8, 12, 23, 24, 25, 31, 32, 40, size / 4, size / 2, 3 * size / 4,
                               size - 16, size - 9, size - 8, size - 5, size - 4, size - 1]).filter { $0 >= 0 && $0 < size }
            for length in lengths.sorted() {
                try Self.trial(fx, file: name, what: "\(kind) cut to \(length) of \(size)", counts: &counts) {
                    $0.removeLast($0.count - length)
                }
            }
            try Self.trial(fx, file: name, what: "\(kind) + 1 byte", counts: &counts) { $0.append(0) }
            try Self.trial(fx, file: name, what: "\(kind) + 64 bytes", counts: &counts) {
                $0 += (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37) }
            }
            try Self.trial(fx, file: name, what: "\(kind) emptied body", counts: &counts) {
                $0 = Array($0[..<24]) + Array($0[($0.count - 8)...])
            }
            let swapIn = try Rel.readFile(other.isEmpty ? fx.otherManifest : fx.dir + "/" + other)
            try Self.trial(fx, file: name, what: "\(kind) swapped with \(other.isEmpty ? "another index's" : other)",
                           counts: &counts) { $0 = swapIn }
        }

        // Version from the future, with a valid CRC: unsupportedVersion, for every kind. Wrong magic: corrupt.
        for (kind, name, _) in fx.files {
            let path = fx.dir + "/" + name
            let original = try Rel.readFile(path)
            var future = original
            let next = FileFormat.version + 1
            future[8] = UInt8(next)
            Rel.fixCRC(&future)
            try Rel.writeFile(path, future)
            #expect(throws: KiteError.unsupportedVersion(file: name, version: next), "\(kind)") { _ = try IndexReader(at: fx.dir) }
            var magic = original
            magic[0] = UInt8(ascii: "C")
            Rel.fixCRC(&magic)
            try Rel.writeFile(path, magic)
            #expect(throws: KiteError.corrupt(file: name, reason: "not a Kite file (bad magic)"), "\(kind)") {
                _ = try IndexReader(at: fx.dir)
            }
            try Rel.writeFile(path, original)
            counts["trials", default: 0] += 2
        }
        #expect(try IndexReader(at: fx.dir).check().isSound)

        // Another analyzer or schema.
        let whitespace = AnalyzerConfiguration(segmenter: .whitespace)
        #expect(throws: KiteError.self) { _ = try IndexReader(at: fx.dir, analyzer: whitespace) }
        do {
            _ = try IndexReader(at: fx.dir, analyzer: whitespace)
        } catch {
            guard case .configurationMismatch = error else { Issue.record("reader: \(error)"); return }
        }
        do {
            let w = try IndexWriter(at: fx.dir, analyzer: AnalyzerConfiguration(emitsBigrams: false))
            w.close()
            Issue.record("a writer opened with another analyzer")
        } catch {
            guard case .configurationMismatch = error else { Issue.record("writer: \(error)"); return }
        }
        do {
            let w = try IndexWriter(at: fx.dir, schema: Schema(textFields: ["body"], keywordFields: ["period"]))
            w.close()
            Issue.record("a writer opened with another schema")
        } catch {
            guard case .configurationMismatch = error else { Issue.record("writer schema: \(error)"); return }
        }
        // An index recorded under another ICU major version (CRC fixed up).
        let manifestPath = fx.dir + "/" + Manifest.fileName
        let original = try Rel.readFile(manifestPath)
        var patched = original
        let marker = Array("icu\(ICUVersion.major);".utf8)
        if let at = (0...(patched.count - marker.count)).first(where: { Array(patched[$0..<($0 + marker.count)]) == marker }),
            marker.count == 6 {
            patched[at + 3] = UInt8(ascii: ICUVersion.major == 99 ? "8" : "9")
            patched[at + 4] = UInt8(ascii: "9")
            Rel.fixCRC(&patched)
            try Rel.writeFile(manifestPath, patched)
            // It opens, with a warning (its data is all there; query analysis may differ), and no writer touches it.
            let other = try IndexReader(at: fx.dir)
            #expect(other.analyzerWarning != nil && other.check().isSound)
            do {
                let w = try IndexWriter(at: fx.dir)
                w.close()
                Issue.record("a writer opened an index of another ICU version")
            } catch {
                guard case .configurationMismatch = error else { Issue.record("ICU version: \(error)"); return }
            }
            try Rel.writeFile(manifestPath, original)
        }
        counts["trials", default: 0] += 4
        #expect(try IndexReader(at: fx.dir).check().isSound)

        // The CLI: `kite check` fails with status 2 naming the damaged file; `kite search` fails with one line.
        let doc = fx.files.first { $0.kind == "doc" }!.name, tim = fx.files.first { $0.kind == "tim" }!.name
        for (name, damage) in [(doc, { (b: inout [UInt8]) in b[b.count / 2] ^= 0x10 }), (tim, { (b: inout [UInt8]) in b.removeLast(3) })] {
            let path = fx.dir + "/" + name
            let original = try Rel.readFile(path)
            var bytes = original
            damage(&bytes)
            try Rel.writeFile(path, bytes)
            let check = try KiteProcess.run(["check", "--index", fx.dir])
            #expect(check.status == 2, "\(name): \(check.stdout)")
            #expect(check.stderr.hasPrefix("kite: ") && check.stderr.contains(name), "\(check.stderr)")
            let search = try KiteProcess.run(["search", "发展 OR 改革", "--index", fx.dir, "--limit", "50"])
            if search.status != 0 {
                #expect(search.status == 2)
                #expect(search.stderr.split(separator: "\n").count == 1 && search.stderr.hasPrefix("kite: "), "\(search.stderr)")
            }
            try Rel.writeFile(path, original)
            counts["trials", default: 0] += 1
        }
        print("ReliabilityTests: truncation/swap/version trials \(counts)")
    }

    /// Seeded random byte flips anywhere in every file kind: every flip is detected (every file has a CRC), by
    /// open or by check, and nothing crashes.
    @Test func flippedBytesAreDetected() throws {
        let tmp = TemporaryDirectory()
        let fx = try Self.makeDamageFixture(tmp)
        var counts: [String: Int] = [:]
        var rng = SeededRandom(seed: 0x5EED_0003)
        for (kind, name, _) in fx.files {
            let size = try Rel.readFile(fx.dir + "/" + name).count
            for _ in 0..<26 {
                let at = Int(rng.next() % UInt64(size))
                let mask = UInt8(1 + rng.next() % 255)
                try Self.trial(fx, file: name, what: "\(kind) byte \(at) of \(size) ^ \(mask)", counts: &counts) {
                    $0[at] ^= mask
                }
            }
        }
        #expect(try IndexReader(at: fx.dir).check().isSound)
        #expect(counts["trials", default: 0] >= 200)
        print("ReliabilityTests: random byte flips \(counts)")
    }

    /// The high bit flipped in each byte of the header and of the last 16 bytes of every file (the trailer offsets
    /// of `.tim` and `.sto` are there).
    @Test func flippedHeaderAndTrailerBitsAreDetected() throws {
        let tmp = TemporaryDirectory()
        let fx = try Self.makeDamageFixture(tmp)
        var counts: [String: Int] = [:]
        for (kind, name, _) in fx.files {
            let size = try Rel.readFile(fx.dir + "/" + name).count
            for at in Array(0..<24) + Array((size - 16)..<size) {
                try Self.trial(fx, file: name, what: "\(kind) byte \(at) of \(size) ^ 0x80", counts: &counts) {
                    $0[at] ^= 0x80
                }
            }
        }
        #expect(try IndexReader(at: fx.dir).check().isSound)
        print("ReliabilityTests: header/trailer flips \(counts)")
    }

    /// High bits flipped in the block index and trailer of `.sto` (not checksummed on open), a block offset near
    /// `Int.max`, and `.tim` offsets with the high bit set under a valid CRC (a crafted file): `corrupt`, no trap.
    /// (Found by these tests: `Int(u64)` trapped on the high bit, and `Offset + CompressedLength` overflowed.)
    @Test func damagedStoredFieldsIndexDoesNotCrash() throws {
        let tmp = TemporaryDirectory()
        let fx = try Self.makeDamageFixture(tmp)
        var counts: [String: Int] = [:]
        let name = fx.files.first { $0.kind == "sto" }!.name
        let bytes = try Rel.readFile(fx.dir + "/" + name)
        let size = bytes.count
        func u64(_ b: [UInt8], at: Int) -> Int { Int(b[at..<(at + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) }
        let indexOffset = u64(bytes, at: size - 16)
        for at in indexOffset..<size {
            // Not 0x40: it would turn a RawLength into ~1 GiB (see storedBlockLengthIsBoundedBeforeAllocating).
            for mask: UInt8 in [0x80, 0x01] {
                try Self.trial(fx, file: name, what: "sto byte \(at) of \(size) (index at \(indexOffset)) ^ \(mask)", counts: &counts) {
                    $0[at] ^= mask
                }
            }
        }
        // The first block's Offset (after BlockCount and FirstDoc) near Int.max: Offset + CompressedLength overflows.
        try Self.trial(fx, file: name, what: "sto block offset near Int.max", counts: &counts) {
            for i in 0..<8 { $0[indexOffset + 1 + 4 + i] = i == 7 ? 0x7F : 0xFF }
        }
        // A .tim whose index offset has the high bit set, with its CRC fixed up.
        let tim = fx.files.first { $0.kind == "tim" }!.name
        try Self.trial(fx, file: tim, what: "tim index offset high bit, valid CRC", counts: &counts) {
            $0[$0.count - 9] ^= 0x80
            Rel.fixCRC(&$0)
        }
        print("ReliabilityTests: stored-fields index flips \(counts)")
    }

    /// A stored block whose RawLength was damaged to ~2 GiB (one byte of `.sto`, which is not checksummed on open):
    /// opening gives `corrupt` at once, without allocating RawLength bytes first (a raw length beyond zlib's maximum
    /// expansion of the compressed length is rejected when the block index is read).
    @Test
    func storedBlockLengthIsBoundedBeforeAllocating() throws {
        let tmp = TemporaryDirectory()
        let fx = try Self.makeDamageFixture(tmp)
        let name = fx.files.first { $0.kind == "sto" }!.name
        let path = fx.dir + "/" + name
        var bytes = try Rel.readFile(path)
        let indexOffset = Int(bytes[(bytes.count - 16)..<(bytes.count - 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        try #require(bytes[indexOffset] < 0x80)  // BlockCount is a one-byte VInt; block 0's entry follows
        bytes[indexOffset + 1 + 19] = 0x7F  // high byte of block 0's RawLength: ~2 GiB
        try Rel.writeFile(path, bytes)
        let t0 = Date()
        do {
            let r = try IndexReader(at: fx.dir)
            #expect(throws: KiteError.self) { _ = try r.document(id: "d0001") }
            #expect(throws: KiteError.self) { _ = try r.search("发展", options: SearchOptions(limit: 10)) }
            #expect(!r.check().isSound)
        } catch {
            guard case .corrupt(let file, _) = error else { Issue.record("\(error)"); return }
            #expect(file == name)
        }
        let t = Date().timeIntervalSince(t0)
        #expect(t < 1, "took \(t) s")
    }
}
