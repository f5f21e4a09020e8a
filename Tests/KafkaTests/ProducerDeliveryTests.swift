import Kafka
import Testing

/// ``KafkaProducer/enqueue(contentsOf:)`` and its tickets: every message gets exactly one outcome.
@Suite("Producer delivery")
struct ProducerDeliveryTests {
    let logger = KafkaTestSupport.logger

    @Test func enqueue_ofManyRecords_reportsEachInOrderWithConsecutiveOffsets() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("o", partitions: 2)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.producerConfiguration(cluster.bootstrapServers), logger: logger)
        let first = await producer.enqueue(contentsOf: (0..<500).map { KafkaProducerRecord(topic: "o", key: nil, value: [UInt8($0 % 256)], partition: 1) })
        let second = await producer.enqueue(contentsOf: (0..<500).map { KafkaProducerRecord(topic: "o", key: nil, value: [UInt8($0 % 256)], partition: 1) })
        let reports = try await first.wait().get() + second.wait().get()
        #expect(reports.map(\.offset) == (0..<1000).map(Int64.init))
        #expect(reports.allSatisfy { $0.topicPartition == KafkaTopicPartition(topic: "o", partition: 1) })
        #expect(first.isComplete && second.isComplete)
        await producer.shutdown()
    }

    @Test func submit_returnsBeforeDelivery_andKeepsOrderWithLaterSends() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("s", partitions: 2)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.producerConfiguration(cluster.bootstrapServers), logger: logger)
        // Handed over without a suspension; a send made right after lands behind it.
        let first = producer.submit(contentsOf: (0..<300).map { KafkaProducerRecord(topic: "s", key: nil, value: [UInt8($0 % 256)], partition: 0) })
        let second = try await producer.sendAll((0..<5).map { _ in KafkaProducerRecord(topic: "s", key: nil, value: [9], partition: 0) })
        let reports = try await first.wait().get()
        #expect(reports.map(\.offset) == (0..<300).map(Int64.init))
        #expect(second.map(\.offset) == (300..<305).map(Int64.init))
        await producer.shutdown()
        let late = producer.submit(contentsOf: [KafkaProducerRecord(topic: "s", key: nil, value: [1], partition: 0)])
        #expect(late.isComplete)
        let lateResult = await late.wait()[0]
        #expect({ if case .failure(let error) = lateResult { error.code == .shutdown } else { false } }())
    }

    @Test func enqueue_whenOneRecordNamesAMissingPartition_failsOnlyThatOneWithUnknownTopic() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("p", partitions: 2)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.producerConfiguration(cluster.bootstrapServers), logger: logger)
        _ = try await producer.send(KafkaProducerRecord(topic: "p", key: "warm-up", value: [0]))
        let results = await producer.enqueue(contentsOf: [
            KafkaProducerRecord(topic: "p", key: nil, value: [1], partition: 0),
            KafkaProducerRecord(topic: "p", key: nil, value: [2], partition: 7),
            KafkaProducerRecord(topic: "p", key: nil, value: [3], partition: 1),
        ]).wait()
        #expect(results.count == 3)
        #expect(results.failureCount == 1)
        #expect((try? results[0].get())?.topicPartition.partition == 0)
        #expect((try? results[2].get())?.topicPartition.partition == 1)
        #expect(throws: KafkaError.self) { try results[1].get() }
        if case .failure(let error) = results[1] { #expect(error.code == .unknownTopic) }
        await producer.shutdown()
    }

    @Test func enqueue_ofNoRecords_isCompleteAtOnce() async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: KafkaConfiguration(bootstrapServers: "127.0.0.1:1")), logger: logger)
        let ticket = await producer.enqueue(contentsOf: [])
        #expect(ticket.isComplete)
        #expect(await ticket.wait().isEmpty)
        await producer.shutdown(timeout: .milliseconds(100))
    }

    @Test func send_afterShutdown_throwsShutdown() async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: KafkaConfiguration(bootstrapServers: "127.0.0.1:1")), logger: logger)
        await producer.shutdown(timeout: .milliseconds(100))
        await #expect {
            _ = try await producer.send(KafkaProducerRecord(topic: "t", key: "k", value: [1]))
        } throws: { ($0 as? KafkaError)?.code == .shutdown }
    }

    @Test func enqueue_whenTaskIsCancelledWhileQueueIsFull_failsTheRestAsCancelled() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("q", partitions: 1)
        var configuration = KafkaTestSupport.producerConfiguration(cluster.bootstrapServers)
        configuration.maxQueuedMessages = 10
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        _ = try await producer.send(KafkaProducerRecord(topic: "q", key: "warm-up", value: [0]))
        // Slow acknowledgements keep librdkafka's 10-message queue full.
        cluster.setRoundTripTime(1, .seconds(2))
        let task = Task { await producer.enqueue(contentsOf: (0..<100).map { KafkaProducerRecord(topic: "q", key: nil, value: [UInt8($0)]) }) }
        // Wait until the first messages are in flight (the queue is full), then cancel.
        try await eventually("a full queue", timeout: .seconds(10)) { producer.outstandingMessages >= 10 }
        task.cancel()
        let results = await task.value.wait()
        let cancelled = results.filter { if case .failure(let error) = $0 { error.code == .cancelled } else { false } }
        #expect(!cancelled.isEmpty)
        #expect(results.count - cancelled.count >= 10)
        cluster.setRoundTripTime(1, .zero)
        await producer.shutdown()
    }
}
