import AlmanacCore
import Foundation
import Kafka
import Logging

/// The apps configured right now, read from the `config` topic (assign, from the beginning to the
/// end offsets found at start): what CLI commands need to validate an app and job before writing.
public enum ConfigSnapshot {
    /// - Throws: Kafka errors; `KafkaError` with code `.timedOut` if the topic cannot be read in time.
    public static func read(kafka: KafkaConfiguration, topics: AlmanacTopics, logger: Logger,
                            timeout: Duration = .seconds(30)) async throws -> [String: AppConfiguration] {
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let count = try await admin.describeTopics()[topics.config] ?? 0
        let partitions = (0..<count).map { KafkaTopicPartition(topic: topics.config, partition: Int32($0)) }
        let ends = try await admin.endOffsets(partitions)
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka), logger: logger)
        defer { Task { await consumer.close() } }
        try consumer.assign(partitions.map { ($0, .beginning) })
        var state = SchedulerState()
        var read: [KafkaTopicPartition: Int64] = [:]
        let deadline = ContinuousClock.now + timeout
        while !ends.allSatisfy({ tp, end in end <= max(read[tp] ?? 0, consumer.positions()[tp] ?? 0) }) {
            guard ContinuousClock.now < deadline else {
                throw KafkaError(code: .timedOut, reason: "could not read \(topics.config) to its end in \(timeout)")
            }
            for message in try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)) {
                read[message.topicPartition] = message.offset + 1
                if let envelope = try? EventCodec.decode(message.value) { state.apply(envelope) }
            }
        }
        return state.apps.mapValues(\.config)
    }
}
