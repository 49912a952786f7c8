/// Which segments a merge takes, for both the merges after a commit and `forceMerge`: always the segments with the
/// fewest live documents (FORMAT.md, "Deletes, merges and the merge policy").
struct MergePolicy: Hashable, Sendable {
    /// Most segments a commit leaves before it merges (at least 2).
    let mergeFactor: Int

    /// After a commit: the `mergeFactor` segments with the fewest live documents while there are more than
    /// `mergeFactor`; nil when no merge is due. `live` holds each segment's live document count.
    func afterCommit(live: [Int]) -> [Int]? {
        guard live.count > mergeFactor else { return nil }
        return Array(smallestFirst(live).prefix(mergeFactor))
    }

    /// For `forceMerge(maxSegments:)`: the `count − maxSegments + 1` smallest, so that `maxSegments` remain; with
    /// `maxSegments` 1, also a lone segment that has deletes (to drop them). Nil when nothing is to merge.
    func forced(live: [Int], hasDeletes: [Bool], maxSegments: Int) -> [Int]? {
        let target = max(1, maxSegments)
        guard live.count > target || (target == 1 && hasDeletes.contains(true)) else { return nil }
        return Array(smallestFirst(live).prefix(live.count - target + 1))
    }

    private func smallestFirst(_ live: [Int]) -> [Int] {
        live.indices.sorted { live[$0] < live[$1] }
    }
}
