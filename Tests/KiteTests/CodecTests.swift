import Foundation
import Testing
@testable import Kite

/// A segment's content, generated from a seed, as the codecs must give it back: per text field each term's postings
/// (documents, positions) and every document's length; ids; keyword values; stored fields.
private struct SegmentContent {
    var docCount: Int
    /// Per field: term bytes → (document → positions), terms and documents in order.
    var postings: [[[UInt8]: [Int: [Int32]]]]
    var lengths: [[UInt32]]
    var ids: [String]
    var keywords: [[String?]]
    var stored: [[String: String]]

    static let textFields = 2
    /// Characters the seeded words are made of.
    static let alphabet = Array("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理世车点".unicodeScalars).map(String.init)
    static let keywordFields = 2

    init(seed: UInt64, docCount: Int, idPrefix: String) {
        var random = SeededRandom(seed: seed)
        func below(_ n: Int) -> Int { Int(random.next() % UInt64(max(n, 1))) }
        self.docCount = docCount
        let alphabet = Self.alphabet
        func word() -> [UInt8] {
            switch below(4) {
            case 0: return Array((0..<(1 + below(6))).map { _ in String(UnicodeScalar(UInt8(97 + below(26)))) }.joined().utf8)
            case 1: return Array(String(below(100_000)).utf8)
            default: return Array((0..<(1 + below(4))).map { _ in alphabet[below(alphabet.count)] }.joined().utf8)
            }
        }
        postings = []
        lengths = []
        for _ in 0..<Self.textFields {
            var field: [[UInt8]: [Int: [Int32]]] = [:]
            var maxPosition = [Int32](repeating: -1, count: docCount)
            // Most terms rare, some in most documents (postings over several 128-document blocks).
            for t in 0..<(40 + below(200)) {
                // Some joins (0x01 and two characters), which the field's join filter must hold.
                let term = t % 9 == 4 ? [JoinFilter.mark] + Array((alphabet[below(alphabet.count)] + alphabet[below(alphabet.count)]).utf8)
                    : word()
                let share = t % 17 == 0 ? 0.9 : 0.05
                var docs: [Int: [Int32]] = [:]
                for d in 0..<docCount where Double(below(10_000)) / 10_000 < share {
                    var p: Int32 = Int32(below(8))
                    var positions: [Int32] = []
                    for _ in 0..<(1 + below(t % 5 == 0 ? 40 : 3)) {
                        positions.append(p)
                        p += Int32(1 + below(30))
                    }
                    docs[d] = positions
                    maxPosition[d] = max(maxPosition[d], positions.last!)
                }
                if !docs.isEmpty { field[term, default: [:]].merge(docs) { a, _ in a } }
            }
            postings.append(field)
            lengths.append(maxPosition.map { UInt32($0 + 1) + UInt32(below(5)) })
        }
        var seen = Set<String>()
        ids = (0..<docCount).map { d in
            var id: String
            repeat {
                id = idPrefix + String(decoding: word(), as: UTF8.self) + (d % 7 == 0 ? "#\(1 + below(9))" : "")
            } while !seen.insert(id).inserted
            return id
        }
        let values = ["2023Q3", "2024", "政府工作报告", "a", ""]
        keywords = (0..<Self.keywordFields).map { _ in (0..<docCount).map { _ in below(5) == 0 ? nil : values[below(4)] } }
        stored = (0..<docCount).map { d in
            var fields = ["title": String(decoding: word(), as: UTF8.self)]
            if below(3) > 0 { fields["body"] = (0..<below(400)).map { _ in alphabet[below(alphabet.count)] }.joined() }
            if d % 5 == 0 { fields["extra"] = "" }
            return fields
        }
    }

