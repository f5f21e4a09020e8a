import AlmanacCore
import Foundation
import Kafka
import Logging
import ServiceLifecycle
import Synchronization

/// Worker role: a member of the consumer group `almanac-workers` on `triggers` (docs/workers.md).
///
/// - Many triggers of one partition run at once; the committed offset of a partition is the lowest
///   one not finished (``PartitionOffsetTracker``), so a slow run never holds back the others.
/// - Admission is fair (``WorkerCoordinator``): a global cap, a per-account cap, accounts served
///   round-robin; the overlap policy decides per job.
/// - On assignment a partition is held until its idempotency index is rebuilt from the
///   co-partitioned `executions` partition; a trigger with a `job.completed` or `job.skipped` is
///   never started again. On revocation its runs get ``Options/handoffGrace`` to finish, then they
///   are stopped and left to the next owner, so that one owner only records a trigger.
/// - A run is recorded in three steps (``RunRecord``): follow-ups, then `job.completed` (the commit
///   point), then the derived `credits.charged` and retry; a completed trigger read again gets its
///   derived events written again, identical. Consumers see one completion per trigger id and
///   dedupe charges by `chargeId`. In-process handler runs taken to start together share each
///   step's write (WorkerService+HandlerBatch.swift).
/// - Graceful shutdown stops taking triggers, waits up to ``Options/shutdownGrace`` for running
///   jobs, stops the rest (they run again on the next owner), commits, and leaves the group.
public struct WorkerService: Service {
    public struct Options: Sendable {
        public var groupID = "almanac-workers"
        /// Process runs at once in this worker.
        public var maxConcurrentRuns = 64
        /// In-process handler runs at once in this worker, counted apart from the process runs: a
        /// handler run costs a task, not a process, and a short one spends most of its slot waiting
        /// for its completion to be acknowledged (docs/workers.md, "Handler runs in batches").
        public var maxConcurrentHandlerRuns = 4096
        /// Runs of both kinds at once per account in this worker.
        public var maxConcurrentRunsPerAccount = 8
        /// Accepted triggers waiting to start; above it the worker stops fetching until half are gone.
        public var maxQueuedTriggers = 10_000
        /// How often finished offsets are committed (real time).
        public var commitInterval: Duration = .milliseconds(500)
        /// Base of the retry backoff, in clock seconds: attempt n waits base × 2^(n-1), ±20 %.
        public var retryBackoffSeconds: Double = 10
        /// Real time a revoked partition's runs get to finish before they are stopped (the partition's
        /// next owner runs them again). The rebalance waits for it.
        public var handoffGrace: Duration = .seconds(5)
        /// Real time a graceful shutdown waits for running jobs before stopping them.
        public var shutdownGrace: Duration = .seconds(30)
        /// Events older than this (clock seconds) are left out of the idempotency index; keep it
        /// above the `triggers` topic's retention (14 days), after which no trigger is read again.
        public var idempotencyHorizonSeconds: Double = 15 * 86_400
        /// Whether a worker taking a partition reads `executions` only from the time that can
        /// still matter (``IdempotencyHorizon``, from the oldest trigger at or after the committed
        /// offset) instead of from the low watermark. Default true.
        public var boundedIdempotencyIndex = true
        /// Seconds kept before the longest run in ``IdempotencyHorizon`` (default 300).
        public var idempotencyGraceSeconds: Double = 300
        /// How long a trigger of a job the projection does not know waits for the projection to
        /// read `config` to its end before it is recorded as removed (real time).
        public var unknownJobWait: Duration = .seconds(10)
        /// In-process handlers, selected by jobs with `command: ["handler:NAME"]`.
        public var handlers = HandlerRegistry.builtIn
        /// Where jobs' code is (`--apps-root`) and where their outputs go (`ALMANAC_OUTPUT_DIR`).
        public var directories = JobDirectories()
        public init() {}
    }

    let kafka: KafkaConfiguration
    let store: ProjectionStore
    let publisher: EventPublisher
    let topics: AlmanacTopics
    let runner: RunnerSelection
    let pricing: PricingSchedule
    let clock: any WallClock
    let logger: Logger
    let options: Options
    let workerID: String
    /// Called once, when the first assigned partitions are ready to run triggers.
    public var onReady: @Sendable () -> Void = {}

