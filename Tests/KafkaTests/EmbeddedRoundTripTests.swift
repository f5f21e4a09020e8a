import Foundation
import Kafka
import Logging
import Testing

@Suite("Kafka on the embedded cluster")
struct EmbeddedRoundTripTests {
    let logger = Logger(label: "kafka-tests")

    /// Partition a Java client (DefaultPartitioner: toPositive(murmur2(key)) % n) picks, from
    /// murmur2 vectors in Kafka's own `UtilsTest.testMurmur2`.
    static let javaMurmur2: [(String, Int32)] = [
        ("21", -973_932_308), ("foobar", -790_332_482), ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829), ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
        ("abc", 479_470_107),
    ]

    @Test func produceConsume_withKeysAndHeaders_roundTripsAndPlacesKeysLikeJava() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("t", partitions: 12)
        let client = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        var expected: [String: Int32] = [:]
        for (key, hash) in Self.javaMurmur2 {
            let report = try await producer.send(KafkaProducerRecord(
                topic: "t", key: key, value: Array("value-\(key)".utf8), headers: [KafkaHeader(key: "ce_type", string: "x.y")]))
            let javaPartition = Int32(bitPattern: UInt32(bitPattern: hash) & 0x7fff_ffff) % 12
            #expect(report.topicPartition.partition == javaPartition, "key \(key)")
            expected[key] = report.topicPartition.partition
        }
        await producer.shutdown()

        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client), logger: logger)
        try consumer.assign((0..<12).map { (KafkaTopicPartition(topic: "t", partition: Int32($0)), .beginning) })
        var received: [String: KafkaConsumerMessage] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        while received.count < Self.javaMurmur2.count && ContinuousClock.now < deadline {
            for message in try await consumer.poll() { received[message.keyString ?? ""] = message }
        }
        await consumer.close()
        #expect(received.count == Self.javaMurmur2.count)
        for (key, message) in received {
            #expect(message.value == Array("value-\(key)".utf8))
            #expect(message.header("ce_type") == Array("x.y".utf8))
            #expect(message.partition == expected[key])
        }
    }

    @Test func consumer_thatDoesNotReadHeaders_getsValuesAndKeys_withoutHeaders() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("h", partitions: 1)
        let client = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        try await producer.sendAll((0..<3).map {
            KafkaProducerRecord(topic: "h", key: "k\($0)", value: [UInt8($0)], headers: [KafkaHeader(key: "ce_type", string: "x.y")])
        })
        await producer.shutdown()
        let received = try await KafkaTestSupport.readAll(topic: "h", partitions: 1, bootstrapServers: cluster.bootstrapServers) {
            $0.readsHeaders = false
        }
        #expect(received.map(\.value) == [[0], [1], [2]] && received.map(\.keyString) == ["k0", "k1", "k2"])
        #expect(received.allSatisfy { $0.headers.isEmpty && $0.header("ce_type") == nil })
    }

    @Test func configuration_whenPropertyUnknown_failsWithLibrdkafkasMessage() throws {
        var client = KafkaConfiguration(bootstrapServers: "127.0.0.1:1")
        client.properties["no.such.property"] = "1"
        #expect {
            _ = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.code == .configuration && error.reason.contains("no.such.property")
        }
    }

    @Test func endOffsets_afterProducing_matchesMessageCount() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("w", partitions: 2)
        let client = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        try await producer.sendAll((0..<5).map { KafkaProducerRecord(topic: "w", key: nil, value: [UInt8($0)], partition: 1) })
        await producer.shutdown()
        let admin = try KafkaAdmin(configuration: client, logger: logger)
        let ends = try await admin.endOffsets([KafkaTopicPartition(topic: "w", partition: 0), KafkaTopicPartition(topic: "w", partition: 1)])
        #expect(ends[KafkaTopicPartition(topic: "w", partition: 0)] == 0)
        #expect(ends[KafkaTopicPartition(topic: "w", partition: 1)] == 5)
    }

    @Test func produce_whenInjectedErrorsAreRetriable_stillDelivers() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("e", partitions: 1)
        // NOT_LEADER_FOR_PARTITION twice: librdkafka retries, the send succeeds.
        cluster.injectRequestErrors(apiKey: .produce, errorCodes: [6, 6])
        let client = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        let report = try await producer.send(KafkaProducerRecord(topic: "e", key: "k", value: [1]))
        #expect(report.offset == 0)
        await producer.shutdown()
    }

    @Test func produce_whenErrorIsNotRetriable_surfacesTypedDeliveryError() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("f", partitions: 1)
        // INVALID_RECORD (87) is permanent: the delivery report carries it.
        cluster.injectRequestErrors(apiKey: .produce, errorCodes: [87])
        let client = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        var configuration = KafkaProducerConfiguration(client: client)
        configuration.enableIdempotence = false
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        await #expect(throws: KafkaError.self) {
            _ = try await producer.send(KafkaProducerRecord(topic: "f", key: "k", value: [1]))
        }
        await producer.shutdown()
    }
}
