import AlmanacCore
import Foundation
import Kafka
import Logging

/// Reads every Almanac topic an audit needs (config, control, triggers, ticks, executions, charges;
/// not the dlq) from offset 0 to the end offsets read at start, and collects an ``AuditLog``.
///
/// Each message is decoded with the strict ``EventCodec`` (the projector's rules): a message it
/// rejects is counted in ``AuditLog/Counts/undecodable`` and otherwise ignored, as consumers
/// ignore what they dead-letter. Batches are decoded in parallel (``decodeTasks``), each
/// partition's messages staying in offset order.
///
/// ```swift
/// let log = try await AuditReplay(kafka: kafka, topics: AlmanacTopics(), logger: logger).read(progress: { bar.show($0) })
/// let report = AuditReconciler(log).runs(app: "clinic-reminders", from: from, to: to)
/// ```
public struct AuditReplay: Sendable {
    public let kafka: KafkaConfiguration
    public let topics: AlmanacTopics
    public let logger: Logger
    /// Concurrent decoders per batch (default: the active processor count, at most 8).
    public var decodeTasks = min(8, max(1, ProcessInfo.processInfo.activeProcessorCount))

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
        var log = AuditLog()
        var triggersComplete = true
        let triggers = topics.triggers
        let reader = LogSnapshotReader(kafka: kafka, topics: replayedTopics, logger: logger)
        let tasks = decodeTasks
        _ = try await reader.replay(snapshot: { snapshot in
            triggersComplete = snapshot.low.allSatisfy { $0.key.topic != triggers || $0.value == 0 }
        }, progress: progress) { batch in
            log.merge(Self.collect(batch, tasks: tasks))
        }
        log.triggersComplete = triggersComplete
        log.finish()
        return log
    }

    /// Decodes a batch into a partial log: split by partition into `tasks` groups decoded
    /// concurrently on threads of their own (pure CPU work, no librdkafka call), then merged.
    static func collect(_ batch: [KafkaConsumerMessage], tasks: Int) -> AuditLog {
        guard tasks > 1, batch.count >= 2000 else { return decode(batch[...]) }
        var groups = Array(repeating: [KafkaConsumerMessage](), count: tasks)
        for message in batch {
            var hasher = Hasher()
            hasher.combine(message.topicPartition)
            groups[Int(UInt(bitPattern: hasher.finalize()) % UInt(tasks))].append(message)
        }
        let parts = ParallelMap.run(groups) { decode($0[...]) }
        var log = AuditLog()
        for part in parts { log.merge(part) }
        return log
    }

    static func decode(_ messages: ArraySlice<KafkaConsumerMessage>) -> AuditLog {
        var log = AuditLog()
        for message in messages {
            let position = LogPosition(topic: message.topic, partition: message.partition, offset: message.offset)
            do {
                log.add(try EventCodec.decode(message.value), at: position)
            } catch {
                log.addUndecodable(at: position)
            }
        }
        return log
    }
}
