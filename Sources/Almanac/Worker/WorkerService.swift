import AlmanacCore
import Foundation
import Kafka
import Logging
import ServiceLifecycle
import Synchronization

/// Worker role: a member of the consumer group `almanac-workers` on `triggers`.
///
/// Many triggers of one partition run at once; the committed offset of a partition is the lowest
/// one not yet finished (``PartitionOffsetTracker``). On assignment a partition is held until its
/// idempotency set is rebuilt from the co-partitioned `executions` partition; a trigger whose
/// `job.completed` (or `job.skipped`) exists is never started again. For each run the worker writes
/// `job.started`, follow-up and retry triggers, `credits.charged`, then `job.completed` — charge
/// before completion, so a crash between them re-runs the trigger and re-writes the same `chargeId`
/// (deduplicated downstream) rather than leaving a completion without a charge.
public struct WorkerService: Service {
    public struct Options: Sendable {
        public var groupID = "almanac-workers"
        public var maxConcurrentRuns = 64
        public var maxConcurrentRunsPerAccount = 8
        /// How often finished offsets are committed.
        public var commitInterval: Duration = .milliseconds(500)
        /// Base of the retry backoff (doubles per attempt, ±20 % jitter), in clock seconds.
        public var retryBackoffSeconds: Double = 10
        public init() {}
    }

    let kafka: KafkaConfiguration
    let store: ProjectionStore
    let publisher: EventPublisher
    let topics: AlmanacTopics
    let runner: any JobRunner
    let pricing: PricingSchedule
    let clock: any WallClock
    let logger: Logger
    let options: Options
    let workerID: String
    /// Called once, when the first assigned partitions are ready to run triggers.
    public var onReady: @Sendable () -> Void = {}

    public init(kafka: KafkaConfiguration, store: ProjectionStore, publisher: EventPublisher, topics: AlmanacTopics,
                runner: any JobRunner, pricing: PricingSchedule, clock: any WallClock, logger: Logger,
                options: Options = Options()) {
        self.kafka = kafka
        self.store = store
        self.publisher = publisher
        self.topics = topics
        self.runner = runner
        self.pricing = pricing
        self.clock = clock
        self.logger = logger
        self.options = options
        self.workerID = ProcessInfo.processInfo.hostName + ":\(getpid())"
    }

