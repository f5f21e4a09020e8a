@testable import Almanac
import AlmanacCore
import Foundation
import Kafka
import Logging
import Testing

/// The ticker's writer (issue 11: a minute's triggers and tick.completed in one transaction where
/// the broker supports it), against the embedded cluster.
@Suite struct TickWriterTests {
    let logger = Logger(label: "tick-writer-test")
    static let minute = RFC3339.parse("2026-03-02T15:00:00Z")!
    static let job = JobKey(account: "acct", app: "app", job: "beat")

    func start() throws -> (EmbeddedKafkaCluster, EventPublisher, KafkaConfiguration) {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        let topics = AlmanacTopics()
        for spec in topics.specifications { try cluster.createTopic(spec.name, partitions: spec.partitions) }
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        return (cluster, EventPublisher(producer: producer, topics: topics, source: "test"), kafka)
    }

    func minuteEvents(_ minute: Date) -> (events: [AlmanacEvent], ticks: [AlmanacEvent]) {
        let trigger = JobTriggered(triggerId: TriggerID.scheduled(Self.job, at: minute), job: Self.job, scheduledFor: minute, source: .scheduled)
        return ([.jobTriggered(trigger)], [.tickCompleted(TickCompleted(minute: minute, triggered: 1, skipped: 0, ticker: "test:1"))])
    }

    /// Every event on `topic` (all partitions), decoded, in partition-then-offset order.
    func read(_ topic: String, partitions: Int, expecting count: Int, kafka: KafkaConfiguration) async throws -> [AlmanacEvent] {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka), logger: logger)
        try consumer.assign((0..<partitions).map { (KafkaTopicPartition(topic: topic, partition: Int32($0)), .beginning) })
        var events: [AlmanacEvent] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while events.count < count && ContinuousClock.now < deadline {
            events += try await consumer.poll().map { try EventCodec.decode($0.value).event }
        }
        await consumer.close()
        return events
    }

    @Test func auto_onAClusterWithTransactions_writesTriggersAndTickInATransaction() async throws {
        let (cluster, publisher, kafka) = try start()
        let settings = TickerTransactions(mode: .auto, kafka: kafka, transactionalID: "ticker-test-auto")
        let writer = try await TickWriter.open(settings, publisher: publisher, logger: logger)
        #expect(writer.isTransactional)
        for offset in 0..<3 {
            let (events, ticks) = minuteEvents(Self.minute.addingTimeInterval(Double(60 * offset)))
            try await writer.write(events: events, ticks: ticks, at: Date())
        }
        await writer.close()
        await publisher.producer.shutdown()
        let ticks = try await read(publisher.topics.ticks, partitions: 1, expecting: 3, kafka: kafka)
        #expect(ticks.count == 3)
        let triggers = try await read(publisher.topics.triggers, partitions: 12, expecting: 3, kafka: kafka)
        #expect(Set(triggers.compactMap { if case .jobTriggered(let t) = $0 { t.scheduledFor } else { nil } })
                == Set((0..<3).map { Self.minute.addingTimeInterval(Double(60 * $0)) }))
        _ = cluster
    }

    @Test func always_whenTheClusterRefusesTransactions_throws_butAutoFallsBackAndStillWrites() async throws {
        let (cluster, publisher, kafka) = try start()
        // The process publisher is idempotent, so it asks for a producer id too: let it have one
        // before the cluster starts refusing.
        try await publisher.publish(.appRemoved(AppRemoved(app: "warm-up", account: "acct")), at: Date())
        // 53 = TRANSACTIONAL_ID_AUTHORIZATION_FAILED on InitProducerId: a cluster that refuses.
        cluster.injectRequestErrors(apiKey: .initProducerId, errorCodes: [53])
        await #expect(throws: KafkaError.self) {
            _ = try await TickWriter.open(TickerTransactions(mode: .always, kafka: kafka, transactionalID: "ticker-test-always"),
                                          publisher: publisher, logger: logger)
        }
        cluster.injectRequestErrors(apiKey: .initProducerId, errorCodes: [53])
        let writer = try await TickWriter.open(TickerTransactions(mode: .auto, kafka: kafka, transactionalID: "ticker-test-fallback"),
                                               publisher: publisher, logger: logger)
        #expect(!writer.isTransactional)
        let (events, ticks) = minuteEvents(Self.minute)
        try await writer.write(events: events, ticks: ticks, at: Date())
        await writer.close()
        await publisher.producer.shutdown()
        #expect(try await read(publisher.topics.ticks, partitions: 1, expecting: 1, kafka: kafka).count == 1)
    }

    @Test func whenTheCommitFailsAbortably_writeThrows_andTheNextWriteOfTheSameMinuteCommits() async throws {
        let (cluster, publisher, kafka) = try start()
        let writer = try await TickWriter.open(TickerTransactions(mode: .always, kafka: kafka, transactionalID: "ticker-test-abort"),
                                               publisher: publisher, logger: logger)
        let (events, ticks) = minuteEvents(Self.minute)
        // 59 = UNKNOWN_PRODUCER_ID on EndTxn: abortable; the transaction is aborted and the error thrown.
        cluster.injectRequestErrors(apiKey: .endTxn, errorCodes: [59])
        let error = try await #require(throws: KafkaError.self) { try await writer.write(events: events, ticks: ticks, at: Date()) }
        #expect(error.isAbortable, "\(error)")
        // The ticker plans the minute again: the same deterministic trigger id, committed this time.
        try await writer.write(events: events, ticks: ticks, at: Date())
        await writer.close()
        await publisher.producer.shutdown()
        // The mock shows aborted records too (it ignores isolation.level): the minute appears twice,
        // with the same trigger id — which is why workers dedupe by trigger id (docs/design.md §3).
        let triggers = try await read(publisher.topics.triggers, partitions: 12, expecting: 2, kafka: kafka)
        #expect(Set(triggers.compactMap { if case .jobTriggered(let t) = $0 { t.triggerId } else { nil } }).count == 1)
    }

    @Test func never_writesWithTheProcessPublisher() async throws {
        let (_, publisher, kafka) = try start()
        let writer = try await TickWriter.open(TickerTransactions(mode: .never, kafka: kafka, transactionalID: "unused"),
                                               publisher: publisher, logger: logger)
        #expect(!writer.isTransactional)
        await writer.close()
        await publisher.producer.shutdown()
    }
}
