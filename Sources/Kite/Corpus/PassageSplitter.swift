/// Splits long reports into passages for indexing, so that a hit points at a few paragraphs rather than at a
/// 60 KB report.
///
/// Paragraphs are the text's non-blank lines (reports put one paragraph per line, with or without blank lines
/// between). Consecutive paragraphs are merged while the passage is shorter than ``minimumLength`` and the merge
/// stays within ``maximumLength``; a short last passage of a section joins the one before it when it fits. A
/// paragraph is split only when it is longer than ``splitLength``, then at sentence ends (。！？, with closing quotes)
/// into pieces of at most ``maximumLength``. A section heading line ("一、2024年工作回顾") always starts a new
/// passage, and the passages under it carry it in their title. Lengths count Unicode scalars, whitespace excluded.
///
/// Every passage body is a verbatim slice of the report's text, and together the passages cover all of it but
/// the whitespace between them.
public struct PassageSplitter: Hashable, Sendable {
    /// A passage grows by whole paragraphs while it is shorter than this.
    public var minimumLength: Int
    /// Merging never makes a passage longer than this, and split pieces are at most this long.
    public var maximumLength: Int
    /// Paragraphs longer than this are split at sentence ends.
    public var splitLength: Int
    /// Between the report title and the section heading in a passage title.
    public var headingSeparator: String

    /// Creates a splitter.
    public init(minimumLength: Int = 300, maximumLength: Int = 1500, splitLength: Int = 3000, headingSeparator: String = " ") {
        self.minimumLength = minimumLength
        self.maximumLength = maximumLength
        self.splitLength = splitLength
        self.headingSeparator = headingSeparator
    }

    /// One passage of a text, before it becomes a document.
    public struct Passage: Hashable, Sendable {
        /// The passage text, a verbatim slice of the report.
        public var text: String
        /// The section heading the passage is under, if any.
        public var heading: String?
        /// The passage's scalar range in the report text's unicode scalars.
        public var scalarRange: Range<Int>
    }

    /// The passages of a report document, as documents: id `reportID#n` (n from 1), `title` = the report title
    /// plus the section heading the passage is under, `body` = the passage, `report` = the report id, and the
    /// report's other fields (its `period`, `kind`, `source`, …) copied. A document without a body gives none.
    public func passages(of document: Document) -> [Document] {
        guard let body = document["body"] else { return [] }
        let reportTitle = document["title"].map { String(CorpusText.trimmed(Substring($0))) } ?? ""
        var inherited = document.fields
        inherited["body"] = nil
        inherited["title"] = nil
        return split(body).enumerated().map { index, passage in
            var fields = inherited
            fields["body"] = passage.text
            fields["report"] = document.id
            let title = [reportTitle, passage.heading ?? ""].filter { !$0.isEmpty }.joined(separator: headingSeparator)
            if !title.isEmpty { fields["title"] = title }
            return Document(id: "\(document.id)#\(index + 1)", fields: fields)
        }
    }

    /// The passages of a text.
    public func split(_ text: String) -> [Passage] {
        // (A text of 2 GB or more stays whole: no analyzer takes it, and it is refused there with a clear error.)
        guard text.utf8.count < Int(Int32.max) else {
            return [Passage(text: text, heading: nil, scalarRange: 0..<text.unicodeScalars.count)]
        }
        return split(ScalarText(text))
    }

    /// A text's scalars, with the UTF-8 offset of each, so that the text of any scalar range is one copy of bytes.
    private struct ScalarText {
        let text: String
        var scalars: [Unicode.Scalar] = []
        /// The UTF-8 offset of each scalar, and the text's length last (a document's text is under 2 GB).
        var offsets: [Int32] = []

        init(_ text: String) {
            self.text = text
            let capacity = text.utf8.count
            var offsets: [Int32] = []
            scalars = [Unicode.Scalar](unsafeUninitializedCapacity: capacity) { out, count in
                offsets = [Int32](unsafeUninitializedCapacity: capacity + 1) { offsets, offsetCount in
                    var k = 0, n = 0
                    for scalar in text.unicodeScalars {
                        out.initializeElement(at: n, to: scalar)
                        offsets.initializeElement(at: n, to: Int32(truncatingIfNeeded: k))
                        n += 1
                        k += UTF8.width(scalar)
                    }
                    offsets.initializeElement(at: n, to: Int32(truncatingIfNeeded: k))
                    (count, offsetCount) = (n, n + 1)
                }
            }
            self.offsets = offsets
        }

        /// The text of scalars `range`.
        func string(_ range: Range<Int>) -> String {
            let utf8 = text.utf8
            let lower = utf8.index(utf8.startIndex, offsetBy: Int(offsets[range.lowerBound]))
            let upper = utf8.index(lower, offsetBy: Int(offsets[range.upperBound] - offsets[range.lowerBound]))
            return String(text[lower..<upper])
        }
    }

