import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `worker` (issues 6 and 8): the real ``WorkerService`` — two of them, each with its own producer,
/// projection and ``ProjectorService`` as in two `almanac run --roles worker` processes — on the
/// embedded broker. Each repetition publishes `--runs` `job.triggered` events for one minute, the
/// way the ticker writes them (one `EventPublisher.publish` call), and is timed until an observer
/// has read every `job.completed` and `credits.charged` of them; the group's committed offsets must
/// then reach the end of `triggers` (checked, not timed). Before the repetitions, an untimed
/// warm-up minute runs `--warmup` jobs (default: all `--runs`) through the same path, as the C
/// baseline sends an untimed warm-up message: the timed minutes are the steady state.
///
/// - `--mode noop`: jobs run the built-in handler `almanac.noop`: runs/s (worker.e2e_noop; the
///   baseline is `rdkafka_baseline move`, driven by ops/bench).
/// - `--mode spawn`: jobs run `/bin/true` through ``ProcessRunner``: runs/s, against a plain loop
///   of `posix_spawn` + `waitpid` of `/bin/true` as many times, in this process, alternating.
/// - `--mode latency`: jobs run a handler that stamps the worker clock at its start; per
///   repetition the p50 / p99 of handler start − `scheduledFor`, where `scheduledFor` is the
///   minute boundary and the triggers are published at that instant of the worker clock.
struct WorkerBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker")

    enum Mode: String, ExpressibleByArgument { case noop, spawn, latency }

    @Option(help: "noop | spawn | latency") var mode: Mode = .noop
    @Option(help: "Runs (distinct jobs, each triggered once) per repetition.") var runs = 10_000
    @Option(help: "Repetitions (one minute of triggers each).") var reps = 1
    @Option(help: "Worker instances.") var workers = 2
    @Option(help: "Partitions of triggers and executions (co-partitioned).") var partitions = 12
    @Option(help: "Accounts the jobs are spread over (8 runs at once per account and worker).") var accounts = 200
    @Option(help: "WorkerService.Options.maxConcurrentRuns (investigation; default: the worker's).") var maxConcurrentRuns: Int?
    @Option(help: "WorkerService.Options.maxConcurrentHandlerRuns (investigation; default: the worker's).") var maxConcurrentHandlerRuns: Int?
    @Option(help: "linger.ms of the workers' producers (investigation; default: Almanac's 5 ms).") var lingerMs: Int?
    @Option(help: "Runs of an untimed warm-up minute before the repetitions (default: --runs; 0: none).") var warmup: Int?

    func run() async throws {
        let logger = KafkaBench.logger
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        var topics = AlmanacTopics(prefix: "bench.")
        topics.partitions = ["config": 6, "control": 6, "ticks": 1, "executions": partitions, "triggers": partitions,
                             "charges": partitions, "dlq": 1]
        for spec in topics.specifications { try cluster.createTopic(spec.name, partitions: spec.partitions) }
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let base = Date(timeIntervalSince1970: 1_772_456_400)  // 2026-03-02T13:00:00Z
        let clock = ShiftedClock()
        clock.set(now: base)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "bench")

        // The apps: `runs` jobs over `accounts` accounts (one app each), all `overlap: allow`.
        let keys = (0..<runs).map { JobKey(account: "acct-\($0 % accounts)", app: "app-\($0 % accounts)", job: "j\($0 / accounts)") }
        var jobsPerApp: [String: [JobConfiguration]] = [:]
        for key in keys {
            let job: JobConfiguration = switch mode {
            case .noop: JobConfiguration(name: key.job, schedule: nil, command: [], overlap: .allow, handler: "almanac.noop")
            case .latency: JobConfiguration(name: key.job, schedule: nil, command: [], overlap: .allow, handler: "bench.stamp")
            case .spawn: JobConfiguration(name: key.job, schedule: nil, command: ["/bin/true"], overlap: .allow)
            }
            jobsPerApp[key.account, default: []].append(job)
        }
        try await publisher.publish(jobsPerApp.keys.sorted().map { account in
            .appConfigured(AppConfigured(config: AppConfiguration(app: "app-" + account.dropFirst(5), account: account, jobs: jobsPerApp[account]!)))
        }, at: base)

        // The workers, started together so that they join the group in one rebalance (one after
        // the other, the mock broker takes ~25 s to move partitions to the second).
        let stamps = Stamps()
        var nodes: [Task<Void, Never>] = []
        var readies: [AsyncStream<Void>] = []
        let began = Bench.nanoseconds()
        for index in 0..<workers {
            let (tasks, ready) = try startWorker(index, kafka: kafka, topics: topics, clock: clock, stamps: stamps, logger: logger)
            nodes += tasks
            readies.append(ready)
        }
        let timeout = Task {
            try? await Task.sleep(for: .seconds(90))
            if !Task.isCancelled { Bench.fail("the workers were not ready after 90 s") }
        }
        for ready in readies { for await _ in ready { break } }
        timeout.cancel()
        Bench.log("\(workers) workers ready in \(Int(Double(Bench.nanoseconds() - began) / 1e6)) ms")

        var samples: [Double] = []
        var spawnLoop: [Double] = []
        var p50s: [Double] = []
        var messageBytes = 0.0
        var commitWaits: [Double] = []
        var coresUsed: [Double] = []
        let observer = try Observer(kafka: kafka, topics: topics, logger: logger)
        // Untimed, as the C baseline's warm-up message: the workers' producers learn the leaders of
        // `executions` and `charges`, and the process's first minute pages its heap in and runs
        // every path once; a worker in production has done this long before, so the timed minutes
        // measure the steady state. The first `warmup` jobs (all of them by default) run at `base`.
        if (warmup ?? runs) > 0 {
            let count = min(warmup ?? runs, runs)
            try await observer.start(expecting: count)
            clock.set(now: base)
            try await publisher.publish(keys.prefix(count).map {
                .jobTriggered(JobTriggered(triggerId: .scheduled($0, at: base), job: $0, scheduledFor: base, source: .scheduled))
            }, at: base)
            let seen = await observer.finish()
            try seen.verify(runs: count, exitCode: mode == .spawn ? 0 : nil)
            Bench.log("warm-up: \(count) runs recorded")
        }
        for rep in 0..<reps {
            if mode == .spawn {
                spawnLoop.append(Double(runs) / Self.spawnLoop(runs))
            }
            let minute = base.addingTimeInterval(Double(rep + 1) * 60)
            let triggers = keys.map { JobTriggered(triggerId: .scheduled($0, at: minute), job: $0, scheduledFor: minute, source: .scheduled) }
            try await observer.start(expecting: runs)
            stamps.reset()
            clock.set(now: minute)
            let cpuBefore = Bench.cpuSeconds()
            let began = Bench.nanoseconds()
            let reports = try await publisher.publish(triggers.map(AlmanacEvent.jobTriggered), at: minute)
            let published = Bench.nanoseconds()
            let seen = await observer.finish()
            let seconds = Double(seen.doneAt - began) / 1e9
            let cores = (Bench.cpuSeconds() - cpuBefore) / seconds
            coresUsed.append(cores)
            samples.append(mode == .latency ? 0 : Double(runs) / seconds)
            let triggerBytes = try triggers.reduce(0) { $0 + (try publisher.record(EventEnvelope(source: "bench", time: minute, event: .jobTriggered($1))).value.count) }
            messageBytes = Double(triggerBytes + seen.bytes) / Double(4 * runs)
            try seen.verify(runs: runs, exitCode: mode == .spawn ? 0 : nil)
            let waitedForCommit = try await Self.waitForCommits(kafka: kafka, topics: topics, ends: reports, logger: logger)
            commitWaits.append(waitedForCommit)
            var line = "rep \(rep + 1): \(runs) runs in \(String(format: "%.2f", seconds)) s = \(Int(Double(runs) / seconds)) runs/s "
                + "(publish \(Int(Double(published - began) / 1e6)) ms, CPU \(String(format: "%.2f", cores)) cores, commits \(Int(waitedForCommit)) ms later)"
            if mode == .latency {
                let latencies = stamps.values.sorted()
                guard latencies.count == runs else { Bench.fail("\(latencies.count) handler starts stamped, expected \(runs)") }
                let p50 = latencies[runs / 2] * 1000
                let p99 = latencies[min(runs - 1, Int((Double(runs) * 0.99).rounded(.up)) - 1)] * 1000
                samples[samples.count - 1] = p99
                p50s.append(p50)
                line += "; scheduledFor → handler start p50 \(Int(p50)) ms, p99 \(Int(p99)) ms, max \(Int(latencies.last! * 1000)) ms"
            }
            if mode == .spawn { line += "; plain spawn loop \(Int(spawnLoop.last!)) /s" }
            Bench.log(line)
        }
        await observer.close()
        try await Self.verifyKept(kafka: kafka, topics: topics, logger: logger)
        for node in nodes { node.cancel() }
        await producer.shutdown()

        let extra = ["runs": Double(runs), "workers": Double(workers), "partitions": Double(partitions), "accounts": Double(accounts),
                     "mean_message_bytes": messageBytes, "commit_wait_ms": Bench.median(commitWaits),
                     "cpu_cores": Bench.median(coresUsed)]
        switch mode {
        case .noop:
            BenchResult(name: "worker.e2e_noop", unit: "runs/s", samples: samples, extra: extra).emit()
        case .spawn:
            BenchResult(name: "worker.process_spawn", unit: "runs/s", samples: samples, extra: extra).emit()
            BenchResult(name: "worker.process_spawn", side: "spawn-loop", unit: "runs/s", samples: spawnLoop).emit()
        case .latency:
            BenchResult(name: "worker.dispatch_latency", unit: "ms", samples: samples,
                        extra: extra.merging(["p50_ms": Bench.median(p50s)]) { $1 }).emit()
        }
        Glibc.exit(0)  // the worker tasks are cancelled, not drained: do not wait for them
    }

    /// Starts a worker "process": its producer, projection, projector and ``WorkerService``.
    /// The stream yields once it is ready on its first partitions.
    private func startWorker(_ index: Int, kafka: KafkaConfiguration, topics: AlmanacTopics, clock: ShiftedClock, stamps: Stamps,
                             logger: Logger) throws -> ([Task<Void, Never>], AsyncStream<Void>) {
        var producerConfiguration = KafkaProducerConfiguration(client: kafka)
        if let lingerMs { producerConfiguration.linger = .milliseconds(lingerMs) }
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "bench-worker-\(index)")
        let store = ProjectionStore()
        var projector = try ProjectorService(store: store, kafka: kafka, publisher: publisher, topics: topics, clock: clock, logger: logger)
        // What `almanac run --roles worker` folds (RoleSet): config and control only.
        projector.foldsTicks = false
        projector.foldsExecutions = false
        projector.snapshots.write = false
        var options = WorkerService.Options()
        if let maxConcurrentRuns { options.maxConcurrentRuns = maxConcurrentRuns }
        if let maxConcurrentHandlerRuns { options.maxConcurrentHandlerRuns = maxConcurrentHandlerRuns }
        options.handlers.register("bench.stamp") { context in
            stamps.record(clock.now().timeIntervalSince(context.scheduledFor))
        }
        var worker = WorkerService(kafka: kafka, store: store, publisher: publisher, topics: topics, runner: ProcessRunner(clock: clock),
                                   pricing: PricingSchedule([.standard]), clock: clock, logger: logger, options: options)
        let (ready, readySink) = AsyncStream<Void>.makeStream()
        worker.onReady = { readySink.yield(); readySink.finish() }
        let projectorTask = Task { do { try await projector.run() } catch { Bench.fail("projector \(index): \(error)") } }
        let workerTask = Task { do { try await worker.run() } catch { Bench.fail("worker \(index): \(error)") } }
        return ([projectorTask, workerTask], ready)
    }

    /// Milliseconds until the group `almanac-workers` has committed every `triggers` offset
    /// up to the last trigger published (a run's offset is finished once its charge is acknowledged).
    private static func waitForCommits(kafka: KafkaConfiguration, topics: AlmanacTopics, ends reports: [KafkaDeliveryReport],
                                       logger: Logger) async throws -> Double {
        var targets: [KafkaTopicPartition: Int64] = [:]
        for report in reports { targets[report.topicPartition] = max(targets[report.topicPartition] ?? 0, report.offset + 1) }
        let reader = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka, groupID: "almanac-workers"), logger: logger)
        defer { Task { await reader.close() } }
        let began = Bench.nanoseconds()
        while true {
            let committed = try await reader.committed(Array(targets.keys))
            if targets.allSatisfy({ (committed[$0.key] ?? -1) >= $0.value }) { break }
            if Bench.nanoseconds() - began > 30_000_000_000 {
                Bench.fail("the workers did not commit every trigger within 30 s: \(targets.filter { (committed[$0.key] ?? -1) < $0.value }.count) partitions behind")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return Double(Bench.nanoseconds() - began) / 1e6
    }

    /// Fails unless the embedded broker kept every message (no partition lost its head).
    private static func verifyKept(kafka: KafkaConfiguration, topics: AlmanacTopics, logger: Logger) async throws {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka), logger: logger)
        let tps = [topics.triggers, topics.executions, topics.charges, topics.config].flatMap { topic in
            (0..<topics.partitions[String(topic.dropFirst(topics.prefix.count))]!).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
        }
        let marks = try await consumer.watermarks(tps)
        await consumer.close()
        if let dropped = marks.first(where: { $0.value.low != 0 }) {
            Bench.fail("the embedded broker dropped the head of \(dropped.key) (low \(dropped.value.low)): use more partitions or fewer runs")
        }
    }

    /// The baseline of worker.process_spawn: seconds to spawn `/bin/true` `count` times, one after
    /// the other, with `posix_spawn` and `waitpid` (no pipes, inherited environment).
    static func spawnLoop(_ count: Int) -> Double {
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { free(argv[0]) }
        return Bench.seconds {
            for _ in 0..<count {
                var pid: pid_t = 0
                let error = posix_spawn(&pid, "/bin/true", nil, nil, argv, environ)
                if error != 0 { Bench.fail("posix_spawn /bin/true: \(String(cString: strerror(error)))") }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                if status != 0 { Bench.fail("/bin/true exited with status \(status)") }
            }
        }
    }
}

