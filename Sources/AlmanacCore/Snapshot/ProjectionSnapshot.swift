import Foundation

/// A projection's state at a log position: what a starting projector loads instead of folding the
/// log from offset 0 (docs/snapshots.md). Encoded by ``SnapshotCodec`` (schema
/// `schemas/snapshot.v1.json`).
///
/// ```swift
/// let snapshot = ProjectionSnapshot(topics: ["config", "control"], eventTime: t, writtenAt: now,
///                                   positions: [SnapshotPosition(topic: "almanac.config", partition: 0, offset: 42)],
///                                   state: state)
/// let encoded = try SnapshotCodec.encode(snapshot, sequence: 7)
/// ```
///
/// Contract: folding, onto ``state``, every event at or after ``positions`` (per partition, in log
/// order) gives exactly the state of folding the whole log (the property test
/// `SnapshotFoldPropertyTests`).
public struct ProjectionSnapshot: Equatable, Sendable {
    /// The topics the projection folds, short names in fold order (`config`, `control`, `ticks`,
    /// `executions`).
    public var topics: [String]
    /// The newest event time (CloudEvents `time`, UTC) folded into ``state``; `nil` when nothing
    /// was folded. Every event the state holds is at or before it, so a snapshot doubles as a
    /// time → offsets index (``SnapshotManifest/isUsable(atOrBefore:)``).
    public var eventTime: Date?
    /// When the snapshot was written (the writer's clock).
    public var writtenAt: Date
    /// The next offset to read of every partition the projection covers.
    public var positions: [SnapshotPosition]
    public var state: SchedulerState

    public init(topics: [String], eventTime: Date?, writtenAt: Date, positions: [SnapshotPosition], state: SchedulerState) {
        self.topics = topics
        self.eventTime = eventTime
        self.writtenAt = writtenAt
        self.positions = positions.sorted()
        self.state = state
    }

    /// The projection's name, the Kafka key prefix of its snapshots: its topics joined by `+`
    /// (`config+control+ticks+executions`).
    public var projection: String { Self.name(topics) }

    public static func name(_ topics: [String]) -> String { topics.joined(separator: "+") }

    /// This snapshot cut down to a projection that folds only `topics` (a subset of ``topics``):
    /// the state parts fed by the other topics are emptied (`lastTick` without `ticks`, recent runs
    /// without `executions`) and their positions dropped, which is exactly what a full replay of
    /// `topics` alone gives, since config and control never read those parts.
    /// - Returns: `nil` when `topics` is not a subset of ``topics``.
    public func restricted(to topics: [String], prefix: String) -> ProjectionSnapshot? {
        guard Set(topics).isSubset(of: Set(self.topics)) else { return nil }
        var state = self.state
        if !topics.contains("ticks") { state.lastTick = nil }
        if !topics.contains("executions") {
            for app in state.apps.keys {
                for job in state.apps[app]!.jobs.keys { state.apps[app]!.jobs[job]!.recentRuns = [] }
            }
        }
        let kept = Set(topics.map { prefix + $0 })
        return ProjectionSnapshot(topics: topics, eventTime: eventTime, writtenAt: writtenAt,
                                  positions: positions.filter { kept.contains($0.topic) }, state: state)
    }
}

/// One partition's log position in a snapshot: the next offset to read.
public struct SnapshotPosition: Hashable, Sendable, Comparable, Codable {
    /// Full topic name (`almanac.config`).
    public var topic: String
    public var partition: Int32
    /// Next offset to read (everything below it is folded into the snapshot).
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition) }
}
