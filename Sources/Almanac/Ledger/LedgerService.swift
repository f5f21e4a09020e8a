import AlmanacCore
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// Reads the `charges` and `dlq` topics from offset 0 (assign, no group) into a ``LedgerStore``
/// for the `http` role: credits charged per day and the dlq's recent rejections. Follows live
/// until cancelled or a graceful shutdown. Messages it cannot decode are skipped (the projector
/// and workers own dead-lettering; this is a read-only view).
public struct LedgerService: Service {
    public let store: LedgerStore
    let consumer: KafkaConsumer
    let topics: AlmanacTopics
    let logger: Logger

    public init(store: LedgerStore, kafka: KafkaConfiguration, topics: AlmanacTopics, logger: Logger) throws {
        self.store = store
        var configuration = KafkaConsumerConfiguration(client: kafka)
        configuration.client.clientID = "almanac-ledger"
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        self.topics = topics
        self.logger = logger
    }

    /// Runs until cancelled or graceful shutdown.
    /// - Throws: Kafka errors while looking up the topics' partitions.
    public func run() async throws {
        var partitions: [KafkaTopicPartition] = []
        for topic in [topics.charges, topics.dlq] {
            let count = try await consumer.partitionCount(topic: topic) ?? 0
            partitions += (0..<count).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
        }
        try consumer.assign(partitions.map { ($0, .beginning) })
        await cancelWhenGracefulShutdownOrCancel {
            while !Task.isCancelled {
                do {
                    for message in try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)) {
                        guard let envelope = try? EventCodec.decode(message.value) else { continue }
                        store.apply(envelope)
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.error("ledger poll failed: \(error)")
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        }
        await consumer.close()
    }
}
