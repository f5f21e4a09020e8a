import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka

/// `audit-replay` (issue 10): `almanac audit verify`'s replay — every Almanac topic read from the
/// embedded broker from offset 0 to the end and collected into an ``AuditLog`` (strict decode,
/// batches decoded in parallel), then reconciled — in events/s, against the floor of decoding
/// alone: one consumer reading the same partitions and only decoding each message.
struct AuditReplayBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit-replay")

    @Option(help: "Events in the log.") var events = 1_000_000
    @Option(help: "Repetitions of each side.") var reps = 3
    @Option(help: "Consumers reading side by side (default: AuditReplay's).") var lanes: Int?
    @Option(help: "Records handed to the producer at once.") var chunk = 100_000
    @Option(help: "The producer's linger.ms.") var lingerMs = 100

    func run() async throws {
        let logger = KafkaBench.logger
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        var topics = AlmanacTopics(prefix: "bench.")
        // Enough partitions that none passes the embedded broker's ~5 MiB limit.
        let wide = max(12, events / 4000)
        topics.partitions = ["config": 6, "control": 6, "ticks": 64, "triggers": wide, "executions": wide, "charges": wide, "dlq": 1]
        for spec in topics.specifications { try cluster.createTopic(spec.name, partitions: spec.partitions) }
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        var producerConfiguration = KafkaProducerConfiguration(client: kafka)
        producerConfiguration.linger = .milliseconds(lingerMs)
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "bench")

        Bench.log("producing \(events) events")
        let start = Date(timeIntervalSince1970: 1_772_456_400)  // 2026-03-02T13:00:00Z
        // One account per app, and about four apps (accounts) per partition, so that no partition
        // passes the embedded broker's ~5 MiB: with 7 shared accounts, 150,000 events put ~7 MiB of
        // charges on one partition, the broker dropped its head and the decode-only consumer waited
        // forever for it; with 100 accounts on 75 partitions, 300,000 put 8 accounts on one.
        let apps = max(100, events / 1000)
        var batch: [KafkaProducerRecord] = []
        var bytes = 0
        var produced = 0
        func add(_ event: AlmanacEvent, at time: Date) async throws {
            let record = try publisher.record(EventEnvelope(source: "bench", time: time, event: event))
            bytes += record.value.count
            batch.append(record)
            produced += 1
            if batch.count == chunk {
                try await producer.sendAll(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        for a in 0..<apps {
            try await add(.appConfigured(AppConfigured(config: AppConfiguration(app: "app-\(a)", account: "acct-\(a)", jobs: (0..<5).map {
                JobConfiguration(name: "job-\($0)", schedule: "*:*", command: ["/bin/true"])
            }))), at: start.addingTimeInterval(-60))
        }
        // Each minute: every job triggered, completed, charged (3 events each), one tick.
        var minute = 0
        while produced < events {
            let at = start.addingTimeInterval(Double(minute * 60))
            var runs = 0
            for a in 0..<apps {
                for j in 0..<5 {
                    let key = JobKey(account: "acct-\(a)", app: "app-\(a)", job: "job-\(j)")
                    let id = TriggerID.scheduled(key, at: at)
                    try await add(.jobTriggered(JobTriggered(triggerId: id, job: key, scheduledFor: at, source: .scheduled)), at: at.addingTimeInterval(1))
                    let done = JobCompleted(triggerId: id, executionId: "e-\(minute)-\(a)-\(j)", job: key, status: .succeeded, attempt: 1, exitCode: 0,
                                            startedAt: at.addingTimeInterval(1), finishedAt: at.addingTimeInterval(2), usage: RunUsage(emails: 1), stdoutTail: "ok\n")
                    try await add(.jobCompleted(done), at: at.addingTimeInterval(2))
                    try await add(.creditsCharged(Pricer.charge(for: done, complexity: 1, table: .standard)), at: at.addingTimeInterval(2))
                    runs += 1
                }
            }
            // Whole minutes only: every job of the minute triggered, completed, charged, then the tick.
            if runs == apps * 5 { try await add(.tickCompleted(TickCompleted(minute: at, triggered: apps * 5, skipped: 0, ticker: "bench")), at: at.addingTimeInterval(1)) }
            minute += 1
        }
        try await producer.sendAll(batch)
        let events = produced
        var replay = AuditReplay(kafka: kafka, topics: topics, logger: logger)
        if let lanes { replay.lanes = lanes }
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let described = try await admin.describeTopics()
        let partitions = replay.replayedTopics.flatMap { topic in (0..<(described[topic] ?? 0)).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) } }
        let ends = try await admin.endOffsets(partitions)
        let total = ends.values.reduce(0, +)
        guard total == Int64(events) else { Bench.fail("the log holds \(total) events, expected \(events) (the embedded broker dropped some?)") }
        let marksConsumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka), logger: logger)
        let marks = try await marksConsumer.watermarks(partitions)
        await marksConsumer.close()
        if let dropped = marks.first(where: { $0.value.low != 0 }) {
            Bench.fail("the embedded broker dropped the head of \(dropped.key) (low watermark \(dropped.value.low), high \(dropped.value.high)); use more partitions or keys")
        }
        guard try await admin.startOffsets(partitions) == marks.mapValues(\.low) else { Bench.fail("ListOffsets(earliest) disagrees with the watermarks") }
        Bench.log("\(events) events, \(bytes / events) bytes on average, \(replay.lanes) lanes")

        var audit: [Double] = []
        var decode: [Double] = []
        for rep in 0..<reps {
            await Bench.settleKafka()
            let decodeCPU = Bench.cpuSeconds()
            decode.append(Double(events) / (try await decodeOnly(replay: replay, total: total)))
            await Bench.settleKafka()
            let cpu = Bench.cpuSeconds()
            let began = Bench.nanoseconds()
            let log = try await replay.read()
            let readSeconds = Double(Bench.nanoseconds() - began) / 1e9
            let readCPU = Bench.cpuSeconds() - cpu
            let reconciler = AuditReconciler(log)
            let indexSeconds = Double(Bench.nanoseconds() - began) / 1e9 - readSeconds
            let result = reconciler.verify(pricing: PricingSchedule([.standard]))
            let seconds = Double(Bench.nanoseconds() - began) / 1e9
            let totalCPU = Bench.cpuSeconds() - cpu
            guard log.counts.messages == events, log.counts.undecodable == 0 else { Bench.fail("replayed \(log.counts.messages) of \(events)") }
            audit.append(Double(events) / seconds)
            Bench.log("rep \(rep + 1): audit verify \(Int(audit.last!)) ev/s (\(result.runs) runs, \(result.discrepancies.count) discrepancies\(result.discrepancies.first.map { ", e.g. \($0)" } ?? ""); read \(String(format: "%.2f", readSeconds)) s, reconcile \(String(format: "%.2f", seconds - readSeconds)) s of which index \(String(format: "%.2f", indexSeconds)) s; CPU s: read \(String(format: "%.2f", readCPU)), reconcile \(String(format: "%.2f", totalCPU - readCPU))), decode only \(Int(decode.last!)) ev/s (\(String(format: "%.2f", cpu - decodeCPU)) CPU s)")
        }
        await producer.shutdown()
        BenchResult(name: "audit.replay", unit: "events/s", samples: audit,
                    extra: ["events": Double(events), "bytes_per_event": Double(bytes / events)]).emit()
        BenchResult(name: "audit.replay", side: "decode-only", unit: "events/s", samples: decode).emit()
    }

    /// Seconds to read every partition to its end and only decode each message: the same fetch
    /// path as the audit (``LogSnapshotReader``'s lanes, values lent in place), no ``AuditLog``.
    private func decodeOnly(replay: AuditReplay, total: Int64) async throws -> Double {
        let reader = LogSnapshotReader(kafka: replay.kafka, topics: replay.replayedTopics, logger: KafkaBench.logger)
        let began = Bench.nanoseconds()
        let parts = try await reader.replay(lanes: replay.lanes, makePart: { 0 }) { decoded, message in
            if (try? EventCodec.decode(message.value)) != nil { decoded += 1 }
        }
        let seconds = Double(Bench.nanoseconds() - began) / 1e9
        let decoded = parts.reduce(0, +)
        if decoded != Int(total) { Bench.fail("decoded \(decoded) of \(total)") }
        return seconds
    }
}
