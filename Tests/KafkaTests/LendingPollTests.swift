import Foundation
import Kafka
import Logging
import Synchronization
import Testing

/// `KafkaConsumer.poll(lending:)` (values lent in place, no copy) and `KafkaAdmin.startOffsets`.
@Suite("Lending poll on the embedded cluster")
struct LendingPollTests {
    let logger = Logger(label: "kafka-tests")

    @Test func pollLending_readsEveryValueInOffsetOrder_andStartOffsetsAreZero() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("lend", partitions: 3)
        let client = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        try await producer.sendAll((0..<30).map {
            KafkaProducerRecord(topic: "lend", key: nil, value: Array("v\($0)".utf8), partition: Int32($0 % 3))
        })
        await producer.shutdown()
        let partitions = (0..<3).map { KafkaTopicPartition(topic: "lend", partition: Int32($0)) }
        let admin = try KafkaAdmin(configuration: client, logger: logger)
        let starts = try await admin.startOffsets(partitions)
        #expect(partitions.allSatisfy { starts[$0] == 0 })

        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client), logger: logger)
        try consumer.assign(partitions.map { ($0, .beginning) })
        var read: [Int32: [(Int64, String)]] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        while read.values.reduce(0, { $0 + $1.count }) < 30 && ContinuousClock.now < deadline {
            let batch = try await consumer.poll(maxMessages: 7, lending: { messages in
                messages.map { ($0.partition, $0.offset, String(decoding: $0.value, as: UTF8.self)) }
            })
            #expect(batch.count <= 7)
            for (partition, offset, value) in batch { read[partition, default: []].append((offset, value)) }
        }
        await consumer.close()
        for partition in Int32(0)..<3 {
            let list = read[partition] ?? []
            #expect(list.map(\.0) == (0..<10).map { Int64($0) })
            #expect(list.map(\.1) == (0..<10).map { "v\($0 * 3 + Int(partition))" })
        }
    }

    @Test func pollLending_afterClose_throwsShutdown() async throws {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: KafkaConfiguration(bootstrapServers: "127.0.0.1:1")), logger: logger)
        await consumer.close()
        await #expect(throws: KafkaError.self) { try await consumer.poll(lending: { $0.count }) }
    }
}
