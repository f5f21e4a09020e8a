import Kafka
import Testing

/// A cluster of 3 embedded brokers, partition leaders spread over all of them.
@Suite("Three brokers")
struct MultiBrokerTests {
    let logger = KafkaTestSupport.logger

    @Test func roundTrip_onThreeBrokers_keysStayOnTheirPartitionInOrder() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: logger)
        #expect(cluster.brokerCount == 3)
        try cluster.createTopic("three", partitions: 6, replicationFactor: 3)
        for partition in 0..<6 { cluster.setPartitionLeader(topic: "three", partition: Int32(partition), brokerID: Int32(partition % 3 + 1)) }
        let producer = try KafkaProducer(configuration: KafkaTestSupport.producerConfiguration(cluster.bootstrapServers), logger: logger)
        let records = (0..<600).map {
            KafkaProducerRecord(topic: "three", key: "key-\($0 % 30)", value: Array("\($0)".utf8), headers: [KafkaHeader(key: "n", string: "\($0)")])
        }
        let reports = try await producer.sendAll(records)
        await producer.shutdown()
        #expect(Set(reports.map(\.topicPartition.partition)).count > 3)

        let log = try await KafkaTestSupport.readAll(topic: "three", partitions: 6, bootstrapServers: cluster.bootstrapServers)
        #expect(log.count == 600)
        var partitionOfKey: [String: Int32] = [:]
        var lastOfKey: [String: Int] = [:]
        for message in log.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            let key = message.keyString!
            let number = Int(String(decoding: message.value, as: UTF8.self))!
            #expect(partitionOfKey[key, default: message.partition] == message.partition, "\(key) moved")
            partitionOfKey[key] = message.partition
            #expect(number > lastOfKey[key, default: -1], "\(key) out of order")
            lastOfKey[key] = number
            #expect(message.header("n") == Array("\(number)".utf8))
            #expect(reports[number].topicPartition == message.topicPartition && reports[number].offset == message.offset)
        }
    }
}
