import AlmanacCore
import Foundation
import Kafka

extension WorkerService {
    /// Runs one started trigger and records it (``RunRecord``): `job.started`, the run, follow-ups,
    /// `job.completed`, then the charge and retry. A run stopped by a hand-off or shutdown is not
    /// recorded; its offset stays unfinished, so the trigger is read and run again.
    func execute(_ token: RunToken, _ item: WorkItem, _ context: Context) async {
        defer { context.inbox.wake() }
        let coordinator = context.coordinator
        let trigger = item.trigger
        guard let job = await configuredJob(trigger.job, context) else {
            coordinator.finish(token, outcome: await recordRemoved(trigger) ? .skipped : .abandoned)
            return
        }
        if trigger.source == .enqueue && job.config.pauseHoldsFollowUps {
            guard await holdWhilePaused(token, trigger, coordinator) else {
                coordinator.finish(token, outcome: .abandoned)
                return
            }
        }
        let executionId = ExecutionIDs.next()
        let startedAt = clock.now()
        let started = JobStarted(triggerId: trigger.triggerId, executionId: executionId, job: trigger.job, worker: workerID,
                                 startedAt: startedAt, attempt: trigger.attempt)
        guard await publishUntilWritten([.jobStarted(started)], at: startedAt, what: "the start of \(trigger.triggerId)") else {
            coordinator.finish(token, outcome: .abandoned)
            return
        }
        let request = options.directories.request(trigger, job.config)
        // A hand-off stops the run through the closure it registers (its task is not cancelled).
        let result = await runner.run(request) { stop in coordinator.setCancel(token, stop) }
        let finishedAt = clock.now()
        guard !result.interrupted, coordinator.beginRecording(token) else {
            logger.info("run of \(trigger.triggerId) stopped before it was recorded; it runs again on the partition's next owner")
            coordinator.finish(token, outcome: .abandoned)
            return
        }
        let state = store.state
        let (followUps, problems) = RunRecord.followUps(of: trigger, result: result, finishedAt: finishedAt) { name in
            state.job(JobKey(account: trigger.job.account, app: trigger.job.app, job: name)) != nil
        }
        let completion = RunRecord.completion(of: trigger, executionId: executionId, result: result, startedAt: startedAt,
                                              finishedAt: finishedAt, followUps: followUps, problems: problems)
        // Priced by the complexity in force when the run completed (as `almanac audit verify`
        // prices it, and as a recovery after a crash prices it again), not when it started.
        let complexity = (state.job(trigger.job) ?? job).complexity(at: finishedAt)
        let derived = RunRecord.derived(from: completion, trigger: trigger, complexity: complexity, pricing: pricing,
                                        retries: job.config.retries, retryBackoffSeconds: options.retryBackoffSeconds)
        var recorded = await publishUntilWritten(followUps.map { .jobTriggered($0) }, at: finishedAt, what: "follow-ups of \(trigger.triggerId)")
        if recorded {
            recorded = await publishUntilWritten([.jobCompleted(completion)], at: finishedAt, what: "the completion of \(trigger.triggerId)")
        }
        if recorded {
            // The commit point is in the log: the run is over and gives its slot back (bounded;
            // see `completionWritten`), while its offset stays unfinished until the charge is.
            if coordinator.completionWritten(token) { context.inbox.wake() }
            // After the commit point: if this fails (shutdown), the trigger is read again and
            // whoever reads it writes these from the completion.
            recorded = await publishUntilWritten(derived, at: finishedAt, what: "the charge of \(trigger.triggerId)")
        }
        coordinator.finish(token, outcome: recorded ? .completed(completion) : .abandoned)
    }

    /// Holds a follow-up of a job with `pauseHoldsFollowUps` while its app or job is paused
    /// (docs/design.md §5: the config says whether a pause also holds queued follow-ups); it starts once
    /// resumed. The held run keeps its slot, and its offset stays unfinished, so a partition's next
    /// owner holds it too.
    /// - Returns: false if the hold was cancelled (hand-off or shutdown): the trigger is not run here.
    private func holdWhilePaused(_ token: RunToken, _ trigger: JobTriggered, _ coordinator: WorkerCoordinator) async -> Bool {
        let store = self.store
        let clock = self.clock
        let key = trigger.job
        guard let pause = store.state.pause(app: key.app, job: key.job, at: clock.now()) else { return true }
        logger.info("follow-up \(trigger.triggerId) held: \(key.app) is paused (\(pause.reason ?? "no reason"))")
        let hold = Task {
            while store.state.pause(app: key.app, job: key.job, at: clock.now()) != nil {
                do { try await clock.sleep(seconds: 1) } catch { return false }
            }
            return !Task.isCancelled
        }
        coordinator.setCancel(token) { hold.cancel() }
        let released = await withTaskCancellationHandler { await hold.value } onCancel: { hold.cancel() }
        if released { logger.info("follow-up \(trigger.triggerId) released: \(key.app) resumed") }
        return released
    }

