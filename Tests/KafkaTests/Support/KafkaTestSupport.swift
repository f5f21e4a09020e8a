import Kafka
import Logging

/// What the Kafka tests share.
enum KafkaTestSupport {
    static let logger: Logger = {
        var logger = Logger(label: "kafka-tests")
        logger.logLevel = .warning
        return logger
    }()

    /// Reads every partition of `topic` from the beginning to its current end (high watermarks
    /// asked first) with an assign-only consumer.
    static func readAll(
        topic: String, partitions: Int, bootstrapServers: String, timeout: Duration = .seconds(30)
    ) async throws -> [KafkaConsumerMessage] {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: KafkaConfiguration(bootstrapServers: bootstrapServers)), logger: logger)
        let tps = (0..<partitions).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
        let ends = try await consumer.endOffsets(tps)
        let expected = ends.values.reduce(0) { $0 + Int($1) }
        try consumer.assign(tps.map { ($0, .beginning) })
        var messages: [KafkaConsumerMessage] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < expected && ContinuousClock.now < deadline {
            messages += try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(200))
        }
        await consumer.close()
        return messages
    }

    /// Producer settings for tests: reconnects within 0.5 s after a broker comes back.
    static func producerConfiguration(_ bootstrapServers: String) -> KafkaProducerConfiguration {
        var client = KafkaConfiguration(bootstrapServers: bootstrapServers)
        client.properties["reconnect.backoff.ms"] = "50"
        client.properties["reconnect.backoff.max.ms"] = "500"
        return KafkaProducerConfiguration(client: client)
    }
}
