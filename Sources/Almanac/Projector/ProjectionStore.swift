import AlmanacCore
import Foundation
import Kafka
import Synchronization

/// The projector's state, shared with the roles that read it (ticker, http), plus how far the fold
/// has read each partition so readers can wait for "caught up to these high watermarks".
public final class ProjectionStore: Sendable {
    private struct Inner {
        var state = SchedulerState()
        /// Next offset to read, per partition.
        var positions: [KafkaTopicPartition: Int64] = [:]
        /// The lowest offset per partition of an event read but not applied yet (deferred): the
        /// partition does not count as read past it.
        var holds: [KafkaTopicPartition: Int64] = [:]
        /// The newest event time folded (``ProjectionSnapshot/eventTime``).
        var eventTime: Date?
        /// Messages of the folded topics read by this process (not counting a snapshot's).
        var messagesRead = 0
        /// Messages of the snapshots topic read to load the snapshot started from.
        var snapshotMessagesRead = 0
        var waiters: [(id: UInt64, target: [KafkaTopicPartition: Int64], continuation: CheckedContinuation<Void, Never>)] = []
    }
    private let inner = Mutex(Inner())

    public init() {}

    /// A copy of the current state.
    public var state: SchedulerState { inner.withLock { $0.state } }

    /// Applies `body` to the state and records that `message` was read, and that an event of
    /// `eventTime` was folded (nil when the message was rejected or held).
    func update(after message: KafkaConsumerMessage, eventTime: Date? = nil, _ body: (inout SchedulerState) -> Void) {
        let ready = inner.withLock { inner in
            body(&inner.state)
            inner.positions[message.topicPartition] = message.offset + 1
            inner.messagesRead += 1
            if let eventTime, inner.eventTime.map({ eventTime > $0 }) ?? true { inner.eventTime = eventTime }
            return Self.takeSatisfied(&inner)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Applies `body` to the state without moving any read position (deferred events), folding
    /// an event of `eventTime`.
    func apply(eventTime: Date? = nil, _ body: (inout SchedulerState) -> Void) {
        let ready = inner.withLock { inner in
            body(&inner.state)
            if let eventTime, inner.eventTime.map({ eventTime > $0 }) ?? true { inner.eventTime = eventTime }
            return Self.takeSatisfied(&inner)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Replaces the per-partition holds (the lowest deferred offset of each partition).
    func setHolds(_ holds: [KafkaTopicPartition: Int64]) {
        let ready = inner.withLock { inner in
            inner.holds = holds
            return Self.takeSatisfied(&inner)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Records a partition's start position (e.g. its low watermark when empty or trimmed).
    func setPosition(_ tp: KafkaTopicPartition, atLeast offset: Int64) {
        let ready = inner.withLock { inner in
            inner.positions[tp] = max(inner.positions[tp] ?? 0, offset)
            return Self.takeSatisfied(&inner)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Starts the projection from a snapshot: its state, event time and positions. Call before
    /// the first message is read.
    func restore(_ snapshot: ProjectionSnapshot, messagesRead: Int) {
        let ready = inner.withLock { inner in
            inner.state = snapshot.state
            inner.snapshotMessagesRead = messagesRead
            inner.eventTime = snapshot.eventTime
            for position in snapshot.positions {
                inner.positions[KafkaTopicPartition(topic: position.topic, partition: position.partition)] = position.offset
            }
            return Self.takeSatisfied(&inner)
        }
        for continuation in ready { continuation.resume() }
    }

    /// The state with the positions it covers, taken together: what a snapshot records. A
    /// partition counts as read only below its held (deferred) events, which the state does not
    /// hold yet.
    public func cut(topics: [String], writtenAt: Date) -> ProjectionSnapshot {
        inner.withLock { inner in
            let positions = inner.positions.map { tp, offset in
                SnapshotPosition(topic: tp.topic, partition: tp.partition, offset: min(offset, inner.holds[tp] ?? .max))
            }
            return ProjectionSnapshot(topics: topics, eventTime: inner.eventTime, writtenAt: writtenAt, positions: positions, state: inner.state)
        }
    }

    /// Messages of the folded topics this process has read (a loaded snapshot's are not counted).
    public var messagesRead: Int { inner.withLock { $0.messagesRead } }

    /// Messages of the snapshots topic read to load the snapshot this projection started from.
    public var snapshotMessagesRead: Int { inner.withLock { $0.snapshotMessagesRead } }

    /// Returns once every partition in `target` has been read up to (excluding) its offset, or
    /// when the task is cancelled (check `Task.isCancelled` after).
    public func waitUntilCaughtUp(to target: [KafkaTopicPartition: Int64]) async {
        let id = UInt64.random(in: 0...UInt64.max)
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let done = inner.withLock { inner in
                    if Self.satisfied(target, inner) || Task.isCancelled { return true }
                    inner.waiters.append((id, target, continuation))
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            let waiter = inner.withLock { inner -> CheckedContinuation<Void, Never>? in
                guard let index = inner.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return inner.waiters.remove(at: index).continuation
            }
            waiter?.resume()
        }
    }

    /// How far the fold has read each partition (next offset to read).
    public var readPositions: [KafkaTopicPartition: Int64] {
        inner.withLock { inner in
            inner.positions.reduce(into: [:]) { $0[$1.key] = min($1.value, inner.holds[$1.key] ?? .max) }
        }
    }

    public func isCaughtUp(to target: [KafkaTopicPartition: Int64]) -> Bool {
        inner.withLock { Self.satisfied(target, $0) }
    }

    private static func satisfied(_ target: [KafkaTopicPartition: Int64], _ inner: Inner) -> Bool {
        target.allSatisfy { tp, offset in
            let read = min(inner.positions[tp] ?? 0, inner.holds[tp] ?? .max)
            return offset <= 0 || read >= offset
        }
    }

    private static func takeSatisfied(_ inner: inout Inner) -> [CheckedContinuation<Void, Never>] {
        var ready: [CheckedContinuation<Void, Never>] = []
        var waiting: [(id: UInt64, target: [KafkaTopicPartition: Int64], continuation: CheckedContinuation<Void, Never>)] = []
        for waiter in inner.waiters {
            if satisfied(waiter.target, inner) { ready.append(waiter.continuation) } else { waiting.append(waiter) }
        }
        inner.waiters = waiting
        return ready
    }
}
