import AlmanacCore
import Foundation
import Kafka
import Synchronization

/// In-process handler runs, started and recorded in batches.
///
/// A handler run costs microseconds of CPU, so what it costs the worker is its writes. Written one
/// run at a time (as a process run is, ``WorkerService/execute(_:_:_:)``), each of its three writes
/// is a hand-over to the producer's thread, a delivery wait and a task resumption; here the runs
/// the dispatcher takes to start together share them:
///
/// 1. one write of every `job.started` of the batch, handed to the producer before the handlers
///    start, each in a task of its own (``HandlerRunner/start(_:completion:)``), so a slow or
///    failing handler holds back no other run; a run's completion follows its start in their
///    `executions` partition without waiting for the start's acknowledgement;
/// 2. a run that ended gives its slot back at once (``WorkerCoordinator/beginRecordingReleasingSlots(_:)``;
///    its writes hold none, bounded by the handler slots);
/// 3. the runs that ended since the last recording are recorded together, in the three steps of
///    ``RunRecord`` — their follow-ups, then their completions (the commit point), then their
///    charges and retries — while later runs of the batch keep going.
///
/// Each run keeps the rules of a run recorded alone: its events are retried until acknowledged,
/// and a run whose write was not acknowledged (shutdown) or that was stopped (hand-off) is not
/// recorded, so its trigger runs again on the partition's next owner.
extension WorkerService {
    /// The most in-process runs taken to start with one `job.started` write.
    static let handlerBatchLimit = 512

    /// One run of a batch; a class, so that the batch's arrays and results pass it around without
    /// copying its trigger and job state.
    final class BatchedRun: Sendable {
        let token: RunToken
        let item: WorkItem
        let job: SchedulerState.JobState
        let executionId: String

        init(token: RunToken, item: WorkItem, job: SchedulerState.JobState, executionId: String) {
            self.token = token
            self.item = item
            self.job = job
            self.executionId = executionId
        }
    }

    /// Runs in-process triggers the dispatcher took to start together. Those whose job is not
    /// known yet or whose follow-up a pause may hold take the one-run path, which waits for them.
    func executeHandlers(_ batch: [(RunToken, WorkItem)], _ context: Context) async {
        defer { context.inbox.wake() }
        let state = store.state
        var runs: [BatchedRun] = []
        var alone: [(RunToken, WorkItem)] = []
        runs.reserveCapacity(batch.count)
        for (token, item) in batch {
            let trigger = item.trigger
            guard let job = state.job(trigger.job), job.config.handlerName != nil,
                  !(trigger.source == .enqueue && job.config.pauseHoldsFollowUps) else {
                alone.append((token, item))
                continue
            }
            runs.append(BatchedRun(token: token, item: item, job: job, executionId: ExecutionIDs.next()))
        }
        await withDiscardingTaskGroup { group in
            for (token, item) in alone { group.addTask { await execute(token, item, context) } }
            if !runs.isEmpty { await runBatch(runs, context) }
        }
    }

    private func runBatch(_ runs: [BatchedRun], _ context: Context) async {
        let coordinator = context.coordinator
        let startedAt = clock.now()
        let started = runs.map { run in
            (event: AlmanacEvent.jobStarted(JobStarted(triggerId: run.item.trigger.triggerId, executionId: run.executionId,
                                                       job: run.item.trigger.job, worker: workerID, startedAt: startedAt,
                                                       attempt: run.item.trigger.attempt)),
             time: startedAt)
        }
        // Every `job.started` of the batch is handed to the producer before any handler starts,
        // and the handlers start without waiting for its acknowledgement: a completion, written
        // later to the same `executions` partition (both are keyed by the job), follows its start
        // there (the idempotent producer keeps a partition's order through retries).
        let submission = try? publisher.submitEach(started)
        async let startsWritten = publishEachUntilWritten(started, what: "the starts of \(runs.count) run(s)", submitted: submission)
        let ended = EndedRuns()
        let latch = StopLatch()
        let clock = self.clock
        var stops: [(RunToken, @Sendable () -> Void)] = []
        stops.reserveCapacity(runs.count)
        for (index, run) in runs.enumerated() {
            let config = run.job.config
            let request = options.directories.request(run.item.trigger, config)
            let stop = runner.handlers.start(request) { result in ended.add(index, result, finishedAt: clock.now()) }
            latch.register(stop)
            stops.append((run.token, stop))
        }
        // A hand-off stops a run through its closure (and at once if it was abandoned already).
        coordinator.setCancels(stops)
        var going = runs.count
        // Cancelling this task (the worker is stopped without its grace) stops the runs: their
        // results arrive interrupted and are not recorded.
        await withTaskCancellationHandler {
            while going > 0 {
                // Woken by the first run that ended: let the handler tasks queued behind it end
                // too, so that they are recorded together rather than one write each.
                var batch = await ended.next()
                if batch.count < going {
                    await Task.yield()
                    batch += ended.take()
                }
                going -= batch.count
                await record(batch.map { (runs[$0.index], $0.result, $0.finishedAt) }, startedAt: startedAt, context)
            }
        } onCancel: {
            latch.fire()
        }
        // Retried until written like every other event (unless shutting down); a start written
        // only after its completion (it failed first) is out of order, but not lost.
        let written = await startsWritten
        if written.contains(false) {
            logger.warning("\(written.count { !$0 }) of \(runs.count) job.started events were not written (shutting down)")
        }
    }

