import Kafka
import Testing

/// Producer transactions on the embedded cluster. The mock cluster ignores `isolation.level`
/// (aborted messages stay readable) and keeps no `TxnOffsetCommit` offsets, so these tests assert
/// what it does show: committed messages at their reported offsets, aborts that return and leave
/// the producer ready for the next transaction, offsets accepted into a transaction.
@Suite("Transactions")
struct TransactionTests {
    let logger = KafkaTestSupport.logger

    struct BodyFailed: Error, Equatable {}

    @Test func withTransaction_whenBodySends_commitsMessagesReadableAtTheirReportedOffsets() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("tx", partitions: 3)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.transactionalConfiguration(cluster.bootstrapServers, id: "tx-commit"), logger: logger)
        try await producer.initTransactions()

        let first = try await producer.withTransaction {
            try await producer.sendAll((0..<20).map { KafkaProducerRecord(topic: "tx", key: "a-\($0)", value: Array("a\($0)".utf8)) })
        }
        // The same with the explicit calls.
        try await producer.beginTransaction()
        let second = try await producer.sendAll((0..<20).map { KafkaProducerRecord(topic: "tx", key: "b-\($0)", value: Array("b\($0)".utf8)) })
        try await producer.commitTransaction()
        await producer.shutdown()

        let reports = Array(zip((0..<20).map { "a-\($0)" }, first)) + Array(zip((0..<20).map { "b-\($0)" }, second))
        let log = try await KafkaTestSupport.read(topic: "tx", partitions: 3, count: 40, bootstrapServers: cluster.bootstrapServers)
        #expect(log.count == 40)
        let placed = Dictionary(log.map { ($0.keyString ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        for (key, report) in reports {
            let message = try #require(placed[key], "\(key) was committed but is not in the log")
            #expect(message.topicPartition == report.topicPartition && message.offset == report.offset)
            #expect(message.value == Array(key.replacingOccurrences(of: "-", with: "").utf8))
        }
    }

    @Test func withTransaction_whenBodyThrows_abortsRethrowsAndTheNextTransactionCommits() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("abort", partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.transactionalConfiguration(cluster.bootstrapServers, id: "tx-abort"), logger: logger)
        try await producer.initTransactions()

        var bodyRan = false
        await #expect(throws: BodyFailed.self) {
            try await producer.withTransaction {
                bodyRan = true
                try await producer.sendAll([KafkaProducerRecord(topic: "abort", key: "aborted", value: [1])])
                throw BodyFailed()
            }
        }
        #expect(bodyRan)
        // The abort ended the transaction: committing now is a usage error (_STATE), and a new
        // transaction begins and commits.
        await #expect {
            try await producer.commitTransaction()
        } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.code == .transaction && error.rdKafkaCode == -172 && !error.isRetriable && !error.isAbortable && !error.isFatal
        }
        let committed = try await producer.withTransaction {
            try await producer.send(KafkaProducerRecord(topic: "abort", key: "committed", value: [2]))
        }

        // Explicit abort with a message still queued: the abort returns and the message's send
        // ends (purged: a delivery error, or delivered before the purge — aborted either way).
        try await producer.beginTransaction()
        let ticket = await producer.enqueue(contentsOf: [KafkaProducerRecord(topic: "abort", key: "aborted-2", value: [3])])
        try await producer.abortTransaction()
        let outcome = await ticket.wait()[0]
        if case .failure(let error) = outcome { #expect(error.code == .delivery) }
        let last = try await producer.withTransaction {
            try await producer.send(KafkaProducerRecord(topic: "abort", key: "committed-2", value: [4]))
        }
        await producer.shutdown()

        // The mock broker shows aborted messages too (it ignores isolation.level): read the
        // stored ones and check that the committed ones are where they were reported.
        let stored = 3 + ((try? outcome.get()) == nil ? 0 : 1)
        let log = try await KafkaTestSupport.read(topic: "abort", partitions: 1, count: stored, bootstrapServers: cluster.bootstrapServers)
        for (key, report) in [("committed", committed), ("committed-2", last)] {
            #expect(log.contains { $0.keyString == key && $0.offset == report.offset }, "\(key) not at \(report.offset): \(log.map { "\($0.keyString ?? "-")@\($0.offset)" })")
        }
        #expect(last.offset > committed.offset)
    }

    @Test func sendOffsetsToTransaction_withConsumerGroupMetadata_commitsWithTheOutputs() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("in", partitions: 1)
        try cluster.createTopic("out", partitions: 1)
        let client = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let seeder = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        try await seeder.sendAll((0..<5).map { KafkaProducerRecord(topic: "in", key: "in-\($0)", value: [UInt8($0)]) })
        await seeder.shutdown()

        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: client, groupID: "transform"), logger: logger)
        try consumer.subscribe(topics: ["in"])
        var inputs: [KafkaConsumerMessage] = []
        try await eventually("5 inputs consumed", timeout: .seconds(20)) {
            inputs += try await consumer.poll(maxMessages: 100, timeout: .milliseconds(200))
            return inputs.count >= 5
        }
        let group = try consumer.groupMetadata()
        #expect(group.groupID == "transform")

        let producer = try KafkaProducer(configuration: KafkaTestSupport.transactionalConfiguration(cluster.bootstrapServers, id: "tx-transform"), logger: logger)
        try await producer.initTransactions()
        let next = [KafkaTopicPartition(topic: "in", partition: 0): inputs.map(\.offset).max()! + 1]
        let reports = try await producer.withTransaction {
            let reports = try await producer.sendAll(inputs.map { KafkaProducerRecord(topic: "out", key: "out-\($0.offset)", value: $0.value.map { $0 * 2 }) })
            try await producer.sendOffsetsToTransaction(next, group: group)
            return reports
        }
        // Metadata naming only the group works too.
        try await producer.withTransaction {
            try await producer.sendOffsetsToTransaction(next, group: KafkaConsumerGroupMetadata(groupID: "transform"))
        }
        await producer.shutdown()
        await consumer.close()

        let log = try await KafkaTestSupport.read(topic: "out", partitions: 1, count: 5, bootstrapServers: cluster.bootstrapServers)
        #expect(log.map(\.offset) == reports.map(\.offset))
        #expect(log.map(\.value) == inputs.map { $0.value.map { $0 * 2 } })
    }

    @Test func transactionalCalls_onNonTransactionalProducer_throwNotTransactional() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("plain", partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.producerConfiguration(cluster.bootstrapServers), logger: logger)
        let group = KafkaConsumerGroupMetadata(groupID: "g")
        let calls: [(String, () async throws -> Void)] = [
            ("initTransactions", { try await producer.initTransactions() }),
            ("beginTransaction", { try await producer.beginTransaction() }),
            ("sendOffsetsToTransaction", { try await producer.sendOffsetsToTransaction([KafkaTopicPartition(topic: "plain", partition: 0): 1], group: group) }),
            ("commitTransaction", { try await producer.commitTransaction() }),
            ("abortTransaction", { try await producer.abortTransaction() }),
        ]
        for (name, call) in calls {
            await #expect {
                try await call()
            } throws: { error in
                guard let error = error as? KafkaError else { return false }
                return error.code == .notTransactional && error.reason.contains(name) && error.reason.contains("transactionalID")
            }
        }
        var bodyRan = false
        await #expect(throws: KafkaError(code: .notTransactional, reason: "")) {
            try await producer.withTransaction { bodyRan = true }
        }
        #expect(!bodyRan)
        // The producer itself still sends.
        let report = try await producer.send(KafkaProducerRecord(topic: "plain", key: "k", value: [1]))
        #expect(report.offset == 0)
        await producer.shutdown()

        // Group metadata needs a group.
        let reader = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)), logger: logger)
        #expect(throws: KafkaError(code: .configuration, reason: "")) { try reader.groupMetadata() }
        await reader.close()
    }

    /// Shutdown aborts the open transaction: messages still queued (held by a 30 s linger) are
    /// purged, where a plain flush would have sent them at once, and later calls are refused.
    @Test func shutdown_withOpenTransaction_abortsItAndRefusesLaterCalls() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("open", partitions: 1)
        var configuration = KafkaTestSupport.transactionalConfiguration(cluster.bootstrapServers, id: "tx-open")
        configuration.linger = .seconds(30)
        configuration.deliveryTimeout = .seconds(60)
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        try await producer.initTransactions()
        try await producer.beginTransaction()
        let ticket = await producer.enqueue(contentsOf: (1...50).map { KafkaProducerRecord(topic: "open", key: "m-\($0)", value: [UInt8($0)]) })
        let start = ContinuousClock.now
        await producer.shutdown(timeout: .seconds(5))
        #expect(ContinuousClock.now - start < .seconds(25), "the 5 s shutdown timeout, not the 30 s linger (loose: a loaded pool)")

        #expect(ticket.isComplete)
        let results = await ticket.wait()
        #expect(results.failureCount == 50, "the abort should have purged the queued messages")
        for case .failure(let error) in results { #expect(error.code == .delivery, "\(error)") }
        await #expect(throws: KafkaError(code: .shutdown, reason: "")) { try await producer.beginTransaction() }
        await #expect(throws: KafkaError(code: .shutdown, reason: "")) { try await producer.commitTransaction() }
    }

    @Test func send_onTransactionalProducerOutsideATransaction_failsWithStateError() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("outside", partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.transactionalConfiguration(cluster.bootstrapServers, id: "tx-outside"), logger: logger)
        try await producer.initTransactions()
        try await producer.withTransaction { _ = try await producer.send(KafkaProducerRecord(topic: "outside", key: "in", value: [1])) }
        await #expect {
            try await producer.send(KafkaProducerRecord(topic: "outside", key: "out", value: [2]))
        } throws: { error in
            (error as? KafkaError)?.rdKafkaCode == -172   // RD_KAFKA_RESP_ERR__STATE
        }
        await producer.shutdown()
    }

    @Test func configuration_whenTransactionTimeoutIsShorterThanDeliveryTimeout_isRefusedAtStart() throws {
        var configuration = KafkaTestSupport.transactionalConfiguration("127.0.0.1:1", id: "tx-config")
        configuration.transactionTimeout = .seconds(10)
        configuration.deliveryTimeout = .seconds(30)
        #expect(throws: KafkaError(code: .configuration, reason: "")) {
            _ = try KafkaProducer(configuration: configuration, logger: logger)
        }
        configuration.deliveryTimeout = .seconds(10)
        _ = try KafkaProducer(configuration: configuration, logger: logger)
    }
}
