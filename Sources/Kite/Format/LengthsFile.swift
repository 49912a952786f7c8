// The field-lengths file (`.len`, FORMAT.md "Field lengths"): per text field, one u32 per document.

extension SegmentFilesWriter {
    /// Writes the field-lengths file: per text field, one u32 per document.
    func writeLengths(_ fields: [[UInt32]]) throws(KiteError) {
        let out = try FileOutput(path: directory + "/" + name(.lengths))
        var w = FileFormat.header(.lengths, segment: id)
        w.u32(UInt32(docCount))
        w.u32(UInt32(fields.count))
        for f in fields {
            for d in 0..<docCount { w.u32(d < f.count ? f[d] : 0) }
        }
        try out.write(w)
        try out.finish()
    }
}

enum LengthsFile {
    /// Validates the file (envelope and checksum; exactly `docCount` × `fieldCount` lengths) and returns the offset of
    /// the first length, which readers load in place.
    static func lengthsOffset(_ file: MappedFile, segment: SegmentInfo, textFieldCount: Int) throws(KiteError) -> Int {
        let body = try FileFormat.validate(file.bytes, kind: .lengths, segment: segment.id, name: file.name, verifyChecksum: true)
        var r = ByteReader(file.bytes, from: body.lowerBound, to: body.upperBound, file: file.name)
        let docs = Int(try r.u32()), fields = Int(try r.u32())
        guard docs == segment.docCount, fields == textFieldCount, r.remaining == docs * fields * 4 else {
            throw .corrupt(file: file.name, reason: "lengths for \(docs) docs × \(fields) fields do not match the segment")
        }
        return r.offset
    }
}
