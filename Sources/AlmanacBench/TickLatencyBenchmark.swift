import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka

/// `tick-latency` (issue 11): with N scheduled jobs of which D are due in a minute, the time from the
/// minute boundary to the last `job.triggered` (and the `tick.completed`) acknowledged by the
/// embedded broker: what `TickerService` does per minute (end offsets of config/control, due set
/// from the index, plan, write, acknowledge). Baseline: the same minute planned by scanning every
/// schedule (`TickPlanner`'s reference path) instead of the due-index, written the same way.
struct TickLatencyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tick-latency")

    @Option(help: "Scheduled jobs.") var jobs = 1_000_000
    @Option(help: "Jobs due in each measured minute.") var due = 10_000
    @Option(help: "Measured minutes (repetitions).") var reps = 5

    func run() async throws {
        let logger = KafkaBench.logger
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        var topics = AlmanacTopics(prefix: "bench.")
        topics.partitions = ["config": 6, "control": 6, "ticks": 1, "executions": 12, "triggers": 192, "charges": 12, "dlq": 1]
        for spec in topics.specifications { try cluster.createTopic(spec.name, partitions: spec.partitions) }
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "bench")
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let controlPartitions = (0..<6).flatMap { p in [topics.config, topics.control].map { KafkaTopicPartition(topic: $0, partition: Int32(p)) } }

        // The projection, folded directly (the fold is benchmarked by projector.rebuild): `due` jobs
        // every 5 minutes, the rest daily at 03:30 New York time, never due in the measured minutes.
        Bench.log("configuring \(jobs) jobs")
        let configured = Date(timeIntervalSince1970: 1_772_456_400)  // 2026-03-02T13:00:00Z
        var state = SchedulerState()
        let perApp = 1000
        for app in 0..<(jobs + perApp - 1) / perApp {
            let count = min(perApp, jobs - app * perApp)
            let config = AppConfiguration(app: "app-\(app)", account: "acct-\(app % 100)", jobs: (0..<count).map { j in
                JobConfiguration(name: "j\(j)", schedule: app * perApp + j < due ? "*:*/5" : "30 3 * * *", command: ["/bin/true"])
            })
            state.apply(EventEnvelope(source: "bench", time: configured, event: .appConfigured(AppConfigured(config: config))))
        }
        var index = DueJobs(afterMinute: configured)
        index.sync(with: state)
        var fast: [Double] = []
        var scan: [Double] = []
        var minute = configured.addingTimeInterval(5 * 60)
        for rep in 0..<reps {
            fast.append(try await tick(minute, state: state, publisher: publisher, admin: admin, control: controlPartitions) {
                TickPlanner.plan(state: state, dueJobs: index.pop(minute: minute), minute: minute, now: minute, ticker: "bench")
            })
            minute = minute.addingTimeInterval(5 * 60)
            // The baseline plans the next due minute by scanning every schedule.
            let scanMinute = minute
            _ = index.pop(minute: scanMinute)  // keep the index in step
            scan.append(try await tick(scanMinute, state: state, publisher: publisher, admin: admin, control: controlPartitions) {
                TickPlanner.plan(state: state, minute: scanMinute, now: scanMinute, ticker: "bench")
            })
            minute = minute.addingTimeInterval(5 * 60)
            Bench.log("minute \(rep + 1): due-index \(Int(fast.last!)) ms, scan \(Int(scan.last!)) ms")
        }
        await producer.shutdown()
        BenchResult(name: "ticker.tick_latency", unit: "ms", samples: fast,
                    extra: ["jobs": Double(jobs), "due": Double(due), "p99_ms": fast.max()!]).emit()
        BenchResult(name: "ticker.tick_latency", side: "scan", unit: "ms", samples: scan).emit()
    }

    /// Milliseconds from the start of the minute's work to the acknowledgement of its last trigger
    /// and its tick marker.
    private func tick(_ minute: Date, state: SchedulerState, publisher: EventPublisher, admin: KafkaAdmin,
                      control: [KafkaTopicPartition], plan: () -> TickPlan) async throws -> Double {
        let began = Bench.nanoseconds()
        _ = try await admin.endOffsets(control)
        let planned = plan()
        if planned.triggers.count != due { Bench.fail("planned \(planned.triggers.count) triggers, expected \(due)") }
        try await publisher.publish(planned.triggers.map(AlmanacEvent.jobTriggered), at: minute)
        try await publisher.publish(.tickCompleted(planned.tick), at: minute)
        return Double(Bench.nanoseconds() - began) / 1e6
    }
}
