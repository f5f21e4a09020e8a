import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka
import Logging

/// `projector-rebuild` (issue 11): the projector folds N config / control / execution events from
/// the embedded broker, from offset 0 to the end; events/s against the floor of the same work
/// without the fold: the same consumer reading the same partitions and only decoding.
struct ProjectorRebuildBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "projector-rebuild")

    @Option(help: "Events in the log.") var events = 1_000_000
    @Option(help: "Repetitions of each side.") var reps = 5

    func run() async throws {
        let logger = KafkaBench.logger
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        // Enough partitions that no partition passes the embedded broker's ~5 MiB limit.
        var topics = AlmanacTopics(prefix: "bench.")
        topics.partitions = ["config": 16, "control": 16, "ticks": 1, "executions": 512, "triggers": 12, "charges": 12, "dlq": 1]
        for spec in topics.specifications { try cluster.createTopic(spec.name, partitions: spec.partitions) }
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "bench")

        Bench.log("producing \(events) events")
        let start = Date(timeIntervalSince1970: 1_772_456_400)  // 2026-03-02T13:00:00Z
        let apps = max(10, events / 200)
        var batch: [KafkaProducerRecord] = []
        var bytes = 0
        for i in 0..<events {
            let event: AlmanacEvent
            let app = "app-\(i % apps)"
            // The first `apps` events configure every app; pauses and resumes follow them in the log.
            let key = JobKey(account: "acct-\(i % apps % 97)", app: app, job: "job-\(i % 5)")
            switch i < apps ? 0 : 3 + i % 100 {
            case 0:
                event = .appConfigured(AppConfigured(config: AppConfiguration(app: app, account: key.account, jobs: (0..<5).map {
                    JobConfiguration(name: "job-\($0)", schedule: ["*:*/5", "9:00", "*:00", "0 */2 * * *", "mon-fri 8-18:*/15"][$0], command: ["/bin/true"])
                })))
            case 4, 5:
                event = i % 2 == 0 ? .schedulePaused(ScheduleToggled(app: app, reason: "bench")) : .scheduleResumed(ScheduleToggled(app: app))
            default:
                let at = start.addingTimeInterval(Double(i))
                event = .jobCompleted(JobCompleted(triggerId: TriggerID.scheduled(key, at: at), executionId: "e\(i)", job: key, status: .succeeded,
                                                   attempt: 1, exitCode: 0, startedAt: at, finishedAt: at.addingTimeInterval(0.2),
                                                   usage: RunUsage(emails: 1), stdoutTail: "ok\n"))
            }
            let record = try publisher.record(EventEnvelope(source: "bench", time: start.addingTimeInterval(Double(i) / 1000), event: event))
            bytes += record.value.count
            batch.append(record)
            if batch.count == 10_000 {
                try await producer.sendAll(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try await producer.sendAll(batch)
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let partitions = [topics.config, topics.control, topics.ticks, topics.executions].flatMap { topic in
            (0..<topics.partitions[String(topic.dropFirst(topics.prefix.count))]!).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
        }
        let ends = try await admin.endOffsets(partitions)
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka), logger: logger)
        let marks = try await consumer.watermarks(partitions)
        await consumer.close()
        if let dropped = marks.first(where: { $0.value.low != 0 }) {
            Bench.fail("the embedded broker dropped the head of \(dropped.key) (low watermark \(dropped.value.low), high \(dropped.value.high))")
        }
        let total = ends.values.reduce(0, +)
        guard total == Int64(events) else { Bench.fail("the log holds \(total) events, expected \(events)") }
        Bench.log("\(events) events, \(bytes / events) bytes on average")

        var fold: [Double] = []
        var decode: [Double] = []
        for rep in 0..<reps {
            // Alternate sides so that machine noise hits both alike.
            await Bench.settleKafka()
            decode.append(Double(events) / (try await decodeOnly(kafka: kafka, partitions: partitions, ends: ends)))
            await Bench.settleKafka()
            let store = ProjectionStore()
            let projector = try ProjectorService(store: store, kafka: kafka, publisher: publisher, topics: topics,
                                                 clock: SystemWallClock(), logger: logger)
            let began = Bench.nanoseconds()
            let task = Task { try await projector.run() }
            await store.waitUntilCaughtUp(to: ends)
            let seconds = Double(Bench.nanoseconds() - began) / 1e9
            task.cancel()
            _ = try? await task.value
            fold.append(Double(events) / seconds)
            if store.state.apps.count != apps { Bench.fail("the projection holds \(store.state.apps.count) apps, expected \(apps)") }
            Bench.log("rep \(rep + 1): fold \(Int(fold.last!)) ev/s, decode only \(Int(decode.last!)) ev/s")
        }
        await producer.shutdown()
        BenchResult(name: "projector.rebuild", unit: "events/s", samples: fold,
                    extra: ["events": Double(events), "bytes_per_event": Double(bytes / events)]).emit()
        BenchResult(name: "projector.rebuild", side: "decode-only", unit: "events/s", samples: decode).emit()
    }

    /// Seconds for an assign-only consumer to read every partition to `ends`, decoding each message.
    private func decodeOnly(kafka: KafkaConfiguration, partitions: [KafkaTopicPartition], ends: [KafkaTopicPartition: Int64]) async throws -> Double {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka), logger: KafkaBench.logger)
        let began = Bench.nanoseconds()
        try consumer.assign(partitions.map { ($0, .beginning) })
        var remaining = ends.values.reduce(0, +)
        var decoded = 0
        while remaining > 0 {
            for message in try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)) {
                if (try? EventCodec.decode(message.value)) != nil { decoded += 1 }
                remaining -= 1
            }
        }
        let seconds = Double(Bench.nanoseconds() - began) / 1e9
        await consumer.close()
        if decoded != events { Bench.fail("decoded \(decoded) of \(events)") }
        return seconds
    }
}