/// The worker clock: the system clock shifted so that each repetition's triggers are published at
/// the instant of their minute boundary (what `scheduledFor` means when the ticker writes them).
final class ShiftedClock: WallClock {
    private let offsetNanoseconds = Atomic<Int64>(0)

    func now() -> Date { Date().addingTimeInterval(Double(offsetNanoseconds.load(ordering: .relaxed)) / 1e9) }
    var realSecondsPerSecond: Double { 1 }
    func sleep(until instant: Date) async throws {
        let delay = instant.timeIntervalSince(now())
        if delay > 0 { try await Task.sleep(for: .milliseconds(Int64(delay * 1000) + 1)) }
    }

    /// Shifts the clock so that `now()` is `instant` at this moment.
    func set(now instant: Date) {
        offsetNanoseconds.store(Int64(instant.timeIntervalSince(Date()) * 1e9), ordering: .relaxed)
    }
}

/// Handler start − `scheduledFor`, in seconds, as stamped by the `bench.stamp` handler.
final class Stamps: Sendable {
    private let latencies = Mutex<[Double]>([])
    func record(_ seconds: Double) { latencies.withLock { $0.append(seconds) } }
    func reset() { latencies.withLock { $0.removeAll(keepingCapacity: true) } }
    var values: [Double] { latencies.withLock { $0 } }
}

