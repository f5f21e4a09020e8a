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
    /// asked first) with an assign-only consumer, its default settings changed by `configure`.
    static func readAll(
        topic: String, partitions: Int, bootstrapServers: String, timeout: Duration = .seconds(30),
        configure: (inout KafkaConsumerConfiguration) -> Void = { _ in }
    ) async throws -> [KafkaConsumerMessage] {
        var configuration = KafkaConsumerConfiguration(client: KafkaConfiguration(bootstrapServers: bootstrapServers))
        configure(&configuration)
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
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

    /// Reads every partition of `topic` from the beginning until `count` messages arrived (or
    /// `timeout` passed), then polls once more for 300 ms so that messages beyond `count` show.
    /// For logs with transaction markers, which count in the high watermark but are never read.
    static func read(
        topic: String, partitions: Int, count: Int, bootstrapServers: String, timeout: Duration = .seconds(20)
    ) async throws -> [KafkaConsumerMessage] {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: KafkaConfiguration(bootstrapServers: bootstrapServers)), logger: logger)
        try consumer.assign((0..<partitions).map { (KafkaTopicPartition(topic: topic, partition: Int32($0)), .beginning) })
        var messages: [KafkaConsumerMessage] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < count && ContinuousClock.now < deadline {
            messages += try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(200))
        }
        messages += try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(300))
        await consumer.close()
        return messages
    }

    /// Transactional producer settings for tests (see ``producerConfiguration(_:)``).
    static func transactionalConfiguration(_ bootstrapServers: String, id: String) -> KafkaProducerConfiguration {
        var configuration = producerConfiguration(bootstrapServers)
        configuration.transactionalID = id
        return configuration
    }

    /// Producer settings for tests: reconnects within 0.5 s after a broker comes back.
    static func producerConfiguration(_ bootstrapServers: String) -> KafkaProducerConfiguration {
        var client = KafkaConfiguration(bootstrapServers: bootstrapServers)
        client.properties["reconnect.backoff.ms"] = "50"
        client.properties["reconnect.backoff.max.ms"] = "500"
        return KafkaProducerConfiguration(client: client)
    }
}
