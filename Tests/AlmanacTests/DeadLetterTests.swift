import Almanac
import AlmanacCore
import Foundation
@testable import Kafka
import Logging
import Metrics
import MetricsTestKit
import Testing

@Suite struct DeadLetterTests {
    /// issue 5: a rejected message lands in the dlq with where it came from, and is counted.
    @Test func reject_writesEventRejectedToTheDLQ_andCountsItByReason() async throws {
        let metrics = TestMetrics()
        MetricsSystem.bootstrap(metrics)
        let logger = Logger(label: "dlq-test")
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        let topics = AlmanacTopics()
        for spec in topics.specifications { try cluster.createTopic(spec.name, partitions: spec.partitions) }
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "test")
        let raw = Array("{not json".utf8)
        let bad = KafkaConsumerMessage(topicPartition: KafkaTopicPartition(topic: topics.control, partition: 3), offset: 41,
                                       key: Array("app-1".utf8), value: raw, headers: [], timestampMilliseconds: nil)
        try await publisher.reject(bad, EventDecodingError(.notJSON, "not valid JSON"), by: "projector", at: Date())
        await producer.shutdown()

        #expect(try metrics.expectCounter("almanac_dlq_total", [("consumer", "projector"), ("reason", "not_json")]).totalValue == 1)
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka), logger: logger)
        try consumer.assign([(KafkaTopicPartition(topic: topics.dlq, partition: 0), .beginning)])
        var messages: [KafkaConsumerMessage] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while messages.isEmpty && ContinuousClock.now < deadline { messages = try await consumer.poll() }
        await consumer.close()
        let envelope = try EventCodec.decode(try #require(messages.first).value)
        guard case .eventRejected(let rejected) = envelope.event else { Issue.record("expected event.rejected"); return }
        #expect(rejected.topic == topics.control && rejected.partition == 3 && rejected.offset == 41 && rejected.key == "app-1")
        #expect(Data(base64Encoded: rejected.rawBase64) == Data(raw))
        #expect(rejected.reason == .notJSON && rejected.rejectedBy == "projector")
    }
}