    /// Writes the events of a trigger that does not run.
    func perform(_ chore: WorkerInbox.Chore, _ context: Context) async {
        switch chore {
        case .skipOverlap(let item, let epoch):
            let trigger = item.trigger
            let skipped = JobSkipped(triggerId: trigger.triggerId, job: trigger.job, scheduledFor: trigger.scheduledFor,
                                     reason: .overlap, detail: "previous run still going")
            let written = await publishUntilWritten([.jobSkipped(skipped)], at: clock.now(), what: "the overlap skip of \(trigger.triggerId)")
            await finishChore(item, epoch: epoch, written: written, context)
        case .recover(let item, let completion, let epoch):
            // The completion is in the log, so the run is over; its charge and retry may not be.
            guard let job = store.state.job(item.trigger.job) else {
                // No longer configured: nothing to price it by, and a removed job is not charged.
                logger.warning("trigger \(item.trigger.triggerId) completed before, but its job is no longer configured: charge not written again")
                await finishChore(item, epoch: epoch, written: true, context)
                return
            }
            // The complexity in force when it completed: the same charge as the first try wrote.
            let events = RunRecord.derived(from: completion, trigger: item.trigger, complexity: job.complexity(at: completion.finishedAt),
                                           pricing: pricing, retries: job.config.retries, retryBackoffSeconds: options.retryBackoffSeconds)
            if completion.isCharged, !events.contains(where: { $0.kind == .creditsCharged }) {
                // A completion no worker wrote (usage past RunUsage's limits): no charge rather
                // than a trap that every restart would meet again.
                logger.error("trigger \(item.trigger.triggerId) completed with usage too large to price in 64-bit millicredits: no charge written (almanac audit verify reports it)")
            }
            logger.debug("trigger \(item.trigger.triggerId) completed before: writing its charge again (same chargeId)")
            let written = await publishUntilWritten(events, at: completion.finishedAt, what: "the charge of \(item.trigger.triggerId)")
            await finishChore(item, epoch: epoch, written: written, context)
        }
    }

    private func finishChore(_ item: WorkItem, epoch: Int, written: Bool, _ context: Context) async {
        if written {
            context.coordinator.finishChore(item.topicPartition, offset: item.offset, epoch: epoch)
        } else {
            context.coordinator.abandonChore(item.topicPartition, epoch: epoch)
        }
    }

    /// The job's configuration; for a job the projection does not know, after waiting (bounded)
    /// for the projection to read `config` to its end (the trigger may be newer than our view).
    private func configuredJob(_ key: JobKey, _ context: Context) async -> SchedulerState.JobState? {
        if let job = store.state.job(key) { return job }
        _ = await context.config.waitForEnd(timeout: options.unknownJobWait)
        return store.state.job(key)
    }

    /// Records a trigger whose job is not configured (app removed, job deleted) as
    /// `job.skipped(removed)`: it did not run, so it is not charged.
    /// - Returns: whether the record was written.
    private func recordRemoved(_ trigger: JobTriggered) async -> Bool {
        let now = clock.now()
        let detail = "job \(trigger.job) is not configured (app removed or job deleted)"
        logger.warning("trigger \(trigger.triggerId): \(detail); skipped")
        let event = AlmanacEvent.jobSkipped(JobSkipped(triggerId: trigger.triggerId, job: trigger.job, scheduledFor: trigger.scheduledFor,
                                                       reason: .removed, detail: detail))
        return await publishUntilWritten([event], at: now, what: "the removal skip of \(trigger.triggerId)")
    }

    /// Publishes `events` in order, retrying (0.2 s doubling to 5 s) until they are acknowledged.
    /// - Returns: false if the task was cancelled first (shutdown).
    func publishUntilWritten(_ events: [AlmanacEvent], at time: Date, what: String) async -> Bool {
        guard !events.isEmpty else { return true }
        var delay = 0.2
        while true {
            do {
                try await publisher.publish(events, at: time)
                return true
            } catch {
                if Task.isCancelled { return false }
                logger.error("could not write \(what) (retrying in \(delay) s): \(error)")
                try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
                delay = min(delay * 2, 5)
            }
        }
    }
}

extension WorkerService {
    /// Publishes events of many runs together (each at its own time), retrying those not
    /// acknowledged (0.2 s doubling to 5 s) until every one is, or the task is cancelled.
    /// - Returns: per event, whether it was acknowledged (all true unless cancelled: shutdown).
    /// - Parameter submitted: the first attempt, if the caller handed the events over already
    ///   (``EventPublisher/submitEach(_:)``).
    func publishEachUntilWritten(_ events: [(event: AlmanacEvent, time: Date)], what: String,
                                 submitted: EventPublisher.Submission? = nil) async -> [Bool] {
        var written = [Bool](repeating: false, count: events.count)
        var pending = Array(events.indices)
        var delay = 0.2
        var submitted = submitted
        while !pending.isEmpty {
            do {
                let results: [Result<KafkaDeliveryReport, KafkaError>]
                if let first = submitted {
                    submitted = nil
                    results = await first.wait()
                } else {
                    results = try await publisher.publishEach(pending.count == events.count ? events : pending.map { events[$0] })
                }
                var failed: [Int] = []
                var firstError: KafkaError?
                for (position, result) in results.enumerated() {
                    switch result {
                    case .success: written[pending[position]] = true
                    case .failure(let error):
                        failed.append(pending[position])
                        if firstError == nil { firstError = error }
                    }
                }
                pending = failed
                guard let firstError else { break }
                if Task.isCancelled { break }
                logger.error("could not write \(failed.count) of \(what) (retrying in \(delay) s): \(firstError)")
            } catch {
                if Task.isCancelled { break }
                logger.error("could not write \(what) (retrying in \(delay) s): \(error)")
            }
            try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            delay = min(delay * 2, 5)
        }
        return written
    }
}
