import AlmanacCore
import Foundation
import Kafka
import Logging
import Synchronization

/// Reads every Almanac topic an audit needs (config, control, triggers, ticks, executions, charges;
/// not the dlq) from offset 0 to the end offsets read at start, and collects an ``AuditLog``.
///
/// Each message is decoded with the strict ``EventCodec`` (the projector's rules): a message it
/// rejects is counted in ``AuditLog/Counts/undecodable`` and otherwise ignored, as consumers
/// ignore what they dead-letter. The partitions are read by ``lanes`` consumers side by side
/// (``LogSnapshotReader/replay(lanes:makePart:snapshot:progress:handle:)``), each decoding its
/// messages in place (no copy) into a log of its own on its poll thread, each partition's messages
/// in offset order; the lanes' logs are merged once at the end.
///
/// ```swift
/// let log = try await AuditReplay(kafka: kafka, topics: AlmanacTopics(), logger: logger).read(progress: { bar.show($0) })
/// let report = AuditReconciler(log).runs(app: "clinic-reminders", from: from, to: to)
/// ```
public struct AuditReplay: Sendable {
    public let kafka: KafkaConfiguration
    public let topics: AlmanacTopics
    public let logger: Logger
    /// Consumers reading side by side, each with its own connection, librdkafka threads and
    /// decoding thread (default: the active processor count, at least 4, at most 8). At least 4
    /// even on 2 cores: a lane's fetch, hand-over and decode run one after the other, so more
    /// lanes than cores keep both the broker connection and the cores busy (BENCHMARKS.md).
    public var lanes = min(8, max(4, ProcessInfo.processInfo.activeProcessorCount))

    public init(kafka: KafkaConfiguration, topics: AlmanacTopics, logger: Logger) {
        self.kafka = kafka
        self.topics = topics
        self.logger = logger
    }

    /// The topics replayed, in the order their partitions are assigned.
    public var replayedTopics: [String] {
        [topics.config, topics.control, topics.ticks, topics.triggers, topics.executions, topics.charges]
    }

    /// - Throws: ``ChargeLogReaderError`` (a topic missing, a partition stalled), ``KafkaError``.
    public func read(progress: (LogSnapshotReader.Progress) -> Void = { _ in }) async throws -> AuditLog {
        var triggersComplete = true
        let triggers = topics.triggers
        let reader = LogSnapshotReader(kafka: kafka, topics: replayedTopics, logger: logger)
        let (executions, charges) = (topics.executions, topics.charges)
        let topicMessages = TopicMessages()
        var parts = try await reader.replay(lanes: lanes, makeLanePart: { messages in
            // Reserved once: growing the dictionaries rehashed every id ~2 times over. A lane that
            // reads any of a topic reserves room for the whole topic: the lanes' logs are merged
            // into the largest, which then takes the others' ids without growing.
            let whole = topicMessages.value.withLock { $0 }
            func room(_ topic: String) -> Int { (messages[topic] ?? 0) > 0 ? Int(whole[topic] ?? 0) : 0 }
            var log = AuditLog()
            log.reserveCapacity(triggers: room(triggers), executions: room(executions), charges: room(charges))
            return log
        }, snapshot: { snapshot in
            triggersComplete = snapshot.low.allSatisfy { $0.key.topic != triggers || $0.value == 0 }
            let whole = snapshot.ends.reduce(into: [String: Int64]()) { $0[$1.key.topic, default: 0] += $1.value - (snapshot.low[$1.key] ?? 0) }
            topicMessages.value.withLock { $0 = whole }
        }, progress: progress, handle: Self.add)
        var log = parts.removeLast()
        while let part = parts.popLast() { log.merge(part) }
        log.triggersComplete = triggersComplete
        log.finish()
        return log
    }

    /// Decodes one message lent in place into `log`.
    @Sendable static func add(_ log: inout AuditLog, _ message: KafkaMessageView) {
        let position = LogPosition(topic: message.topic, partition: message.partition, offset: message.offset)
        do {
            log.add(try EventCodec.decode(message.value), at: position)
        } catch {
            log.addUndecodable(at: position)
        }
    }
}

/// Messages per topic in a replay's snapshot, handed from its `snapshot` callback to the lanes'
/// `makeLanePart` (which run later, on other tasks).
private final class TopicMessages: Sendable {
    let value = Mutex<[String: Int64]>([:])
}
