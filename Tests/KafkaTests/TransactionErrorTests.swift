import Kafka
import Testing

/// Errors the embedded cluster injects into transactional requests surface as
/// ``KafkaError/Code/transaction`` with librdkafka's class — retriable, abortable or fatal — and
/// the producer does what that class promises afterwards.
@Suite("Transaction errors")
struct TransactionErrorTests {
    let logger = KafkaTestSupport.logger

    enum ErrorClass: Sendable, CustomStringConvertible {
        case retriable, abortable, fatal
        var description: String {
            switch self {
            case .retriable: "retriable"
            case .abortable: "abortable"
            case .fatal: "fatal"
            }
        }

        func matches(_ error: KafkaError) -> Bool {
            switch self {
            case .retriable: error.isRetriable && !error.isAbortable && !error.isFatal
            case .abortable: error.isAbortable && !error.isRetriable && !error.isFatal
            case .fatal: error.isFatal && !error.isRetriable && !error.isAbortable
            }
        }
    }

    /// A transactional producer, initialized, on a fresh cluster with `topic` (1 partition).
    func start(_ id: String, topic: String) async throws -> (EmbeddedKafkaCluster, KafkaProducer) {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.transactionalConfiguration(cluster.bootstrapServers, id: id), logger: logger)
        try await producer.initTransactions()
        return (cluster, producer)
    }

    /// EndTxn errors (API key 26) and the class librdkafka gives them; `expectedCode` is the
    /// `rdKafkaCode` thrown (47 is normalized to `_FENCED`, -144).
    @Test(arguments: [
        (injected: Int32(59), expectedCode: Int32(59), errorClass: ErrorClass.abortable),   // UNKNOWN_PRODUCER_ID
        (injected: 53, expectedCode: 53, errorClass: .fatal),                               // TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        (injected: 47, expectedCode: -144, errorClass: .fatal),                             // INVALID_PRODUCER_EPOCH → _FENCED
    ])
    func commitTransaction_whenEndTxnFails_throwsTypedErrorOfItsClass(injected: Int32, expectedCode: Int32, errorClass: ErrorClass) async throws {
        let (cluster, producer) = try await start("tx-endtxn-\(injected)", topic: "e")
        try await producer.beginTransaction()
        try await producer.sendAll([KafkaProducerRecord(topic: "e", key: "k", value: [1])])
        cluster.injectRequestErrors(apiKey: .endTxn, errorCodes: [injected])
        let error = try await #require(throws: KafkaError.self) { try await producer.commitTransaction() }
        #expect(error.code == .transaction && error.rdKafkaCode == expectedCode, "\(error)")
        #expect(errorClass.matches(error), "\(error) retriable=\(error.isRetriable) abortable=\(error.isAbortable) fatal=\(error.isFatal)")

        switch errorClass {
        case .abortable:
            // Abort, and the producer is ready for the next transaction.
            try await producer.abortTransaction()
            let report = try await producer.withTransaction {
                try await producer.send(KafkaProducerRecord(topic: "e", key: "next", value: [2]))
            }
            #expect(report.offset > 0)
        case .fatal:
            // Every later call fails fatally: the producer must be recreated.
            let again = try await #require(throws: KafkaError.self) { try await producer.beginTransaction() }
            #expect(again.isFatal && again.code == .transaction)
            await #expect { try await producer.abortTransaction() } throws: { ($0 as? KafkaError)?.isFatal == true }
            let replacement = try KafkaProducer(configuration: producer.configuration, logger: logger)
            try await replacement.initTransactions()
            try await replacement.withTransaction {
                _ = try await replacement.send(KafkaProducerRecord(topic: "e", key: "replacement", value: [3]))
            }
            await replacement.shutdown()
        case .retriable:
            Issue.record("no retriable EndTxn case here")
        }
        await producer.shutdown()
    }

    @Test func withTransaction_whenEndTxnFailsAbortably_abortsAndThrows() async throws {
        let (cluster, producer) = try await start("tx-with-endtxn", topic: "w")
        cluster.injectRequestErrors(apiKey: .endTxn, errorCodes: [59])
        let error = try await #require(throws: KafkaError.self) {
            try await producer.withTransaction {
                try await producer.sendAll([KafkaProducerRecord(topic: "w", key: "k", value: [1])])
            }
        }
        #expect(error.code == .transaction && error.rdKafkaCode == 59 && error.isAbortable)
        // withTransaction aborted it: a new transaction begins at once.
        try await producer.withTransaction {
            _ = try await producer.send(KafkaProducerRecord(topic: "w", key: "again", value: [2]))
        }
        await producer.shutdown()
    }

    @Test func commitTransaction_whenAddPartitionsToTxnIsRefused_throwsAbortableAndFailsTheSend() async throws {
        let (cluster, producer) = try await start("tx-addpartitions", topic: "p")
        try await producer.beginTransaction()
        // 29 = TOPIC_AUTHORIZATION_FAILED, for the request adding "p"[0] to the transaction.
        cluster.injectRequestErrors(apiKey: .addPartitionsToTxn, errorCodes: [29])
        let ticket = await producer.enqueue(contentsOf: [KafkaProducerRecord(topic: "p", key: "k", value: [1])])
        let error = try await #require(throws: KafkaError.self) { try await producer.commitTransaction() }
        #expect(error.code == .transaction && error.rdKafkaCode == 29 && error.isAbortable && !error.isFatal, "\(error)")
        let outcome = await ticket.wait()[0]
        #expect(throws: KafkaError.self) { try outcome.get() }
        #expect((try? outcome.get()) == nil)
        if case .failure(let sendError) = outcome { #expect(sendError.code == .delivery) }

        try await producer.abortTransaction()
        let report = try await producer.withTransaction {
            try await producer.send(KafkaProducerRecord(topic: "p", key: "next", value: [2]))
        }
        await producer.shutdown()
        let log = try await KafkaTestSupport.read(topic: "p", partitions: 1, count: 1, bootstrapServers: cluster.bootstrapServers)
        #expect(log.map(\.keyString) == ["next"] && log.first?.offset == report.offset)
    }

    @Test func sendOffsetsToTransaction_whenTxnOffsetCommitIsRefused_throwsAbortable() async throws {
        let (cluster, producer) = try await start("tx-offsets-refused", topic: "o")
        try await producer.beginTransaction()
        // 30 = GROUP_AUTHORIZATION_FAILED.
        cluster.injectRequestErrors(apiKey: .txnOffsetCommit, errorCodes: [30])
        let error = try await #require(throws: KafkaError.self) {
            try await producer.sendOffsetsToTransaction([KafkaTopicPartition(topic: "o", partition: 0): 1], group: KafkaConsumerGroupMetadata(groupID: "g"))
        }
        #expect(error.code == .transaction && error.rdKafkaCode == 30 && error.isAbortable && !error.isFatal, "\(error)")
        try await producer.abortTransaction()
        try await producer.withTransaction {
            try await producer.sendOffsetsToTransaction([KafkaTopicPartition(topic: "o", partition: 0): 1], group: KafkaConsumerGroupMetadata(groupID: "g"))
        }
        await producer.shutdown()
    }

    @Test func initTransactions_whenInitProducerIdFails_throwsRetriableOrFatalAsLibrdkafkaClassifies() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("i", partitions: 1)
        // 15 = COORDINATOR_NOT_AVAILABLE: librdkafka retries it itself; init succeeds.
        cluster.injectRequestErrors(apiKey: .initProducerId, errorCodes: [15, 15])
        let retried = try KafkaProducer(configuration: KafkaTestSupport.transactionalConfiguration(cluster.bootstrapServers, id: "tx-init-retried"), logger: logger)
        try await retried.initTransactions(timeout: .seconds(10))
        await retried.shutdown()

        // 53 = TRANSACTIONAL_ID_AUTHORIZATION_FAILED: fatal, and stays so.
        cluster.injectRequestErrors(apiKey: .initProducerId, errorCodes: [53])
        let refused = try KafkaProducer(configuration: KafkaTestSupport.transactionalConfiguration(cluster.bootstrapServers, id: "tx-init-refused"), logger: logger)
        let error = try await #require(throws: KafkaError.self) { try await refused.initTransactions(timeout: .seconds(10)) }
        #expect(error.code == .transaction && error.rdKafkaCode == 53 && ErrorClass.fatal.matches(error), "\(error)")
        await #expect { try await refused.initTransactions(timeout: .seconds(10)) } throws: { ($0 as? KafkaError)?.isFatal == true }
        await refused.shutdown()
    }

    /// withTransaction retries a commit that timed out (each call resumes the last): with a 1 s
    /// round trip and 300 ms per call, the commit succeeds within its attempts; with one attempt
    /// the retriable error is thrown and `commitTransaction` called again finishes the commit.
    @Test func withTransaction_whenCommitTimesOut_retriesTheCommitWithinItsAttempts() async throws {
        let (cluster, producer) = try await start("tx-with-retry", topic: "r")
        let report = try await producer.withTransaction(commitAttempts: 20, commitTimeout: .milliseconds(300)) {
            let report = try await producer.send(KafkaProducerRecord(topic: "r", key: "retried", value: [1]))
            cluster.setRoundTripTime(1, .seconds(1))
            return report
        }
        cluster.setRoundTripTime(1, .zero)

        let error = try await #require(throws: KafkaError.self) {
            try await producer.withTransaction(commitAttempts: 1, commitTimeout: .milliseconds(300)) {
                _ = try await producer.send(KafkaProducerRecord(topic: "r", key: "resumed", value: [2]))
                cluster.setRoundTripTime(1, .seconds(1))
            }
        }
        #expect(error.code == .transaction && error.rdKafkaCode == -185 && ErrorClass.retriable.matches(error), "\(error)")
        cluster.setRoundTripTime(1, .zero)
        try await producer.commitTransaction()
        await producer.shutdown()

        let log = try await KafkaTestSupport.read(topic: "r", partitions: 1, count: 2, bootstrapServers: cluster.bootstrapServers)
        #expect(log.map(\.keyString) == ["retried", "resumed"] && log.first?.offset == report.offset)
    }

    /// The retry rule: a call that timed out is retriable, goes on in the background, and the
    /// same call made again resumes it.
    @Test func initAndCommit_whenTheyTimeOut_throwRetriableAndSucceedWhenCalledAgain() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("t", partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.transactionalConfiguration(cluster.bootstrapServers, id: "tx-timeouts"), logger: logger)

        cluster.setBrokerDown(1)
        let initError = try await #require(throws: KafkaError.self) { try await producer.initTransactions(timeout: .seconds(1)) }
        #expect(initError.code == .transaction && initError.rdKafkaCode == -185 && ErrorClass.retriable.matches(initError), "\(initError)")
        cluster.setBrokerUp(1)
        try await producer.initTransactions(timeout: .seconds(15))

        try await producer.beginTransaction()
        let report = try await producer.send(KafkaProducerRecord(topic: "t", key: "slow-commit", value: [1]))
        cluster.setRoundTripTime(1, .seconds(2))
        let commitError = try await #require(throws: KafkaError.self) { try await producer.commitTransaction(timeout: .milliseconds(300)) }
        #expect(commitError.code == .transaction && commitError.rdKafkaCode == -185 && ErrorClass.retriable.matches(commitError), "\(commitError)")
        cluster.setRoundTripTime(1, .zero)
        try await producer.commitTransaction()
        // Committed: nothing is open to abort any more.
        await #expect { try await producer.abortTransaction() } throws: { ($0 as? KafkaError)?.rdKafkaCode == -172 }
        await producer.shutdown()

        let log = try await KafkaTestSupport.read(topic: "t", partitions: 1, count: 1, bootstrapServers: cluster.bootstrapServers)
        #expect(log.map(\.keyString) == ["slow-commit"] && log.first?.offset == report.offset)
    }
}
