/// Splits partitions between the lanes of a replay (``LogSnapshotReader/replay(lanes:makePart:snapshot:progress:handle:)``)
/// into contiguous runs of the given order, each with about the same weight (messages to read).
///
/// Contiguous, so that a topic's partitions stay together in as few lanes as possible: lanes
/// collecting an ``AuditLog`` then hold few of the same kinds of events, and merging their logs at
/// the end moves little. Pure; deterministic for the same input.
enum LaneBalancer {
    /// - Parameters:
    ///   - weights: each key with its weight, in the order lanes should keep (topic by topic).
    ///   - lanes: how many lanes (at least 1).
    /// - Returns: `min(lanes, weights.count)` lanes (at least one), each a non-empty run of
    ///   consecutive keys unless `weights` is empty.
    static func balance<Key>(_ weights: [(key: Key, weight: Int64)], lanes: Int) -> [[Key]] {
        let count = max(1, min(lanes, weights.count))
        let total = max(1, weights.reduce(Int64(0)) { $0 + max(0, $1.weight) })
        var result: [[Key]] = [[]]
        var cumulative: Int64 = 0
        for (index, entry) in weights.enumerated() {
            let lanesLeft = count - result.count
            // The lanes opened so far have their share, or every key left is needed to open the rest.
            if !result[result.count - 1].isEmpty, lanesLeft > 0,
               cumulative * Int64(count) >= total * Int64(result.count) || weights.count - index <= lanesLeft {
                result.append([])
            }
            result[result.count - 1].append(entry.key)
            cumulative += max(0, entry.weight)
        }
        return result
    }
}
