/// Splits partitions between the lanes of a replay (``LogSnapshotReader/replay(lanes:makePart:snapshot:progress:handle:)``)
/// so each lane gets about the same number of messages: heaviest first, each to the lightest lane.
/// Pure; deterministic for the same input.
enum LaneBalancer {
    /// - Parameters:
    ///   - weights: each key with its weight (messages to read); order breaks ties.
    ///   - lanes: how many lanes (at least 1).
    /// - Returns: `min(lanes, weights.count)` lanes (at least one), each a non-empty list of keys
    ///   unless `weights` is empty.
    static func balance<Key>(_ weights: [(key: Key, weight: Int64)], lanes: Int) -> [[Key]] {
        let count = max(1, min(lanes, weights.count))
        var result = Array(repeating: [Key](), count: count)
        var loads = Array(repeating: Int64(0), count: count)
        let order = weights.indices.sorted { (weights[$0].weight, $1) > (weights[$1].weight, $0) }
        for index in order {
            let lightest = loads.indices.min { (loads[$0], $0) < (loads[$1], $1) }!
            result[lightest].append(weights[index].key)
            loads[lightest] += weights[index].weight
        }
        return result
    }
}
