import Kafka
import Testing

/// A consumer's handlers are dropped at ``KafkaConsumer/close()``: one that captures the consumer
/// (as the worker's rebalance handler does) no longer keeps it, and its librdkafka handle, alive.
@Suite struct ConsumerLifetimeTests {
    @Test func close_releasesHandlersThatCaptureTheConsumer_soItIsFreed() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: KafkaTestSupport.logger)
        try cluster.createTopic("lifetime", partitions: 1)
        weak var released: KafkaConsumer?
        do {
            let consumer = try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(client: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers), groupID: "lifetime"),
                logger: KafkaTestSupport.logger)
            consumer.setRebalanceHandler { event in
                if case .revoked(let partitions) = event { consumer.resume(partitions) }
            }
            consumer.setStatisticsHandler { _ in _ = consumer.assignment }
            try consumer.subscribe(topics: ["lifetime"])
            released = consumer
            await consumer.close()
        }
        #expect(released == nil, "the closed consumer was freed")
    }
}