/// Reads `executions` and `charges` from where they end before a repetition and says when every
/// run's `job.completed` and `credits.charged` has been written (counted by their `ce_type` header;
/// decoded and checked afterwards, outside the clock).
final class Observer: Sendable {
    struct Seen: Sendable {
        var doneAt: UInt64 = 0
        var started = 0
        var completions: [[UInt8]] = []
        var charges: [[UInt8]] = []
        var bytes = 0

        /// Every run completed once, succeeded, and charged once.
        func verify(runs: Int, exitCode: Int32?) throws {
            var triggers = Set<TriggerID>()
            for value in completions {
                guard case .jobCompleted(let completed) = try EventCodec.decode(value).event else { Bench.fail("not a completion on executions") }
                guard completed.status == .succeeded, completed.exitCode == exitCode else {
                    Bench.fail("run \(completed.triggerId) ended \(completed.status) (exit \(completed.exitCode.map(String.init) ?? "-")): \(completed.error ?? "")")
                }
                triggers.insert(completed.triggerId)
            }
            var charged = Set<TriggerID>()
            for value in charges {
                guard case .creditsCharged(let charge) = try EventCodec.decode(value).event else { Bench.fail("not a charge on charges") }
                charged.insert(charge.chargeId)
            }
            guard triggers.count == runs, charged.count == runs, completions.count == runs, started >= runs else {
                Bench.fail("\(completions.count) completions of \(triggers.count) triggers, \(charges.count) charges of \(charged.count) ids, \(started) starts; expected \(runs) each")
            }
        }
    }