    /// Records runs that ended, which first give their slots back: follow-ups, completions, then
    /// charges and retries, one write per step for all of them.
    private func record(_ ended: [(run: BatchedRun, result: RunResult, finishedAt: Date)], startedAt: Date, _ context: Context) async {
        let coordinator = context.coordinator
        let state = store.state
        struct Recording {
            var run: BatchedRun
            var completion: JobCompleted
            var followUps: [JobTriggered]
            var derived: [AlmanacEvent]
            var finishedAt: Date
            var written = true
        }
        var recordings: [Recording] = []
        recordings.reserveCapacity(ended.count)
        // Interrupted runs are not recorded; the others begin recording and give their slots back.
        let begun = coordinator.beginRecordingReleasingSlots(ended.filter { !$0.result.interrupted }.map(\.run.token))
        var beginning = begun.makeIterator()
        var abandoned: [(RunToken, WorkerCoordinator.Outcome)] = []
        for (run, result, finishedAt) in ended {
            let trigger = run.item.trigger
            let recordable = result.interrupted ? false : beginning.next()!.record
            guard recordable else {
                logger.info("run of \(trigger.triggerId) stopped before it was recorded; it runs again on the partition's next owner")
                abandoned.append((run.token, .abandoned))
                continue
            }
            let (followUps, problems) = RunRecord.followUps(of: trigger, result: result, finishedAt: finishedAt) { name in
                state.job(JobKey(account: trigger.job.account, app: trigger.job.app, job: name)) != nil
            }
            let completion = RunRecord.completion(of: trigger, executionId: run.executionId, result: result, startedAt: startedAt,
                                                  finishedAt: finishedAt, followUps: followUps, problems: problems)
            // Priced by the complexity in force when the run completed (see `execute`).
            let complexity = (state.job(trigger.job) ?? run.job).complexity(at: finishedAt)
            let derived = RunRecord.derived(from: completion, trigger: trigger, complexity: complexity, pricing: pricing,
                                            retries: run.job.config.retries, retryBackoffSeconds: options.retryBackoffSeconds)
            recordings.append(Recording(run: run, completion: completion, followUps: followUps, derived: derived, finishedAt: finishedAt))
        }
        if !abandoned.isEmpty { coordinator.finish(abandoned) }
        // The runs are over: their slots go to the next runs while these are written.
        if begun.contains(where: \.freed) { context.inbox.wake() }
        guard !recordings.isEmpty else { return }

        /// Writes one step's events of the recordings still written so far; a recording any of
        /// whose events is not acknowledged is no longer written.
        func step(_ what: String, _ events: (Recording) -> [AlmanacEvent]) async {
            var batch: [(event: AlmanacEvent, time: Date)] = []
            var owners: [Int] = []
            for (index, recording) in recordings.enumerated() where recording.written {
                for event in events(recording) {
                    batch.append((event, recording.finishedAt))
                    owners.append(index)
                }
            }
            guard !batch.isEmpty else { return }
            let acknowledged = await publishEachUntilWritten(batch, what: what)
            for (position, owner) in owners.enumerated() where !acknowledged[position] { recordings[owner].written = false }
        }

        await step("the follow-ups of \(recordings.count) run(s)") { $0.followUps.map { .jobTriggered($0) } }
        await step("the completions of \(recordings.count) run(s)") { [.jobCompleted($0.completion)] }
        // The commit points are in the log: runs that still held their slot give it back.
        if coordinator.completionsWritten(recordings.filter(\.written).map(\.run.token)) { context.inbox.wake() }
        // After the commit point: if this fails (shutdown), the trigger is read again and
        // whoever reads it writes these from the completion.
        await step("the charges of \(recordings.count) run(s)") { $0.derived }
        coordinator.finish(recordings.map { ($0.run.token, $0.written ? .completed($0.completion) : .abandoned) })
    }
}

/// The results of a batch's runs as they end, for the batch's task to record: each wait takes
/// every result that arrived since the last one.
private final class EndedRuns: Sendable {
    struct Ended: Sendable {
        var index: Int
        var result: RunResult
        var finishedAt: Date
    }
    private struct State {
        var ended: [Ended] = []
        var waiter: CheckedContinuation<[Ended], Never>?
    }
    private let state = Mutex(State())

    /// Called by a run's completion (on the thread that ended it).
    func add(_ index: Int, _ result: RunResult, finishedAt: Date) {
        let resume: (CheckedContinuation<[Ended], Never>, [Ended])? = state.withLock { state in
            state.ended.append(Ended(index: index, result: result, finishedAt: finishedAt))
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            defer { state.ended = [] }
            return (waiter, state.ended)
        }
        if let (waiter, ended) = resume { waiter.resume(returning: ended) }
    }

    /// Every result that arrived since the last call; waits for one if there is none.
    func next() async -> [Ended] {
        await withCheckedContinuation { continuation in
            let ready: [Ended]? = state.withLock { state in
                guard !state.ended.isEmpty else {
                    state.waiter = continuation
                    return nil
                }
                defer { state.ended = [] }
                return state.ended
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Every result that arrived since the last call, without waiting.
    func take() -> [Ended] {
        state.withLock { state in
            defer { state.ended = [] }
            return state.ended
        }
    }
}

