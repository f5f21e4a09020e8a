/// Tracks which offsets of one partition are finished, for out-of-order completion (the
/// parallel-consumer technique): the committable offset is the lowest offset not yet finished, so a
/// slow message never lets a commit skip it, and fast ones behind it need not wait to run.
public struct PartitionOffsetTracker: Sendable, Equatable {
    /// Offsets started but not finished.
    private var pending: Set<Int64> = []
    /// The offset after the highest offset seen.
    private var next: Int64?

    public init() {}

    /// Records that `offset` was handed out for processing.
    public mutating func begin(_ offset: Int64) {
        pending.insert(offset)
        next = max(next ?? offset + 1, offset + 1)
    }

    /// Records that `offset` is finished (completed, skipped or deduplicated).
    public mutating func finish(_ offset: Int64) {
        pending.remove(offset)
    }

    /// The offset to commit (the next one to read after a restart), or nil if nothing was seen.
    public var committable: Int64? {
        guard let next else { return nil }
        return pending.min() ?? next
    }

    public var inFlightCount: Int { pending.count }
}