    private func split(_ text: ScalarText) -> [Passage] {
        let scalars = text.scalars
        var units: [Unit] = []
        for paragraph in paragraphs(scalars) {
            if let heading = heading(scalars[paragraph.range], text.string(paragraph.range)) {
                units.append(Unit(range: paragraph.range, length: paragraph.length, heading: heading))
            } else if paragraph.length > splitLength {
                units.append(contentsOf: pieces(of: paragraph, in: scalars))
            } else {
                units.append(paragraph)
            }
        }

        struct Draft {
            var range: Range<Int>
            var length: Int
            var heading: String?
            var section: Int
        }
        var drafts: [Draft] = []
        var current: Draft?
        var heading: String?
        var section = 0
        func flush() {
            guard let draft = current else { return }
            current = nil
            if draft.length < minimumLength, let last = drafts.last, last.section == draft.section,
                last.length + draft.length <= maximumLength
            {
                drafts[drafts.count - 1].range = last.range.lowerBound..<draft.range.upperBound
                drafts[drafts.count - 1].length += draft.length
            } else {
                drafts.append(draft)
            }
        }
        for unit in units {
            if let unitHeading = unit.heading {
                flush()
                heading = unitHeading
                section += 1
                current = Draft(range: unit.range, length: unit.length, heading: heading, section: section)
            } else if var draft = current, draft.length < minimumLength, draft.length + unit.length <= maximumLength {
                draft.range = draft.range.lowerBound..<unit.range.upperBound
                draft.length += unit.length
                current = draft
            } else {
                flush()
                current = Draft(range: unit.range, length: unit.length, heading: heading, section: section)
            }
        }
        flush()
        return drafts.map { draft in
            Passage(text: text.string(draft.range), heading: draft.heading, scalarRange: draft.range)
        }
    }

    // MARK: - Paragraphs

    /// A paragraph or a piece of one: its trimmed scalar range and its length without whitespace.
    private struct Unit {
        var range: Range<Int>
        var length: Int
        var heading: String? = nil
    }

    /// The non-blank lines, trimmed (one pass: a line's first and last non-space scalar and its count of them).
    private func paragraphs(_ scalars: [Unicode.Scalar]) -> [Unit] {
        var units: [Unit] = []
        var first = -1, last = -1, length = 0
        for (i, scalar) in scalars.enumerated() {
            if scalar == "\n" {
                if length > 0 { units.append(Unit(range: first..<(last + 1), length: length)) }
                (first, length) = (-1, 0)
            } else if !CorpusText.isSpace(scalar) {
                if length == 0 { first = i }
                last = i
                length += 1
            }
        }
        if length > 0 { units.append(Unit(range: first..<(last + 1), length: length)) }
        return units
    }

    /// The heading text if a paragraph is a section heading line: short, a Chinese numeral + 、 at its start, and
    /// not ending like a sentence or list item.
    private func heading(_ paragraph: ArraySlice<Unicode.Scalar>, _ spelled: @autoclosure () -> String) -> String? {
        guard paragraph.count <= 40, let last = paragraph.last, !"。；，：！？;,:".unicodeScalars.contains(last) else {
            return nil
        }
        let text = Substring(spelled())
        guard let numeral = ChineseNumeral.prefix(of: text), numeral.length < paragraph.count,
            paragraph[paragraph.startIndex + numeral.length] == "、", numeral.length + 1 < paragraph.count
        else { return nil }
        return String(text)
    }

    /// An over-long paragraph cut at sentence ends into pieces of at most ``maximumLength`` (a single sentence
    /// longer than that is cut at ``maximumLength`` scalars).
    private func pieces(of paragraph: Unit, in scalars: [Unicode.Scalar]) -> [Unit] {
        // Sentence boundaries: after 。！？ and any closing quotes or brackets that follow.
        var sentences: [Range<Int>] = []
        var start = paragraph.range.lowerBound
        var i = start
        while i < paragraph.range.upperBound {
            let scalar = scalars[i]
            i += 1
            guard "。！？".unicodeScalars.contains(scalar) else { continue }
            while i < paragraph.range.upperBound, "”’」』）》\"')".unicodeScalars.contains(scalars[i]) { i += 1 }
            sentences.append(start..<i)
            start = i
        }
        if start < paragraph.range.upperBound { sentences.append(start..<paragraph.range.upperBound) }

        func length(_ range: Range<Int>) -> Int {
            scalars[range].reduce(0) { $0 + (CorpusText.isSpace($1) ? 0 : 1) }
        }
        var pieces: [Unit] = []
        var current: Unit?
        for sentence in sentences {
            var sentenceUnits: [Unit] = []
            let sentenceLength = length(sentence)
            if sentenceLength > maximumLength {
                var lower = sentence.lowerBound
                while lower < sentence.upperBound {
                    let upper = min(lower + maximumLength, sentence.upperBound)
                    sentenceUnits.append(Unit(range: lower..<upper, length: length(lower..<upper)))
                    lower = upper
                }
            } else {
                sentenceUnits.append(Unit(range: sentence, length: sentenceLength))
            }
            for unit in sentenceUnits {
                if var piece = current, piece.length + unit.length <= maximumLength {
                    piece.range = piece.range.lowerBound..<unit.range.upperBound
                    piece.length += unit.length
                    current = piece
                } else {
                    if let piece = current { pieces.append(piece) }
                    current = unit
                }
            }
        }
        if let piece = current { pieces.append(piece) }
        return pieces
    }
}

/// The passages of a report document (see ``PassageSplitter/passages(of:)``).
public func passages(of document: Document, splitter: PassageSplitter = PassageSplitter()) -> [Document] {
    splitter.passages(of: document)
}
