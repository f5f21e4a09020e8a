import Kafka
import Testing

/// Errors the embedded cluster injects into requests surface as typed ``KafkaError``s.
@Suite("Injected errors")
struct InjectedErrorTests {
    let logger = KafkaTestSupport.logger

    @Test func commit_whenBrokerRefusesOffsetCommit_throwsTypedCommitError() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("c", partitions: 1)
        let client = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        try await producer.sendAll((0..<3).map { KafkaProducerRecord(topic: "c", key: nil, value: [UInt8($0)]) })
        await producer.shutdown()

        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client, groupID: "commit-errors"), logger: logger)
        let tp = KafkaTopicPartition(topic: "c", partition: 0)
        try consumer.assign([(tp, .beginning)])
        // 12 = OFFSET_METADATA_TOO_LARGE: permanent, not retried by librdkafka.
        cluster.injectRequestErrors(apiKey: .offsetCommit, errorCodes: [12])
        await #expect {
            try await consumer.commit([tp: 3])
        } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.code == .commit && error.rdKafkaCode == 12 && !error.isRetriable
        }
        // The next commit goes through and is what the group reads back.
        try await consumer.commit([tp: 3])
        #expect(try await consumer.committed([tp]) == [tp: 3])
        await consumer.close()
    }

    @Test func commit_whenGroupIsRebalancing_throwsRetriableCommitError() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("r", partitions: 1)
        let client = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client, groupID: "commit-rebalance"), logger: logger)
        let tp = KafkaTopicPartition(topic: "r", partition: 0)
        try consumer.assign([(tp, .beginning)])
        // 27 = REBALANCE_IN_PROGRESS.
        cluster.injectRequestErrors(apiKey: .offsetCommit, errorCodes: [27])
        await #expect {
            try await consumer.commit([tp: 0])
        } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.code == .commit && error.rdKafkaCode == 27 && error.isRetriable
        }
        await consumer.close()
    }
}
