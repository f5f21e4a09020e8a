@testable import Almanac
import AlmanacCore
import Foundation
import Kafka
import Logging
import Testing

/// ``EventTimeSeeker`` on the embedded cluster: the bisection over fetched records' event times,
/// a broker hint that is right (simulated: the mock answers ListOffsets by time with -1), wrong,
/// or the mock's own, and a window read of ``AuditReplay`` that reads only its part of the topics.
@Suite struct EventTimeSeekerTests {
    static let start = Date(timeIntervalSince1970: 1_772_409_600)  // 2026-03-02T00:00:00Z
    static let logger = Logger(label: "seek-tests")

    /// Writes `count` tick events per partition, the i-th stamped `start + i` minutes; returns the cluster's config.
    static func cluster(topic: String, partitions: Int32, count: Int) async throws -> (EmbeddedKafkaCluster, KafkaConfiguration) {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic(topic, partitions: Int(partitions))
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        var records: [KafkaProducerRecord] = []
        for p in 0..<partitions {
            for i in 0..<count {
                let minute = start.addingTimeInterval(TimeInterval(i * 60))
                let envelope = EventEnvelope(source: "test", time: minute, event: .tickCompleted(TickCompleted(minute: minute, triggered: 0, skipped: 0, ticker: "t")))
                records.append(KafkaProducerRecord(topic: topic, key: [UInt8]("ticker".utf8), value: try EventCodec.encode(envelope), partition: p))
            }
        }
        _ = try await producer.sendAll(records)
        await producer.shutdown()
        return (cluster, kafka)
    }

    @Test func offsets_whenBisectingWithOrWithoutHints_findTheFirstEventAtOrAfterTheThreshold() async throws {
        let topic = "seek.ticks"
        let (cluster, kafka) = try await Self.cluster(topic: topic, partitions: 3, count: 500)
        _ = cluster
        let partitions = (0..<3).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
        let low = Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(0)) })
        let ends = Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(500)) })
        let thresholds = Dictionary(uniqueKeysWithValues: partitions.enumerated().map { ($1, Self.start.addingTimeInterval(TimeInterval([0, 137, 600][$0] * 60) - 30)) })
        let expected: [KafkaTopicPartition: Int64] = [partitions[0]: 0, partitions[1]: 137, partitions[2]: 500]

        var bisect = EventTimeSeeker(kafka: kafka, logger: Self.logger)
        bisect.hints = nil
        let plain = try await bisect.offsets(thresholds: thresholds, low: low, ends: ends, unknownIsBelow: false)
        #expect(plain.offsets == expected)
        #expect(plain.stats.rounds <= 10)

        // The mock's own answer (-1 for every time) is ignored.
        let mock = try await EventTimeSeeker(kafka: kafka, logger: Self.logger).offsets(thresholds: thresholds, low: low, ends: ends, unknownIsBelow: false)
        #expect(mock.offsets == expected)

        var right = EventTimeSeeker(kafka: kafka, logger: Self.logger)
        right.hints = { _, asked in Dictionary(uniqueKeysWithValues: asked.map { ($0, Optional(expected[$0]!)) }) }
        let hinted = try await right.offsets(thresholds: thresholds, low: low, ends: ends, unknownIsBelow: false)
        #expect(hinted.offsets == expected)
        #expect(hinted.stats.probes <= 5, "a right hint is confirmed in at most two probes per partition")
        #expect(hinted.stats.rounds <= 2)

        var wrong = EventTimeSeeker(kafka: kafka, logger: Self.logger)
        wrong.hints = { _, asked in Dictionary(uniqueKeysWithValues: asked.map { ($0, Optional(Int64(0))) }) }  // Tansu's answer
        let misled = try await wrong.offsets(thresholds: thresholds, low: low, ends: ends, unknownIsBelow: false)
        #expect(misled.offsets == expected)
    }

    @Test func readWindow_whenLogSpansDays_readsTheWindowAndAgreesWithTheWholeLog() async throws {
        let logger = Self.logger
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        let topics = AlmanacTopics()
        for (topic, n) in [(topics.config, 2), (topics.control, 2), (topics.ticks, 1), (topics.triggers, 4), (topics.executions, 4), (topics.charges, 4)] {
            try cluster.createTopic(topic, partitions: n)
        }
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "test")
        var job = JobConfiguration(name: "every", schedule: "*:*/10", command: ["/bin/true"])
        job.timeoutSeconds = 60
        let config = AppConfiguration(app: "app", account: "acct", timeZone: "UTC", jobs: [job])
        try await publisher.publish([.appConfigured(AppConfigured(config: config))], at: Self.start.addingTimeInterval(-3600))
        let key = JobKey(account: "acct", app: "app", job: "every")
        // Two days of a run every 10 minutes: trigger, completion, charge; a tick a minute.
        var events: [(event: AlmanacEvent, time: Date)] = []
        for minute in stride(from: 0, to: 2 * 1440, by: 1) {
            let at = Self.start.addingTimeInterval(TimeInterval(minute * 60))
            events.append((.tickCompleted(TickCompleted(minute: at, triggered: 0, skipped: 0, ticker: "t")), at.addingTimeInterval(1)))
            guard minute % 10 == 0 else { continue }
            let id = TriggerID.scheduled(key, at: at)
            events.append((.jobTriggered(JobTriggered(triggerId: id, job: key, scheduledFor: at, source: .scheduled)), at.addingTimeInterval(1)))
            let completed = JobCompleted(triggerId: id, executionId: "e", job: key, status: .succeeded, attempt: 1, exitCode: 0,
                                         startedAt: at.addingTimeInterval(2), finishedAt: at.addingTimeInterval(5), usage: RunUsage())
            let charge = CreditsCharged(triggerId: id, account: "acct", app: "app", job: "every", executionId: "e", status: .succeeded,
                                        pricingVersion: "v1", lineItems: [ChargeLineItem(item: "base", quantity: 1, unitPrice: Millicredits(1000), amount: Millicredits(1000))])
            events.append((.jobCompleted(completed), at.addingTimeInterval(5)))
            events.append((.creditsCharged(charge), at.addingTimeInterval(5)))
        }
        for result in try await publisher.publishEach(events) { _ = try result.get() }
        await producer.shutdown()
        let replay = AuditReplay(kafka: kafka, topics: topics, logger: logger)
        let from = Self.start.addingTimeInterval(86_400 + 8 * 3600)
        let to = from.addingTimeInterval(3600)
        let window = try await replay.read(from: from, to: to)
        let whole = try await replay.read()
        let runs = AuditReconciler(window.log).runs(app: "app", from: from, to: to)
        let expected = AuditReconciler(whole).runs(app: "app", from: from, to: to)
        #expect(runs.rows.count == 6)
        #expect(runs.rows.map(\.triggerId) == expected.rows.map(\.triggerId))
        #expect(runs.rows.map(\.outcome) == expected.rows.map(\.outcome))
        #expect(runs.discrepancies.isEmpty && expected.discrepancies.isEmpty)
        // The window's triggers, completions and charges, plus margin and lookahead: far from the
        // two days' 3 × 288 (the lookahead here is 125 s per attempt, at least 120 s).
        #expect(window.windowMessages < 3 * 6 * 2, "read \(window.windowMessages)")
        #expect(window.startStateMessages == 1 + 2 * 1440)
    }
}
