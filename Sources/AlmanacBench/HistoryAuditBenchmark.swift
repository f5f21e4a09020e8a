import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka
import Synchronization

/// `history-audit` (issue 24): what an audit costs against the log's age. One log of `--events`
/// events (`--apps` apps, one `*:*` job each with the default 600 s timeout: every minute each
/// job triggered, completed and charged, and one tick), then:
/// - `history.audit_window`: ``AuditReplay/read(from:to:margin:lookahead:seeker:startState:progress:)``
///   of a one-hour window two hours in, and its verify: messages read against the window's events
///   (plus config, control and ticks, read whole), and the peak RSS growth while it runs;
/// - `history.audit_full`: ``AuditReplay/verifyByWindows(pricing:eventsPerWindow:margin:lookahead:progress:)``
///   of the whole log, in events/s against the decode-only floor (the same lanes only decoding
///   every message), and its peak RSS growth.
/// RSS growth is the highest current RSS (sampled every 5 ms) minus the RSS before the read.
struct HistoryAuditBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history-audit")

    @Option(help: "Events in the log.") var events = 1_000_000
    @Option(help: "Apps (one job each, one account each).") var apps = 300
    @Option(help: "Repetitions of each side.") var reps = 3
    @Option(help: "Events per window of the whole-log verify.") var eventsPerWindow = 100_000

    func run() async throws {
        let logger = KafkaBench.logger
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        var topics = AlmanacTopics(prefix: "bench.")
        guard apps >= 100 || events <= 100_000 else { Bench.fail("--apps \(apps): use at least 100 apps for more than 100,000 events (the broker keeps ~5 MiB a partition)") }
        // Enough partitions and keys that none passes the embedded broker's ~5 MiB (it drops the head).
        let wide = max(12, events / 2000)
        topics.partitions = ["config": 6, "control": 6, "ticks": 16, "triggers": wide, "executions": wide, "charges": wide, "dlq": 1]
        for spec in topics.specifications { try cluster.createTopic(spec.name, partitions: spec.partitions) }
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        var producerConfiguration = KafkaProducerConfiguration(client: kafka)
        producerConfiguration.linger = .milliseconds(100)
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "bench")

        Bench.log("producing \(events) events")
        let start = Date(timeIntervalSince1970: 1_772_456_400)  // 2026-03-02T13:00:00Z
        var batch: [KafkaProducerRecord] = []
        var produced = 0
        var inWindow = 0
        let from = start.addingTimeInterval(2 * 3600)
        let to = from.addingTimeInterval(3600)
        func add(_ event: AlmanacEvent, at time: Date) async throws {
            batch.append(try publisher.record(EventEnvelope(source: "bench", time: time, event: event)))
            produced += 1
            if from <= time, time < to, event.kind.topic != "ticks" { inWindow += 1 }
            if batch.count == 100_000 {
                try await producer.sendAll(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        for a in 0..<apps {
            try await add(.appConfigured(AppConfigured(config: AppConfiguration(app: "app-\(a)", account: "acct-\(a)", jobs: [
                JobConfiguration(name: "job", schedule: "*:*", command: ["/bin/true"]),
            ]))), at: start.addingTimeInterval(-60))
        }
        var minute = 0
        while produced + 3 * apps + 1 <= events {
            let at = start.addingTimeInterval(Double(minute * 60))
            for a in 0..<apps {
                let key = JobKey(account: "acct-\(a)", app: "app-\(a)", job: "job")
                let id = TriggerID.scheduled(key, at: at)
                try await add(.jobTriggered(JobTriggered(triggerId: id, job: key, scheduledFor: at, source: .scheduled)), at: at.addingTimeInterval(1))
                let done = JobCompleted(triggerId: id, executionId: "e-\(minute)-\(a)", job: key, status: .succeeded, attempt: 1, exitCode: 0,
                                        startedAt: at.addingTimeInterval(1), finishedAt: at.addingTimeInterval(2), usage: RunUsage(emails: 1), stdoutTail: "ok\n")
                try await add(.jobCompleted(done), at: at.addingTimeInterval(2))
                try await add(.creditsCharged(Pricer.charge(for: done, complexity: 1, table: .standard)), at: at.addingTimeInterval(2))
            }
            try await add(.tickCompleted(TickCompleted(minute: at, triggered: apps, skipped: 0, ticker: "bench")), at: at.addingTimeInterval(1))
            minute += 1
        }
        try await producer.sendAll(batch)
        let events = produced
        let replay = AuditReplay(kafka: kafka, topics: topics, logger: logger)
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let described = try await admin.describeTopics()
        let partitions = replay.replayedTopics.flatMap { topic in (0..<(described[topic] ?? 0)).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) } }
        let ends = try await admin.endOffsets(partitions)
        let low = try await admin.startOffsets(partitions)
        guard ends.values.reduce(0, +) == Int64(events), low.values.allSatisfy({ $0 == 0 }) else {
            Bench.fail("the log holds \(ends.values.reduce(0, +)) events from \(low.values.max() ?? 0), expected \(events) from 0 (the embedded broker dropped some?)")
        }
        Bench.log("\(events) events over \(minute) minutes; the window \(RFC3339.utcMilliseconds(from)) to \(RFC3339.utcMilliseconds(to)) holds \(inWindow) of triggers, executions and charges")
        let pricing = PricingSchedule([.standard])

        var windowRead: [Double] = []
        var windowGrowth: [Double] = []
        var startState = 0
        var probes = 0
        var full: [Double] = []
        var fullGrowth: [Double] = []
        var decode: [Double] = []
        for rep in 0..<reps {
            await Bench.settleKafka()
            Bench.trimHeap()
            let sampler = RSSSampler()
            let window = try await replay.read(from: from, to: to)
            let verified = AuditReconciler(window.log).verify(from: from, to: to, pricing: pricing)
            let growth = sampler.stop()
            guard verified.isClean, verified.runs == 60 * apps else { Bench.fail("window verify: \(verified.runs) runs, \(verified.discrepancies.count) discrepancies") }
            windowRead.append(Double(window.windowMessages))
            windowGrowth.append(Double(growth))
            startState = window.startStateMessages
            probes = window.seek.probes

            await Bench.settleKafka()
            decode.append(Double(events) / (try await decodeOnly(replay: replay, total: Int64(events))))
            await Bench.settleKafka()
            Bench.trimHeap()
            let fullSampler = RSSSampler()
            let began = Bench.nanoseconds()
            let whole = try await replay.verifyByWindows(pricing: pricing, eventsPerWindow: eventsPerWindow)
            let seconds = Double(Bench.nanoseconds() - began) / 1e9
            fullGrowth.append(Double(fullSampler.stop()))
            // Runs up to one minute past the newest event count too (`not ticked yet`), as in any whole-log verify.
            guard whole.verification.isClean, whole.verification.runs >= minute * apps, whole.verification.runs <= (minute + 1) * apps else {
                Bench.fail("whole verify: \(whole.verification.runs) runs of \(minute * apps), \(whole.verification.discrepancies.count) discrepancies\(whole.verification.discrepancies.first.map { ", e.g. \($0)" } ?? "")")
            }
            full.append(Double(events) / seconds)
            Bench.log("rep \(rep + 1): window read \(window.windowMessages) (+ \(window.startStateMessages) start state, \(window.seek.probes) probes) for \(inWindow) in the window, RSS +\(growth >> 20) MiB; whole verify \(Int(full.last!)) ev/s in \(whole.windows) windows (\(whole.verification.counts.messages) messages read, \(whole.seek.probes) probes), RSS +\(Int(fullGrowth.last!) >> 20) MiB; decode only \(Int(decode.last!)) ev/s")
        }
        await producer.shutdown()
        BenchResult(name: "history.audit_window", unit: "messages", samples: windowRead,
                    extra: ["window_events": Double(inWindow), "start_state_messages": Double(startState), "probes": Double(probes),
                            "rss_growth_bytes": Bench.median(windowGrowth), "events": Double(events)]).emit()
        BenchResult(name: "history.audit_full", unit: "events/s", samples: full,
                    extra: ["rss_growth_bytes": Bench.median(fullGrowth), "events": Double(events), "events_per_window": Double(eventsPerWindow)]).emit()
        BenchResult(name: "history.audit_full", side: "decode-only", unit: "events/s", samples: decode).emit()
    }

    /// Seconds to read every partition to its end and only decode each message (the floor).
    private func decodeOnly(replay: AuditReplay, total: Int64) async throws -> Double {
        let reader = LogSnapshotReader(kafka: replay.kafka, topics: replay.replayedTopics, logger: KafkaBench.logger)
        let began = Bench.nanoseconds()
        let parts = try await reader.replay(lanes: replay.lanes, makePart: { 0 }) { decoded, message in
            if (try? EventCodec.decode(message.value)) != nil { decoded += 1 }
        }
        let seconds = Double(Bench.nanoseconds() - began) / 1e9
        if parts.reduce(0, +) != Int(total) { Bench.fail("decoded \(parts.reduce(0, +)) of \(total)") }
        return seconds
    }
}

/// Samples the current RSS every 5 ms on a thread of its own until ``stop()``, which returns the
/// highest sample minus the RSS at the start.
final class RSSSampler: Sendable {
    private let base = Bench.currentRSSBytes()
    private let peak = Atomic<Int>(0)
    private let running = Atomic<Bool>(true)
    private let done = DispatchSemaphore(value: 0)

    init() {
        peak.store(base, ordering: .relaxed)
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                let now = Bench.currentRSSBytes()
                if now > peak.load(ordering: .relaxed) { peak.store(now, ordering: .relaxed) }
                usleep(5000)
            }
            done.signal()
        }
        thread.start()
    }

    func stop() -> Int {
        running.store(false, ordering: .relaxed)
        done.wait()
        return max(0, peak.load(ordering: .relaxed) - base)
    }
}