    /// - Parameter runner: runs jobs that are processes (normally ``ProcessRunner``); jobs that
    ///   select a handler run with ``HandlerRunner`` over ``Options/handlers``.
    public init(kafka: KafkaConfiguration, store: ProjectionStore, publisher: EventPublisher, topics: AlmanacTopics,
                runner: any JobRunner, pricing: PricingSchedule, clock: any WallClock, logger: Logger,
                options: Options = Options()) {
        self.kafka = kafka
        self.store = store
        self.publisher = publisher
        self.topics = topics
        self.runner = RunnerSelection(processes: runner, handlers: HandlerRunner(registry: options.handlers, clock: clock))
        self.pricing = pricing
        self.clock = clock
        self.logger = logger
        self.options = options
        self.workerID = ProcessInfo.processInfo.hostName + ":\(getpid())"
    }

    /// Runs until graceful shutdown or cancellation.
    /// - Throws: a ``KafkaError`` if the consumer cannot be created or subscribed.
    public func run() async throws {
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(), logger: logger)
        let config = try ConfigCatchUp(kafka: kafka, topics: topics, store: store, logger: logger)
        let coordinator = WorkerCoordinator(limits: .init(maxConcurrentRuns: options.maxConcurrentRuns,
                                                          maxConcurrentHandlerRuns: options.maxConcurrentHandlerRuns,
                                                          maxConcurrentRunsPerAccount: options.maxConcurrentRunsPerAccount,
                                                          maxQueued: options.maxQueuedTriggers))
        let inbox = WorkerInbox()
        let (assignments, assignmentSink) = AsyncStream<(partitions: [KafkaTopicPartition], epoch: Int)>.makeStream()
        let context = Context(consumer: consumer, coordinator: coordinator, inbox: inbox, config: config)
        let logger = self.logger
        consumer.setRebalanceHandler { event in
            // On the consumer's queue, inside the rebalance: both steps complete before it does.
            switch event {
            case .assigned(let partitions):
                logger.info("assigned \(Self.describe(partitions))")
                // Not paused here (see WorkerCoordinatorState.take): held until ready instead.
                let epoch = coordinator.assigned(partitions)
                assignmentSink.yield((partitions, epoch))
            case .revoked(let partitions):
                logger.info("revoked \(Self.describe(partitions)); handing them over")
                blockingAwait { await self.handOff(Set(partitions), context) }
                // librdkafka keeps a partition's pause (for back pressure, or while its index was
                // built) into a later assignment of it, which is no longer paused at assignment
                // (see WorkerCoordinatorState.take): start that one unpaused.
                consumer.resume(partitions)
            }
        }
        try consumer.subscribe(topics: [topics.triggers])
        logger.info("worker \(workerID) joined group \(options.groupID)")

