import AlmanacCore
import Foundation
import Kafka
import Synchronization

extension AuditReplay {
    /// What a window read did: the window with its lookahead, and the seek's fetches.
    public struct WindowRead: Sendable {
        public var log: AuditLog
        public var window: AuditWindow
        /// Messages read whole (config, control, ticks) and from the window's offsets.
        public var startStateMessages: Int
        public var windowMessages: Int
        /// Records fetched one by one to find the window's offsets, and fetch rounds.
        public var seek: EventTimeSeeker.Stats
    }

    /// The config and control history up to now, and every tick: the state an audit window starts
    /// from, and the ticker's last sign of life before any minute (``AuditWindow``: read whole).
    ///
    /// The one place that reads it: when projection snapshots exist (issue 24, item 1) this is
    /// where the state at a window's start can be loaded from the newest snapshot before it instead.
    /// - Throws: ``ChargeLogReaderError`` (a topic missing, a partition stalled), ``KafkaError``.
    public func readStartState(progress: (LogSnapshotReader.Progress) -> Void = { _ in }) async throws -> AuditLog {
        let reader = LogSnapshotReader(kafka: kafka, topics: [topics.config, topics.control, topics.ticks], logger: logger)
        var parts = try await reader.replay(lanes: lanes, makePart: { AuditLog() }, progress: progress, handle: Self.add)
        var log = parts.removeLast()
        while let part = parts.popLast() { log.merge(part) }
        return log
    }

    /// Reads what an audit of `[from, to)` needs (``AuditWindow``): the start state whole, then the
    /// triggers, executions and charges whose event times fall in the window's ranges, located by
    /// ``EventTimeSeeker`` (bisection on event time, ListOffsets by timestamp as a hint).
    ///
    /// - Parameters:
    ///   - margin: seconds an event may be older than one before it in its partition.
    ///   - lookahead: seconds after `to` a run due in the window may still finish; nil: derived from
    ///     every job configured (``AuditWindow/lookahead(changes:retryBackoffSeconds:)``).
    ///   - seeker: how offsets are found (default: this replay's cluster, with broker hints).
    ///   - startState: ``readStartState(progress:)``'s answer when the caller has it (read once
    ///     for many windows); nil reads it.
    /// - Throws: ``ChargeLogReaderError``, ``KafkaError``.
    public func read(from: Date, to: Date, margin: TimeInterval = AuditWindow.defaultMargin, lookahead: TimeInterval? = nil,
                     seeker: EventTimeSeeker? = nil, startState: AuditLog? = nil,
                     progress: (LogSnapshotReader.Progress) -> Void = { _ in }) async throws -> WindowRead {
        var log: AuditLog
        if let startState { log = startState } else { log = try await readStartState(progress: progress) }
        let startMessages = log.counts.messages
        let window = AuditWindow(from: from, to: to, margin: margin,
                                 lookahead: lookahead ?? AuditWindow.lookahead(changes: log.orderedChanges))
        let roles: [String: AuditWindow.TopicRole] = [topics.triggers: .triggers, topics.executions: .outcomes, topics.charges: .outcomes]
        let seeker = seeker ?? EventTimeSeeker(kafka: kafka, logger: logger)
        let stats = SeekStatsBox()
        let reader = LogSnapshotReader(kafka: kafka, topics: [topics.triggers, topics.executions, topics.charges], logger: logger)
        let triggers = topics.triggers
        var triggersComplete = true
        var parts = try await reader.replay(lanes: lanes, makeLanePart: { _ in AuditLog() }, bounds: { low, ends in
            var starts: [KafkaTopicPartition: Date] = [:]
            var stops: [KafkaTopicPartition: Date] = [:]
            for tp in ends.keys {
                guard let role = roles[tp.topic], let range = window.range(role) else { continue }
                starts[tp] = window.startThreshold(range)
                stops[tp] = window.endThreshold(range)
            }
            let first = try await seeker.offsets(thresholds: starts, low: low, ends: ends, unknownIsBelow: false)
            let last = try await seeker.offsets(thresholds: stops, low: first.offsets, ends: ends, unknownIsBelow: true)
            stats.set(first.stats, last.stats)
            var ranges: [KafkaTopicPartition: Range<Int64>] = [:]
            for (tp, start) in first.offsets { ranges[tp] = start..<max(start, last.offsets[tp] ?? start) }
            return ranges
        }, snapshot: { snapshot in
            triggersComplete = snapshot.low.allSatisfy { $0.key.topic != triggers || $0.value == 0 }
        }, progress: progress, handle: Self.add)
        while let part = parts.popLast() { log.merge(part) }
        log.triggersComplete = triggersComplete
        log.finish()
        return WindowRead(log: log, window: window, startStateMessages: startMessages, windowMessages: log.counts.messages - startMessages,
                          seek: stats.value)
    }
}

/// The seek's statistics, handed from the replay's `bounds` callback (another task) to the caller.
private final class SeekStatsBox: Sendable {
    private let stats = Mutex(EventTimeSeeker.Stats())
    func set(_ a: EventTimeSeeker.Stats, _ b: EventTimeSeeker.Stats) {
        stats.withLock { $0 = EventTimeSeeker.Stats(rounds: a.rounds + b.rounds, probes: a.probes + b.probes) }
    }
    var value: EventTimeSeeker.Stats { stats.withLock { $0 } }
}