    /// Writes the content as segment `id` of `directory` with the writers a flush uses.
    func write(_ directory: String, id: UInt64) throws -> SegmentInfo {
        let writer = try SegmentFilesWriter(directory: directory, id: id, docCount: docCount, fieldCount: Self.textFields)
        for f in 0..<Self.textFields {
            writer.beginField(lengths: lengths[f])
            for term in postings[f].keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                let docs = postings[f][term]!.keys.sorted()
                let positions = docs.flatMap { postings[f][term]![$0]!.map { UInt32($0) } }
                try term.withUnsafeBufferPointer { t in
                    try writer.addTerm(t, docs: docs.map { UInt32($0) }, freqs: docs.map { UInt32(postings[f][term]![$0]!.count) },
                                       positions: positions)
                }
            }
            try writer.endField()
        }
        try writer.finishPostings()
        try writer.writeLengths(lengths)
        try writer.writeKeywords(ids: ids, fields: keywords)
        var names: [String] = []
        let blocks = try StoredBlocks()
        for fields in stored {
            var entries: [(name: Int, value: String)] = []
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                if !names.contains(name) { names.append(name) }
                entries.append((names.firstIndex(of: name)!, value))
            }
            var record = ByteWriter()
            StoredRecord.append(entries, to: &record)
            blocks.add(record)
        }
        try writer.writeStored(names: names, blocks: blocks)
        return SegmentInfo(id: id, docCount: docCount, deleteGeneration: 0, deletedCount: 0)
    }

    /// The live documents of several contents in order, as a merge renumbers them.
    static func merged(_ parts: [(SegmentContent, DeleteSet)]) -> SegmentContent {
        var out = parts[0].0
        out.docCount = 0
        out.postings = Array(repeating: [:], count: textFields)
        out.lengths = Array(repeating: [], count: textFields)
        out.ids = []
        out.keywords = Array(repeating: [], count: keywordFields)
        out.stored = []
        for (content, deletes) in parts {
            var map: [Int: Int] = [:]
            for d in 0..<content.docCount where !deletes.contains(d) {
                map[d] = out.docCount
                out.docCount += 1
                out.ids.append(content.ids[d])
                out.stored.append(content.stored[d])
                for f in 0..<textFields { out.lengths[f].append(content.lengths[f][d]) }
                for k in 0..<keywordFields { out.keywords[k].append(content.keywords[k][d]) }
            }
            for f in 0..<textFields {
                for (term, docs) in content.postings[f] {
                    for (d, positions) in docs { if let n = map[d] { out.postings[f][term, default: [:]][n] = positions } }
                }
            }
        }
        return out
    }

    /// Expects `reader` to give back exactly this content.
    func expectRead(by reader: SegmentReader) throws {
        #expect(reader.docCount == docCount)
        for f in 0..<Self.textFields {
            var terms = TermEnumerator(segment: reader, field: f)
            var listed: [[UInt8]] = []
            while try terms.next() { listed.append(terms.term) }
            #expect(listed == postings[f].keys.sorted(by: { $0.lexicographicallyPrecedes($1) }), "field \(f) terms")
            // Near misses (a byte more, a byte less, the last byte one up or down) are found exactly when they are terms.
            for term in listed {
                var variants = [term + [0], Array(term.dropLast()), [0] + term]
                if let last = term.last {
                    if last < 255 { variants.append(term.dropLast() + [last + 1]) }
                    if last > 0 { variants.append(term.dropLast() + [last - 1, 255]) }
                }
                for v in variants where !v.isEmpty {
                    let found = try v.withBytes { (t) throws(KiteError) in try reader.lookup(field: f, term: t) }
                    #expect((found != nil) == (postings[f][v] != nil), "field \(f) lookup of \(v)")
                }
            }
            // A prefix walk lists exactly the terms that start with it, whatever block they begin in.
            for term in listed.enumerated().filter({ $0.offset % 11 == 0 }).map(\.element) {
                for prefix in (1...term.count).map({ Array(term.prefix($0)) }) + [term + [0], [term[0] &+ 1]] {
                    var walked: [[UInt8]] = []
                    try reader.forEachTerm(field: f, prefix: prefix) { (t, _) in walked.append(Array(t)); return true }
                    #expect(walked == listed.filter { $0.starts(with: prefix) }, "field \(f) prefix \(prefix)")
                }
            }
            // The join filter holds every join, and rules out most absent ones (all of them in a field without joins).
            var joins = 0, passed = 0
            for term in postings[f].keys where term.first == JoinFilter.mark {
                joins += 1
                #expect(term.withUnsafeBytes { reader.termDictionary.mayHoldJoin(field: f, term: $0) }, "field \(f) join \(term)")
            }
            for a in Self.alphabet.prefix(60) {
                for b in Self.alphabet.suffix(60) {
                    let join = [JoinFilter.mark] + Array((a + b).utf8)
                    if postings[f][join] == nil, join.withUnsafeBytes({ reader.termDictionary.mayHoldJoin(field: f, term: $0) }) { passed += 1 }
                }
            }
            #expect(joins > 0 ? passed < 3_600 / 20 : passed == 0, "field \(f): \(passed) of 3,600 absent joins pass the filter")
            for (term, docs) in postings[f] {
                let info = try #require(try term.withBytes { (t) throws(KiteError) in try reader.lookup(field: f, term: t) })
                #expect(info.docFrequency == docs.count)
                let cursor = try reader.postingsCursor(info)
                try cursor.start()
                var read: [Int: [Int32]] = [:]
                var positions: [Int32] = []
                while cursor.doc != PostingsCursor.exhausted {
                    positions.removeAll()
                    try cursor.positions(into: &positions)
                    #expect(positions.count == (try cursor.frequency()))
                    read[cursor.doc] = positions
                    try cursor.next()
                }
                #expect(read == docs, "field \(f) term \(String(decoding: term, as: UTF8.self))")
                // Positions one at a time (the matching walk): read whole, stopped after the first (then read again
                // whole), or not read at all, document after document; each read gets exactly its document's.
                let walker = try reader.postingsCursor(info)
                try walker.start()
                var k = 0
                while walker.doc != PostingsCursor.exhausted {
                    let want = docs[walker.doc] ?? []
                    var got: [Int32] = []
                    switch k % 3 {
                    case 0:
                        #expect(try walker.forEachPosition { got.append($0); return true })
                        #expect(got == want)
                    case 1:
                        #expect(try !walker.forEachPosition { got.append($0); return false })
                        #expect(got == Array(want.prefix(1)))
                        got.removeAll()
                        #expect(try walker.forEachPosition { got.append($0); return true })
                        #expect(got == want)
                    default:
                        break
                    }
                    k += 1
                    try walker.next()
                }
                // Documents only, straight into a set (full blocks, a partial one, or a list shorter than a block).
                var set = DocSet(capacity: docCount)
                try reader.postingsCursor(info).insertAll(into: &set)
                #expect(Array(set) == docs.keys.sorted(), "field \(f) term \(String(decoding: term, as: UTF8.self)): insertAll")
                // Skipping lands on the first document at or after the target.
                if let target = docs.keys.sorted().dropFirst(docs.count / 2).first {
                    let c = try reader.postingsCursor(info)
                    try c.start()
                    try c.advance(to: target)
                    #expect(c.doc == target)
                    // A block loaded by a skip decodes its frequencies only when asked (``PostingsCursor/frequency()``).
                    #expect(try c.frequency() == docs[target]?.count)
                }
            }
            #expect((0..<docCount).map { reader.fieldLength(f, $0) } == lengths[f])
        }
        #expect((0..<docCount).map { reader.id(of: $0) } == ids)
        let byID = (0..<docCount).map { reader.documentInIDOrder($0) }
        #expect(byID.map { ids[$0] } == ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for d in stride(from: 0, to: docCount, by: 7) { #expect(reader.documents(withID: ids[d]) == [d]) }
        // An absent id is absent (the segment's id filter rules most out without a search of the ids).
        for d in stride(from: 0, to: docCount, by: 7) { #expect(reader.documents(withID: ids[d] + "~absent").isEmpty) }
        for k in 0..<Self.keywordFields {
            #expect((0..<docCount).map { d in reader.keywordOrdinal(k, d).map { reader.keywordValues[k][$0] } } == keywords[k])
        }
        for d in 0..<docCount { #expect(try reader.storedFields(d) == stored[d]) }
        var streamed = 0
        try reader.forEachStoredDocument { (d, fields) throws(KiteError) in
            #expect(fields == stored[d])
            streamed += 1
        }
        #expect(streamed == docCount)
    }
}

@Suite struct CodecTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func aSegmentWrittenFromASeedReadsBackTermForTermAndDocumentForDocument(seed: UInt64) throws {
        let dir = TemporaryDirectory()
        let content = SegmentContent(seed: seed, docCount: 50 + Int(seed) * 170, idPrefix: "s\(seed)-")
        let info = try content.write(dir.path, id: 0x5EED + seed)
        let reader = try SegmentReader(directory: dir.path, info: info, textFieldCount: 2, keywordFieldCount: 2)
        try content.expectRead(by: reader)
    }

    /// A segment's stored fields compressed block by block while it is built (``StoredBlocks``) make the same file
    /// as the writer that merges stream through (``StoredFieldsOutput``): seeded records of 0 to 20 KB, many blocks.
    @Test func storedBlocksBuiltInMemoryWriteTheFileAMergeWrites() throws {
        var random = SeededRandom(seed: 0x570)
        let records: [ByteWriter] = (0..<400).map { _ in
            var w = ByteWriter()
            let n = Int(random.next() % 7_000)
            let text = String((0..<n).map { _ in Character(Unicode.Scalar(UInt32(0x4E00 + random.next() % 3_000))!) })
            StoredRecord.append([(0, text)], to: &w)
            return w
        }
        let inMemory = TemporaryDirectory(), streamed = TemporaryDirectory()
        let blocks = try StoredBlocks()
        for r in records { blocks.add(r) }
        try SegmentFilesWriter(directory: inMemory.path, id: 7, docCount: records.count, fieldCount: 1)
            .writeStored(names: ["body"], blocks: blocks)
        let out = try SegmentFilesWriter(directory: streamed.path, id: 7, docCount: records.count, fieldCount: 1)
            .storedOutput(names: ["body"])
        for r in records { try out.add(r.bytes) }
        try out.finish()
        let name = "/seg-0000000000000007.sto"
        let a = try Data(contentsOf: URL(fileURLWithPath: inMemory.path + name))
        let b = try Data(contentsOf: URL(fileURLWithPath: streamed.path + name))
        #expect(a == b)
        #expect(a.count > 10 * storedBlockTarget, "many blocks")
    }

    @Test func aMergeOfSeededSegmentsWithDeletesReadsBackAsTheirLiveDocumentsInOrder() throws {
        let dir = TemporaryDirectory()
        var random = SeededRandom(seed: 12)
        var parts: [(SegmentContent, DeleteSet)] = []
        var sources: [Merger.Source] = []
        for i in 0..<3 {
            let content = SegmentContent(seed: 100 + UInt64(i), docCount: 90 + i * 80, idPrefix: "m\(i)-")
            let info = try content.write(dir.path, id: 0xABC0 + UInt64(i))
            var deletes = DeleteSet(docCount: content.docCount)
            for d in 0..<content.docCount where random.next() % 4 == 0 { _ = deletes.insert(d) }
            parts.append((content, deletes))
            sources.append((try SegmentReader(directory: dir.path, info: info, textFieldCount: 2, keywordFieldCount: 2), deletes))
        }
        let schema = Schema(textFields: ["title", "body"], keywordFields: ["period", "source"])
        let info = try Merger.merge(sources, schema: schema, into: dir.path)
        let merged = try SegmentReader(directory: dir.path, info: info, textFieldCount: 2, keywordFieldCount: 2)
        try SegmentContent.merged(parts).expectRead(by: merged)
    }

    /// A file written in small and large pieces (a large one goes to the file without the buffer, after what is
    /// buffered) holds them in order under one checksum.
    @Test func fileOutputKeepsSmallAndLargeWritesInOrderUnderOneChecksum() throws {
        let dir = TemporaryDirectory()
        var random = SeededRandom(seed: 7)
        let pieces: [[UInt8]] = [100, 3 << 20, 10, 1 << 20, (1 << 20) - 1, 5].map { count in
            (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        }
        let out = try FileOutput(path: dir.path + "/f")
        var expected = FileFormat.header(.stored, segment: 9).bytes
        try out.write(FileFormat.header(.stored, segment: 9))
        for (i, piece) in pieces.enumerated() {
            if i % 2 == 0 {
                try out.write(piece)
            } else {
                let failure: KiteError? = piece.withUnsafeBytes { raw in
                    do throws(KiteError) { try out.write(raw) } catch { return error }
                    return nil
                }
                if let failure { throw failure }
            }
            expected += piece
            #expect(out.position == expected.count)
        }
        try out.finish()
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.path + "/f")))
        #expect(Array(written.prefix(expected.count)) == expected)
        let body = written.withUnsafeBytes { raw in
            try? FileFormat.validate(raw, kind: .stored, segment: 9, name: "f", verifyChecksum: true)
        }
        #expect(body == FileFormat.headerSize..<expected.count)
    }

    @Test func varintsAndIntegersRoundTripAndMalformedOnesAreCorruptNotCrashes() throws {
        let values: [UInt64] = [0, 1, 127, 128, 255, 16_383, 16_384, 1 << 31, UInt64(UInt32.max), 1 << 56, UInt64.max]
        var w = ByteWriter()
        for v in values { w.vint(v); w.u64(v); w.u32(UInt32(truncatingIfNeeded: v)) }
        w.string("潍坊 test")
        try w.bytes.withBytes { (b) throws(KiteError) in
            var r = ByteReader(b, file: "t")
            for v in values {
                #expect(try r.vint() == v)
                #expect(try r.u64() == v)
                #expect(try r.u32() == UInt32(truncatingIfNeeded: v))
            }
            #expect(try r.string() == "潍坊 test")
            #expect(r.remaining == 0)
        }
        // A varint cut short, one longer than ten bytes, a string longer than what is left.
        let truncated: [UInt8] = [0x80, 0x80, 0x80], overlong = [UInt8](repeating: 0xFF, count: 11), short: [UInt8] = [0x05, 0x61]
        for bad in [truncated, overlong] {
            #expect(throws: KiteError.self) { try bad.withBytes { (b) throws(KiteError) in var r = ByteReader(b, file: "bad"); _ = try r.vint() } }
        }
        #expect(throws: KiteError.self) { try short.withBytes { (b) throws(KiteError) in var r = ByteReader(b, file: "bad"); _ = try r.string() } }
        var limit = ByteWriter()
        limit.vint(1_000)
        try limit.bytes.withBytes { (b) throws(KiteError) in
            var r = ByteReader(b, file: "limit")
            #expect(throws: KiteError.self) { try r.vint(max: 999) }
        }
    }

    @Test func bitPackingRoundTripsEveryWidthAndCount() {
        var random = SeededRandom(seed: 7)
        for width in 0...32 {
            for count in [1, 2, 7, 31, 64, 127, 128] {
                let mask: UInt64 = width == 32 ? 0xFFFF_FFFF : (1 << UInt64(width)) - 1
                let values = (0..<count).map { _ in UInt32(random.next() & mask) }
                #expect(values.withUnsafeBufferPointer { BitPacking.width($0) } <= width)
                var w = ByteWriter()
                values.withUnsafeBufferPointer { BitPacking.pack($0, width: width, into: &w) }
                #expect(w.count == BitPacking.byteCount(count: count, width: width))
                let out = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
                defer { out.deallocate() }
                // Unpacking may read a few bytes past the packed ones (as from a file): pad like a file's footer,
                // with set bits, which no value may pick up.
                let padded = w.bytes + [UInt8](repeating: 0xFF, count: 16)
                padded.withUnsafeBytes { BitPacking.unpack($0.baseAddress!, count: count, width: width, into: out) }
                #expect(Array(UnsafeBufferPointer(start: out, count: count)) == values, "width \(width) count \(count)")
                // A block unpacked with room to spare past it (the loop specialized for its width, at 128 values)
                // and without (the general loop) gives the same values.
                for readable in [w.count, w.count + 7, w.count + 8, padded.count] {
                    out.update(repeating: 0xDEAD, count: 128)
                    padded.withUnsafeBytes {
                        BitPacking.unpack($0.baseAddress!, count: count, width: width, readable: readable, into: out)
                    }
                    #expect(Array(UnsafeBufferPointer(start: out, count: count)) == values,
                            "width \(width) count \(count) readable \(readable)")
                    // A block of document deltas (less one) unpacks straight into the documents after `previous`.
                    guard count == 128 else { continue }
                    let previous = 1_000 + width
                    var documents: [UInt32] = []
                    var document = previous
                    for v in values { document += Int(v) + 1; documents.append(UInt32(truncatingIfNeeded: document)) }
                    out.update(repeating: 0xDEAD, count: 128)
                    let last = padded.withUnsafeBytes {
                        BitPacking.unpackDocuments($0.baseAddress!, width: width, readable: readable, after: previous, into: out)
                    }
                    #expect(last == document, "width \(width) readable \(readable)")
                    #expect(Array(UnsafeBufferPointer(start: out, count: 128)) == documents, "width \(width) readable \(readable)")
                }
            }
        }
    }
}