    public func run() async throws {
        var configuration = KafkaConsumerConfiguration(client: kafka, groupID: options.groupID)
        configuration.client.clientID = "almanac-worker"
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let coordinator = WorkerCoordinator(limits: .init(maxConcurrentRuns: options.maxConcurrentRuns,
                                                          maxConcurrentRunsPerAccount: options.maxConcurrentRunsPerAccount))
        let (rebalances, rebalanceSink) = AsyncStream<KafkaRebalanceEvent>.makeStream()
        consumer.setRebalanceHandler { event in
            // Hold newly assigned partitions until their idempotency set is rebuilt.
            if case .assigned(let partitions) = event { consumer.pause(partitions) }
            rebalanceSink.yield(event)
        }
        try consumer.subscribe(topics: [topics.triggers])
        logger.info("worker \(workerID) joined group \(options.groupID)")

        await withTaskGroup(of: Void.self) { group in
            group.addTask { await handleRebalances(rebalances, consumer: consumer, coordinator: coordinator) }
            group.addTask { await commitLoop(consumer: consumer, coordinator: coordinator) }
            do {
                await withDiscardingTaskGroup { runs in
                    // Graceful shutdown stops taking triggers; running jobs finish (timeouts bound them).
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        let messages: [KafkaConsumerMessage]
                        do {
                            messages = try await consumer.poll(maxMessages: 500, timeout: .milliseconds(100))
                        } catch {
                            if Task.isCancelled { break }
                            logger.error("worker poll failed: \(error)")
                            try? await Task.sleep(for: .milliseconds(200))
                            continue
                        }
                        for message in messages {
                            await accept(message, coordinator: coordinator)
                        }
                        for item in await coordinator.startable() {
                            runs.addTask { await execute(item, coordinator: coordinator) }
                        }
                    }
                    // Leaving the group scope waits for running jobs (their runner enforces timeouts).
                }
            }
            rebalanceSink.finish()
            let final = await coordinator.offsetsToCommit()
            try? await consumer.commit(final)
            group.cancelAll()
        }
        await consumer.close()
    }

    private func handleRebalances(_ events: AsyncStream<KafkaRebalanceEvent>, consumer: KafkaConsumer, coordinator: WorkerCoordinator) async {
        var announcedReady = false
        for await event in events {
            switch event {
            case .revoked(let partitions):
                await coordinator.revoke(partitions)
            case .assigned(let partitions):
                for tp in partitions {
                    do {
                        let ids = try await ExecutionsIndex.finishedTriggers(partition: tp.partition, topics: topics, kafka: kafka, logger: logger)
                        await coordinator.ready(tp, finished: ids)
                        for message in await coordinator.takeHeld(tp) { await accept(message, coordinator: coordinator) }
                        consumer.resume([tp])
                        logger.debug("worker ready on \(tp) with \(ids.count) finished triggers")
                    } catch {
                        logger.error("could not rebuild the idempotency set of \(tp): \(error)")
                    }
                }
                if !announcedReady && !partitions.isEmpty {
                    announcedReady = true
                    onReady()
                }
            }
        }
    }

    private func commitLoop(consumer: KafkaConsumer, coordinator: WorkerCoordinator) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: options.commitInterval)
            let offsets = await coordinator.offsetsToCommit()
            guard !offsets.isEmpty else { continue }
            do {
                try await consumer.commit(offsets)
                await coordinator.committed(offsets)
            } catch {
                logger.debug("commit failed (will retry): \(error)")
            }
        }
    }

    private func accept(_ message: KafkaConsumerMessage, coordinator: WorkerCoordinator) async {
        // Fetched before its partition was held: keep it until the idempotency set is rebuilt.
        guard await coordinator.isReady(message.topicPartition) else {
            await coordinator.hold(message)
            return
        }
        let trigger: JobTriggered
        do throws(EventDecodingError) {
            let envelope = try EventCodec.decode(message.value)
            guard case .jobTriggered(let t) = envelope.event else {
                throw EventDecodingError(.wrongTopic, "\(envelope.type) does not belong on \(message.topic)")
            }
            trigger = t
        } catch {
            logger.warning("rejected \(message.topic)[\(message.partition)]@\(message.offset): \(error)")
            try? await publisher.reject(message, error, by: "worker", at: clock.now())
            await coordinator.discard(message.topicPartition, offset: message.offset)
            return
        }
        let item = WorkItem(trigger: trigger, topicPartition: message.topicPartition, offset: message.offset)
        let overlap = store.state.job(trigger.job)?.config.overlap ?? .skip
        // Manual, follow-up and retry runs are explicit requests: overlap policy applies to scheduled runs.
        switch await coordinator.admit(item, overlap: trigger.source == .scheduled ? overlap : .allow) {
        case .duplicate:
            logger.debug("trigger \(trigger.triggerId) already handled; not started again")
        case .skipOverlap:
            let skipped = JobSkipped(triggerId: trigger.triggerId, job: trigger.job, scheduledFor: trigger.scheduledFor,
                                     reason: .overlap, detail: "previous run still going")
            do {
                try await publisher.publish(.jobSkipped(skipped), at: clock.now())
                await coordinator.finish(item, ran: false)
            } catch {
                logger.error("could not record overlap skip of \(trigger.triggerId): \(error)")
            }
        case .accepted:
            break
        }
    }

    private func execute(_ item: WorkItem, coordinator: WorkerCoordinator) async {
        let trigger = item.trigger
        do {
            if let notBefore = trigger.notBefore { try await clock.sleep(until: notBefore) }
            try await runAndRecord(trigger)
            await coordinator.finish(item, ran: true)
        } catch {
            // Not finishing leaves the offset uncommitted: the trigger is retried after a restart.
            logger.error("run of \(trigger.triggerId) could not be recorded: \(error)")
            await coordinator.finish(item, ran: true)
        }
    }

    private func runAndRecord(_ trigger: JobTriggered) async throws {
        let executionId = UUID().uuidString.lowercased()
        let startedAt = clock.now()
        guard let job = store.state.job(trigger.job) else {
            let completed = JobCompleted(triggerId: trigger.triggerId, executionId: executionId, job: trigger.job, status: .failed,
                                         attempt: trigger.attempt, exitCode: nil, startedAt: startedAt, finishedAt: startedAt,
                                         usage: .none, error: "job \(trigger.job) is not configured (app removed?)")
            try await publisher.publish(.jobCompleted(completed), at: startedAt)
            return
        }
        try await publisher.publish(.jobStarted(JobStarted(triggerId: trigger.triggerId, executionId: executionId, job: trigger.job,
                                                           worker: workerID, startedAt: startedAt, attempt: trigger.attempt)), at: startedAt)
        let request = RunRequest(trigger: trigger, job: job.config, baseDirectory: job.config.workingDirectory,
                                 timeout: .seconds(job.config.timeoutSeconds))
        let result = await runner.run(request)
        let finishedAt = clock.now()
        var events: [AlmanacEvent] = []
        var followUpIDs: [TriggerID] = []
        var errors = result.error.map { [$0] } ?? []
        for (index, followUp) in result.followUps.enumerated() {
            guard store.state.job(JobKey(account: trigger.job.account, app: trigger.job.app, job: followUp.job)) != nil else {
                errors.append("follow-up \(index + 1): app \(trigger.job.app) has no job \"\(followUp.job)\"")
                continue
            }
            let id = trigger.triggerId.followUp(followUp.job, number: index + 1)
            followUpIDs.append(id)
            events.append(.jobTriggered(JobTriggered(
                triggerId: id, job: JobKey(account: trigger.job.account, app: trigger.job.app, job: followUp.job),
                scheduledFor: finishedAt, source: .enqueue, params: followUp.params, parentTriggerId: trigger.triggerId)))
        }
        if result.status != .succeeded, trigger.attempt <= job.config.retries {
            let backoff = options.retryBackoffSeconds * pow(2, Double(trigger.attempt - 1)) * Double.random(in: 0.8...1.2)
            events.append(.jobTriggered(JobTriggered(
                triggerId: trigger.triggerId.retry(attempt: trigger.attempt + 1), job: trigger.job, scheduledFor: trigger.scheduledFor,
                source: .retry, attempt: trigger.attempt + 1, params: trigger.params, parentTriggerId: trigger.triggerId,
                notBefore: finishedAt.addingTimeInterval(backoff))))
        }
        let completed = JobCompleted(triggerId: trigger.triggerId, executionId: executionId, job: trigger.job, status: result.status,
                                     attempt: trigger.attempt, exitCode: result.exitCode, startedAt: startedAt, finishedAt: finishedAt,
                                     usage: result.usage, followUps: followUpIDs, stdoutTail: result.stdoutTail,
                                     stderrTail: result.stderrTail, error: errors.isEmpty ? nil : errors.joined(separator: "; "))
        let charge = Pricer.charge(for: completed, complexity: job.config.complexity, table: pricing.table(at: trigger.scheduledFor))
        events.append(.creditsCharged(charge))
        try await publisher.publish(events, at: finishedAt)
        try await publisher.publish(.jobCompleted(completed), at: finishedAt)
    }
}