    private let consumer: KafkaConsumer
    private let admin: KafkaAdmin
    private let partitions: [KafkaTopicPartition]
    private let task = Mutex<Task<Seen, Never>?>(nil)

    init(kafka: KafkaConfiguration, topics: AlmanacTopics, logger: Logger) throws {
        var configuration = KafkaConsumerConfiguration(client: kafka)
        configuration.readsHeaders = false
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        admin = try KafkaAdmin(configuration: kafka, logger: logger)
        partitions = [topics.executions, topics.charges].flatMap { topic in
            (0..<topics.partitions[String(topic.dropFirst(topics.prefix.count))]!).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
        }
    }

    private static let completedEnd = Array(#""type":"almanac.job.completed"}"#.utf8)
    private static let chargedEnd = Array(#""type":"almanac.credits.charged"}"#.utf8)
    private static let startedEnd = Array(#""type":"almanac.job.started"}"#.utf8)

    /// Assigns the partitions at their current ends and starts reading; waits 1 s so that the
    /// embedded broker's first fetch after an assignment (0 or ~500 ms) is not timed.
    func start(expecting runs: Int) async throws {
        let ends = try await admin.endOffsets(partitions)
        try consumer.assign(partitions.map { ($0, .offset(ends[$0] ?? 0)) })
        let consumer = self.consumer
        task.withLock {
            $0 = Task {
                var seen = Seen()
                while seen.completions.count < runs || seen.charges.count < runs {
                    guard let messages = try? await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)) else { continue }
                    for message in messages {
                        // By the envelope's last member, `"type":"…"` (keys are written sorted), as
                        // the C baseline's consumer reads no headers either; `verify` decodes them.
                        if message.value.ends(with: Self.completedEnd) {
                            seen.completions.append(message.value)
                        } else if message.value.ends(with: Self.chargedEnd) {
                            seen.charges.append(message.value)
                        } else if message.value.ends(with: Self.startedEnd) {
                            seen.started += 1
                        } else {
                            continue
                        }
                        seen.bytes += message.value.count
                    }
                }
                seen.doneAt = Bench.nanoseconds()
                return seen
            }
        }
        try await Task.sleep(for: .seconds(1))
    }

    func finish() async -> Seen {
        let running = task.withLock { $0 }!
        let timeout = Task {
            try? await Task.sleep(for: .seconds(600))
            if !Task.isCancelled { Bench.fail("not every run was recorded within 600 s") }
        }
        defer { timeout.cancel() }
        return await running.value
    }

    func close() async { await consumer.close() }
}

extension Array where Element == UInt8 {
    /// Whether the bytes end with `suffix`.
    func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
