import AlmanacCore
import Kafka
import Synchronization

/// Control events held back until the config topic has been read far enough (see
/// `ProjectorService`): each waits for the config end offsets seen when it was read.
final class DeferredControlEvents: Sendable {
    private struct Entry {
        var message: KafkaConsumerMessage
        var envelope: EventEnvelope
        var configTarget: [KafkaTopicPartition: Int64]
    }
    private let entries = Mutex<[Entry]>([])

    var isEmpty: Bool { entries.withLock { $0.isEmpty } }

    func add(_ message: KafkaConsumerMessage, _ envelope: EventEnvelope, until configTarget: [KafkaTopicPartition: Int64]) {
        entries.withLock { $0.append(Entry(message: message, envelope: envelope, configTarget: configTarget)) }
    }

    /// The config target of the newest event held on `partition`, or nil when none is held there.
    /// A later event of that partition must wait behind it (same target), or a resume applied at
    /// once would be overtaken by the pause held before it.
    func target(heldOn partition: KafkaTopicPartition) -> [KafkaTopicPartition: Int64]? {
        entries.withLock { entries in entries.last { $0.message.topicPartition == partition }?.configTarget }
    }

    /// Removes and returns, in read order, the events whose config target has been reached.
    func takeReady(isCaughtUp: ([KafkaTopicPartition: Int64]) -> Bool) -> [(KafkaConsumerMessage, EventEnvelope)] {
        entries.withLock { entries in
            var ready: [(KafkaConsumerMessage, EventEnvelope)] = []
            entries.removeAll { entry in
                guard isCaughtUp(entry.configTarget) else { return false }
                ready.append((entry.message, entry.envelope))
                return true
            }
            return ready
        }
    }

    /// The lowest deferred offset per partition.
    var holds: [KafkaTopicPartition: Int64] {
        entries.withLock { entries in
            var result: [KafkaTopicPartition: Int64] = [:]
            for entry in entries { result[entry.message.topicPartition] = min(result[entry.message.topicPartition] ?? .max, entry.message.offset) }
            return result
        }
    }
}
