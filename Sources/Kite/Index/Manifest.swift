
/// The commit point: which segments (and which of their delete files) make up the index, under which analyzer and
/// schema. Replaced atomically by rename; see FORMAT.md.
struct Manifest: Hashable, Sendable {
    static let fileName = "manifest"
    static let temporaryName = "manifest.tmp"

    var generation: UInt64
    var analyzer: String
    var schema: String
    var segments: [SegmentInfo]

    static func read(directory: String) throws(KiteError) -> Manifest {
        let path = directory + "/" + fileName
        let file: MappedFile
        do {
            file = try MappedFile(path: path, name: fileName)
        } catch let error where error.isFileNotFound {
            throw .indexNotFound(path: directory)
        }
        let body = try FileFormat.validate(file.bytes, kind: .manifest, segment: 0, name: fileName, verifyChecksum: true)
        var r = ByteReader(file.bytes, from: body.lowerBound, to: body.upperBound, file: fileName)
        let generation = try r.u64()
        let analyzer = try r.string()
        let schema = try r.string()
        let count = try r.vint(max: r.remaining / 20)
        var segments: [SegmentInfo] = []
        var seen = Set<UInt64>()
        for _ in 0..<count {
            let id = try r.u64()
            let docs = Int(try r.u32())
            let gen = try r.u32()
            let deleted = Int(try r.u32())
            guard deleted <= docs, seen.insert(id).inserted, (gen == 0) == (deleted == 0) || gen > 0 else {
                throw .corrupt(file: fileName, reason: "inconsistent segment entry \(FileFormat.hex(id))")
            }
            segments.append(SegmentInfo(id: id, docCount: docs, deleteGeneration: gen, deletedCount: deleted))
        }
        guard r.remaining == 0 else { throw .corrupt(file: fileName, reason: "trailing bytes") }
        return Manifest(generation: generation, analyzer: analyzer, schema: schema, segments: segments)
    }

    /// Writes the manifest to a temporary file, fsyncs it, renames it over the current one and fsyncs the directory.
    func write(directory: String) throws(KiteError) {
        let tmp = directory + "/" + Manifest.temporaryName
        let out = try FileOutput(path: tmp)
        var w = FileFormat.header(.manifest, segment: 0)
        w.u64(generation)
        w.string(analyzer)
        w.string(schema)
        w.vint(segments.count)
        for s in segments {
            w.u64(s.id)
            w.u32(UInt32(s.docCount))
            w.u32(s.deleteGeneration)
            w.u32(UInt32(s.deletedCount))
        }
        try out.write(w)
        try out.finish()
        try IndexDirectory.rename(tmp, to: directory + "/" + Manifest.fileName)
        try IndexDirectory.sync(directory)
    }

    /// Every file this commit needs.
    var referencedFiles: Set<String> {
        var out: Set<String> = [Manifest.fileName]
        if let digest = UserDictionary.digest(inFingerprint: analyzer) { out.insert(UserDictionary.fileName(digest: digest)) }
        for s in segments {
            for k in SegmentInfo.segmentFileKinds { out.insert(s.fileName(k)) }
            if s.deleteGeneration > 0 { out.insert(s.fileName(.deletes)) }
        }
        return out
    }
}

/// Random 64-bit segment ids.
enum SegmentID {
    static func make() -> UInt64 {
        var v: UInt64 = 0
        while v == 0 { v = UInt64.random(in: 1...UInt64.max) }
        return v
    }
}
