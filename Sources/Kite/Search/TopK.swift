/// A bounded min-heap keeping the k best (score, doc) pairs; ties prefer the earlier document.
struct TopK {
    let capacity: Int
    private(set) var items: [(score: Double, doc: Int)] = []

    init(capacity: Int) {
        self.capacity = capacity
        items.reserveCapacity(min(capacity, 1 << 16))
    }

    /// True if a is worse than b.
    @inline(__always) private static func worse(_ a: (score: Double, doc: Int), _ b: (score: Double, doc: Int)) -> Bool {
        a.score < b.score || (a.score == b.score && a.doc > b.doc)
    }

    /// The score a document must beat to enter (−∞ until full; +∞ with no room at all).
    var threshold: Double { items.count < capacity ? -.infinity : (items.first?.score ?? .infinity) }
    var isFull: Bool { items.count >= capacity }

    @inline(__always)
    mutating func offer(score: Double, doc: Int) {
        // The common case of a long result list: not better than the worst kept.
        if items.count == capacity && (capacity == 0 || score < items[0].score) { return }
        insert(score: score, doc: doc)
    }

    private mutating func insert(score: Double, doc: Int) {
        guard capacity > 0 else { return }
        let e = (score: score, doc: doc)
        if items.count < capacity {
            items.append(e)
            var i = items.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                if TopK.worse(items[i], items[p]) { items.swapAt(i, p); i = p } else { break }
            }
        } else if TopK.worse(items[0], e) {
            items[0] = e
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && TopK.worse(items[l], items[m]) { m = l }
                if r < items.count && TopK.worse(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
    }

    func sorted() -> [(score: Double, doc: Int)] {
        items.sorted { TopK.worse($1, $0) }
    }
}