        await withTaskGroup(of: Void.self) { group in
            group.addTask { await prepare(assignments, context) }
            group.addTask { await commitLoop(context) }
            await withDiscardingTaskGroup { runs in
                runs.addTask { await pollLoop(context) }
                await dispatch(context, runs: &runs)
                await stopRuns(context)
            }
            assignmentSink.finish()
            let final = coordinator.offsetsToCommit()
            do {
                try await consumer.commit(final)
            } catch {
                logger.warning("final commit failed: \(error)")
            }
            group.cancelAll()
        }
        // Leaving the group revokes what is left through handOff (nothing runs any more).
        await consumer.close()
        logger.info("worker \(workerID) left group \(options.groupID)")
    }

    static func describe(_ partitions: [KafkaTopicPartition]) -> String {
        partitions.isEmpty ? "no partitions" : "\(partitions[0].topic)[\(partitions.map(\.partition).sorted().map(String.init).joined(separator: ","))]"
    }

    /// What the worker's tasks share.
    struct Context: Sendable {
        let consumer: KafkaConsumer
        let coordinator: WorkerCoordinator
        let inbox: WorkerInbox
        let config: ConfigCatchUp
    }

    /// Consumer settings: cooperative-sticky assignment (a member joining or leaving moves only the
    /// partitions that must move, so runs elsewhere are not disturbed); `session.timeout.ms`,
    /// `heartbeat.interval.ms`, `max.poll.interval.ms` and `partition.assignment.strategy` given in
    /// the Kafka properties (`--kafka-config`) win.
    func consumerConfiguration() -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(client: kafka, groupID: options.groupID)
        configuration.client.clientID = "almanac-worker"
        // Triggers are read from their value alone (a rejected one is copied raw).
        configuration.readsHeaders = false
        let properties = kafka.properties
        configuration.assignmentStrategy = properties["partition.assignment.strategy"] ?? "cooperative-sticky"
        if let ms = properties["session.timeout.ms"].flatMap(Int64.init) { configuration.sessionTimeout = .milliseconds(ms) }
        if let ms = properties["heartbeat.interval.ms"].flatMap(Int64.init) { configuration.heartbeatInterval = .milliseconds(ms) }
        if let ms = properties["max.poll.interval.ms"].flatMap(Int64.init) { configuration.maxPollInterval = .milliseconds(ms) }
        return configuration
    }

    /// Fetches triggers and admits them until graceful shutdown; pauses fetching while too many
    /// accepted triggers wait.
    private func pollLoop(_ context: Context) async {
        var pausedForBackPressure: Set<KafkaTopicPartition> = []
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let messages: [KafkaConsumerMessage]
            do {
                messages = try await context.consumer.poll(maxMessages: 500, timeout: .milliseconds(100))
            } catch {
                if Task.isCancelled { break }
                logger.error("worker poll failed: \(error)")
                try? await Task.sleep(for: .milliseconds(200))
                continue
            }
            await accept(messages, context)
            let queued = context.coordinator.queuedCount
            if queued > options.maxQueuedTriggers && pausedForBackPressure.isEmpty {
                pausedForBackPressure = Set(context.coordinator.readyPartitions)
                context.consumer.pause(Array(pausedForBackPressure))
                logger.info("\(queued) triggers wait: fetching paused")
            } else if !pausedForBackPressure.isEmpty && queued <= options.maxQueuedTriggers / 2 {
                let ready = Set(context.coordinator.readyPartitions)
                context.consumer.resume(Array(pausedForBackPressure.intersection(ready)))
                pausedForBackPressure = []
            }
        }
        context.inbox.finish()
    }

    /// Starts runs and chores as the inbox asks, until the inbox is finished (shutdown).
    private func dispatch(_ context: Context, runs: inout DiscardingTaskGroup) async {
        var timer: Task<Void, Never>?
        var timerDue: Date?
        for await work in context.inbox.stream {
            switch work {
            case .chore(let chore):
                runs.addTask { await perform(chore, context) }
            case .wake:
                context.inbox.tookWake()
                guard !Task.isShuttingDownGracefully else { continue }
                let (items, nextDue) = context.coordinator.startable(now: clock.now())
                // Process runs one task each; in-process handler runs in batches that share their
                // writes (WorkerService+HandlerBatch.swift).
                var handlerRuns: [(RunToken, WorkItem)] = []
                for (token, item) in items {
                    if item.inProcess {
                        handlerRuns.append((token, item))
                    } else {
                        runs.addTask { await execute(token, item, context) }
                    }
                }
                for start in stride(from: 0, to: handlerRuns.count, by: Self.handlerBatchLimit) {
                    let batch = Array(handlerRuns[start..<min(start + Self.handlerBatchLimit, handlerRuns.count)])
                    runs.addTask { await executeHandlers(batch, context) }
                }
                // A retry waiting for its notBefore: wake when it is due.
                if let nextDue, nextDue != timerDue {
                    timer?.cancel()
                    timerDue = nextDue
                    let clock = self.clock
                    let inbox = context.inbox
                    timer = Task {
                        try? await clock.sleep(until: nextDue)
                        if !Task.isCancelled { inbox.wake() }
                    }
                } else if nextDue == nil {
                    timerDue = nil
                }
            }
        }
        timer?.cancel()
    }

    /// Graceful shutdown: waits up to the grace for running jobs, then stops the rest.
    private func stopRuns(_ context: Context) async {
        let deadline = ContinuousClock.now + options.shutdownGrace
        while context.coordinator.runningCount > 0 && ContinuousClock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let stopped = context.coordinator.abandonAll()
        if stopped > 0 { logger.warning("shutdown: stopped \(stopped) run(s) still going; their next owner runs them again") }
    }

    private func commitLoop(_ context: Context) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: options.commitInterval)
            let offsets = context.coordinator.offsetsToCommit()
            guard !offsets.isEmpty else { continue }
            do {
                try await context.consumer.commit(offsets)
                context.coordinator.committed(offsets)
            } catch {
                logger.debug("commit failed (will retry): \(error)")
            }
        }
    }

    /// Decodes and admits the triggers of one poll, in order: one look at the coordinator sorts
    /// them (admit, hold, drop), one snapshot of the projection gives their jobs, one more look
    /// admits them, and the dispatcher is woken once.
    func accept(_ messages: [KafkaConsumerMessage], _ context: Context) async {
        guard !messages.isEmpty else { return }
        let takes = context.coordinator.take(messages)
        let state = store.state
        var admissible: [(item: WorkItem, overlap: OverlapPolicy)] = []
        admissible.reserveCapacity(messages.count)
        var rejected: [(KafkaConsumerMessage, EventDecodingError)] = []
        var pauses: [KafkaTopicPartition] = []
        for (message, take) in zip(messages, takes) {
            switch take {
            case .admit:
                break
            case .hold(let pause):
                if pause { pauses.append(message.topicPartition) }
                continue
            case .drop:
                continue
            }
            let trigger: JobTriggered
            do throws(EventDecodingError) {
                let envelope = try EventCodec.decode(message.value)
                guard case .jobTriggered(let t) = envelope.event else {
                    throw EventDecodingError(.wrongTopic, "\(envelope.type) does not belong on \(message.topic)")
                }
                // A key that is not the job's is malformed, not a removed job: rejected, not skipped.
                if let problem = JobKeyRule.problem(key: message.keyString, job: t.job) { throw problem }
                trigger = t
            } catch {
                rejected.append((message, error))
                continue
            }
            let config = state.job(trigger.job)?.config
            // A job the projection does not know yet takes a process slot (the larger cost).
            let item = WorkItem(trigger: trigger, topicPartition: message.topicPartition, offset: message.offset,
                                inProcess: config?.handlerName != nil)
            // Manual, follow-up and retry runs are explicit requests: the overlap policy applies to
            // scheduled runs. A job the projection does not know yet is decided when it runs.
            admissible.append((item, trigger.source == .scheduled ? (config?.overlap ?? .allow) : .allow))
        }
        if !pauses.isEmpty { context.consumer.pause(pauses) }
        var accepted = false
        for ((item, _), admission) in zip(admissible, context.coordinator.admit(admissible)) {
            switch admission {
            case .notOwned, .attached:
                break
            case .duplicate:
                logger.debug("trigger \(item.trigger.triggerId) already handled; not started again")
            case .skipOverlap(let epoch):
                if !context.inbox.add(.skipOverlap(item, epoch: epoch)) { context.coordinator.abandonChore(item.topicPartition, epoch: epoch) }
            case .recover(let completion, let epoch):
                if !context.inbox.add(.recover(item, completion, epoch: epoch)) { context.coordinator.abandonChore(item.topicPartition, epoch: epoch) }
            case .accepted:
                accepted = true
            }
        }
        if accepted { context.inbox.wake() }
        for (message, error) in rejected {
            logger.warning("rejected \(message.topic)[\(message.partition)]@\(message.offset): \(error)")
            _ = await publishUntilWritten([.eventRejected(EventRejected(
                topic: message.topic, partition: message.partition, offset: message.offset, key: message.keyString, raw: message.value,
                reason: error.reason, detail: error.detail, rejectedBy: "worker"))], at: clock.now(), what: "a rejection")
            context.coordinator.discard(message.topicPartition, offset: message.offset)
        }
    }
}
