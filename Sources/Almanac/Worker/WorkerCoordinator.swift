import AlmanacCore
import Foundation
import Kafka
import Synchronization

/// A trigger read from the log.
struct WorkItem: Sendable {
    var trigger: JobTriggered
    var topicPartition: KafkaTopicPartition
    var offset: Int64
    /// Must wait until no other run of its job is going (overlap policies `skip` and `queue`).
    var serial = false
    /// Runs an in-process handler (its job selects one): it takes a handler slot
    /// (``WorkerCoordinatorState/Limits/maxConcurrentHandlerRuns``), not a process slot. Decided at
    /// admission from the job's configuration then.
    var inProcess = false
}

/// Names one accepted trigger inside the coordinator. A trigger id may be accepted again after an
/// earlier acceptance was abandoned (its partition moved away and came back), so ids are not enough.
typealias RunToken = Int

/// The state and rules of ``WorkerCoordinator``: plain synchronous code without I/O, changed only
/// under the coordinator's lock.
struct WorkerCoordinatorState {
    struct Limits: Sendable {
        /// Process runs at once.
        var maxConcurrentRuns = 64
        /// In-process handler runs at once, apart from the process runs.
        var maxConcurrentHandlerRuns = 4096
        /// Runs of both kinds at once per account.
        var maxConcurrentRunsPerAccount = 8
        /// Accepted triggers waiting to start; above this the service stops fetching.
        var maxQueued = 10_000
    }

    /// What to do with a trigger read from the log.
    enum Admission: Equatable {
        /// The partition is not ready (its index is being built) or no longer ours.
        case notOwned
        /// Finished before (completed or skipped): nothing to do; the offset is finished.
        case duplicate
        /// The same trigger is queued or running here; this delivery finishes with it.
        case attached
        /// Completed, but the events derived from the completion (charge, retry) may be missing:
        /// write them from this outcome, then ``finishChore(_:offset:epoch:)``.
        case recover(JobCompleted, epoch: Int)
        /// Write `job.skipped(overlap)`, then ``finishChore(_:offset:epoch:)``.
        case skipOverlap(epoch: Int)
        /// Queued; it starts when limits and the overlap policy allow.
        case accepted
    }

    /// How a started trigger ended.
    enum Outcome {
        /// Recorded: `job.completed` and its derived events are written.
        case completed(JobCompleted)
        /// Recorded as `job.skipped` (job no longer configured).
        case skipped
        /// Not recorded: the run was stopped (revocation, shutdown) or could not be recorded; the
        /// offset stays unfinished so the trigger is read again.
        case abandoned
    }

    /// `queued` → `running` (holds a slot) → `recording` (follow-ups and completion being written;
    /// still holds its slot) → `charging` (the completion is acknowledged, the derived charge and
    /// retry are being written: the run is over and its slot is free, see ``completionWritten(_:)``).
    enum Phase { case queued, running, recording, charging }

    /// One accepted trigger. A class: the state reads and changes entries in place several times
    /// per run, and as a struct each read out of `entries` copied its trigger (a dozen retains).
    /// Only the state holds entries, and only under the coordinator's lock.
    final class Entry {
        let item: WorkItem
        let epoch: Int
        /// Index of the trigger's account in ``WorkerCoordinatorState/accounts``.
        let account: Int
        var phase = Phase.queued
        /// Later deliveries of the same trigger in this partition: finished together with it.
        var attached: [Int64] = []
        var abandoned = false
        var cancel: (@Sendable () -> Void)?
        /// The run gave its slot back while its events are still being written (counted in
        /// ``WorkerCoordinatorState/charging``): from ``completionWritten(_:)``, or for a handler
        /// run from ``beginRecordingReleasingSlot(_:)``.
        var slotFree = false

        init(item: WorkItem, epoch: Int, account: Int) {
            self.item = item
            self.epoch = epoch
            self.account = account
        }
    }

    /// An assigned partition's bookkeeping; a class for the reason ``Entry`` is one (its offset
    /// set and index are changed in place, never copied out of `partitions`).
    final class PartitionState {
        let epoch: Int
        var tracker = PartitionOffsetTracker()
        var index: PartitionIndex
        var revoking = false
        /// Events being written for offsets of this partition outside runs (skips, recoveries).
        var chores = 0

        init(epoch: Int, index: PartitionIndex) {
            self.epoch = epoch
            self.index = index
        }
    }

    private let limits: Limits
    // State below is read and changed only by this actor (here and in WorkerCoordinator+Handoff.swift).
    var partitions: [KafkaTopicPartition: PartitionState] = [:]
    /// Assigned partitions whose index is being built, with the epoch of that assignment.
    var building: [KafkaTopicPartition: Int] = [:]
    private var epoch = 0
    /// Messages fetched for a partition that is still building, in offset order.
    var held: [KafkaTopicPartition: [KafkaConsumerMessage]] = [:]
    /// Partitions whose fetching the service paused because they held ``holdBeforePause``
    /// messages while building, until ready (``resumesWhenReady(_:)``) or dropped (the service
    /// resumes every revoked partition: librdkafka would keep it paused into a later assignment).
    var pausedWhileBuilding: Set<KafkaTopicPartition> = []
    /// How many messages a building partition holds before its fetching is paused.
    static let holdBeforePause = 1000
    var entries: [RunToken: Entry] = [:]
    /// The entry of each trigger accepted and not abandoned.
    var live: [TriggerID: RunToken] = [:]
    private var nextToken = 0
    /// Live entries per job (queued or running): what the overlap policy counts.
    var activePerJob: [JobKey: Int] = [:]
    /// Entries running or recording, abandoned ones included until their task ends.
    var runningPerJob: [JobKey: Int] = [:]
    /// Per account seen: its waiting triggers and its runs going. Kept in an array, by an index
    /// given once per account name (`accountIDs`; accounts are tenants, a bounded set), so that
    /// choosing the account of each free slot scans integers instead of hashing names.
    struct AccountState {
        /// Accepted triggers waiting to start, in log order.
        var queue: [RunToken] = []
        /// Runs holding a slot (both kinds).
        var running = 0
        /// Whether it is in `accountOrder`.
        var ordered = false
        /// `startable`'s cache: the index in `queue` of the first trigger that may start (-1:
        /// none), valid while `headGeneration` is the current `headGeneration` of the state.
        var headIndex = -1
        var headGeneration = 0
    }
    /// Bumped to forget every account's cached head at once (see ``AccountState/headIndex``).
    private var headGeneration = 0
    var accountIDs: [String: Int] = [:]
    var accounts: [AccountState] = []
    /// Entries holding a slot, of both kinds.
    var running = 0
    /// Of `running`, those holding a handler slot (``WorkItem/inProcess``).
    var runningHandlers = 0
    /// Entries whose events are being written without a slot (``Entry/slotFree``: phase
    /// `charging`, or a handler run's `recording`); per kind, at most as many at once as the kind
    /// has slots.
    var charging = 0
    /// Of `charging`, handler runs.
    var chargingHandlers = 0
    /// Accounts (indices into `accounts`) with waiting triggers, in round-robin order.
    var accountOrder: [Int] = []
    var queuedCount = 0
    var lastCommitted: [KafkaTopicPartition: Int64] = [:]

    init(limits: Limits) { self.limits = limits }

    // MARK: Partitions

    /// Partitions were assigned: their messages are held until ``ready(_:index:epoch:)``.
    /// - Returns: the assignment's epoch, to hand back with the index.
    mutating func assigned(_ tps: [KafkaTopicPartition]) -> Int {
        epoch += 1
        for tp in tps { building[tp] = epoch }
        return epoch
    }

    /// The index of an assigned partition is built: it is ours from now on.
    /// - Returns: the messages held meanwhile, or nil if the partition was revoked in between.
    mutating func ready(_ tp: KafkaTopicPartition, index: PartitionIndex, epoch: Int) -> [KafkaConsumerMessage]? {
        guard building[tp] == epoch else { return nil }
        building[tp] = nil
        partitions[tp] = PartitionState(epoch: epoch, index: index)
        return held.removeValue(forKey: tp) ?? []
    }

    /// What to do with a fetched message (``take(_:)``).
    enum Take: Equatable {
        /// Admit it now.
        case admit
        /// Held until the partition is ready; `pause`: it now holds ``holdBeforePause``
        /// messages, so the caller pauses its fetching (resumed when ready).
        case hold(pause: Bool)
        /// Not ours (revoked or revoking): its owner reads it.
        case drop
    }

    /// Whether a fetched message can be admitted now. Messages of a building partition are held;
    /// messages of a partition that is not ours are dropped (its owner reads them).
    ///
    /// A building partition is paused only once it has delivered ``holdBeforePause`` messages,
    /// never inside the rebalance: a pause right after `assign` can make librdkafka 2.0.2 drop the
    /// partition's fetch start (its version barrier outdates the start op), and a later resume
    /// then does not fetch it at all (librdkafka issues 2190 and 5591). Once a message arrived,
    /// fetching has started and a pause is safe.
    mutating func take(_ message: KafkaConsumerMessage) -> Take {
        let tp = message.topicPartition
        if let state = partitions[tp] { return state.revoking ? .drop : .admit }
        guard building[tp] != nil else { return .drop }
        held[tp, default: []].append(message)
        if held[tp]!.count >= Self.holdBeforePause, pausedWhileBuilding.insert(tp).inserted { return .hold(pause: true) }
        return .hold(pause: false)
    }

    /// Whether `tp`, now ready, was paused while building (forgotten here: the caller resumes it).
    /// A partition never paused is not resumed: a resume is a version barrier that would make
    /// librdkafka fetch again from the assignment's start offset.
    mutating func resumesWhenReady(_ tp: KafkaTopicPartition) -> Bool {
        pausedWhileBuilding.remove(tp) != nil
    }

    /// A message that will never run (rejected to the dlq): its offset is finished at once.
    mutating func discard(_ tp: KafkaTopicPartition, offset: Int64) {
        partitions[tp]?.tracker.begin(offset)
        partitions[tp]?.tracker.finish(offset)
    }

    var readyPartitions: [KafkaTopicPartition] { Array(partitions.keys) }

    // MARK: Admission

    /// Decides what to do with a trigger read from the log (docs/design.md §5 overlap policies):
    /// `skip` allows one live run per job, `queue` one running plus one waiting, `allow` (or nil:
    /// not a scheduled run) any number.
    mutating func admit(_ item: WorkItem, overlap: OverlapPolicy) -> Admission {
        let tp = item.topicPartition
        // The partition's state is changed in place (`partitions[tp]!…`): a copy taken out of the
        // dictionary and written back would copy its offset set and index on every trigger.
        guard let epoch = partitions[tp].flatMap({ $0.revoking ? nil : $0.epoch }) else { return .notOwned }
        partitions[tp]!.tracker.begin(item.offset)
        let id = item.trigger.triggerId
        if let token = live[id] {
            if entries[token]!.item.topicPartition == tp && entries[token]!.epoch == epoch {
                entries[token]!.attached.append(item.offset)
                return .attached
            }
            partitions[tp]!.tracker.finish(item.offset)
            return .duplicate
        }
        if let completion = partitions[tp]!.index.takeRecoverable(id) {
            partitions[tp]!.chores += 1
            return .recover(completion, epoch: epoch)
        }
        if partitions[tp]!.index.contains(id) {
            partitions[tp]!.tracker.finish(item.offset)
            return .duplicate
        }
        let job = item.trigger.job
        let active = activePerJob[job, default: 0]
        switch overlap {
        case .skip where active >= 1, .queue where active >= 2:
            partitions[tp]!.index.add(skipped: id)
            partitions[tp]!.chores += 1
            return .skipOverlap(epoch: epoch)
        default:
            break
        }
        var item = item
        item.serial = overlap != .allow
        let token = nextToken
        nextToken += 1
        let account = accountID(job.account)
        entries[token] = Entry(item: item, epoch: epoch, account: account)
        live[id] = token
        activePerJob[job, default: 0] += 1
        if !accounts[account].ordered {
            accounts[account].ordered = true
            accountOrder.append(account)
        }
        accounts[account].queue.append(token)
        queuedCount += 1
        return .accepted
    }

    private mutating func accountID(_ name: String) -> Int {
        if let id = accountIDs[name] { return id }
        accounts.append(AccountState())
        accountIDs[name] = accounts.count - 1
        return accounts.count - 1
    }

    /// The events of a skip or recovery are written: the offset is finished.
    mutating func finishChore(_ tp: KafkaTopicPartition, offset: Int64, epoch: Int) {
        guard partitions[tp]?.epoch == epoch else { return }
        partitions[tp]!.tracker.finish(offset)
        partitions[tp]!.chores -= 1
    }

    /// A skip or recovery could not be written (shutting down): the offset stays unfinished.
    mutating func abandonChore(_ tp: KafkaTopicPartition, epoch: Int) {
        guard partitions[tp]?.epoch == epoch else { return }
        partitions[tp]!.chores -= 1
    }

    // MARK: Runs

    /// Items that may start now; they count as running when returned. Each free slot goes to the
    /// account with the fewest runs going among those with a startable trigger (max-min fairness:
    /// a flooding account gets the slots nobody else wants), ties broken round-robin. Process runs
    /// and handler runs have their own slots: a trigger waits only for a slot of its kind.
    /// - Returns: the items, and the earliest `notBefore` among those still waiting for it.
    mutating func startable(now: Date) -> (items: [(RunToken, WorkItem)], nextDue: Date?) {
        var result: [(RunToken, WorkItem)] = []
        var nextDue: Date?
        headGeneration += 1
        var processSlots = limits.maxConcurrentRuns - (running - runningHandlers)
        var handlerSlots = limits.maxConcurrentHandlerRuns - runningHandlers
        /// Index in its account's queue of the first trigger that may start (-1: none).
        func head(_ account: Int) -> Int {
            if accounts[account].headGeneration == headGeneration { return accounts[account].headIndex }
            var found = -1
            for (index, token) in accounts[account].queue.enumerated() {
                let entry = entries[token]!
                if let notBefore = entry.item.trigger.notBefore, notBefore > now {
                    nextDue = min(nextDue ?? notBefore, notBefore)
                    continue
                }
                if (entry.item.inProcess ? handlerSlots : processSlots) <= 0 { continue }
                if entry.item.serial && runningPerJob[entry.item.trigger.job, default: 0] > 0 { continue }
                found = index
                break
            }
            accounts[account].headIndex = found
            accounts[account].headGeneration = headGeneration
            return found
        }
        while processSlots > 0 || handlerSlots > 0 {
            var best = -1, bestIndex = -1, bestLoad = Int.max
            for account in accountOrder {
                let load = accounts[account].running
                guard load < limits.maxConcurrentRunsPerAccount, load < bestLoad else { continue }
                let index = head(account)
                guard index >= 0 else { continue }
                (best, bestIndex, bestLoad) = (account, index, load)
                // No account can have fewer runs: the first one in round-robin order wins anyway.
                if load == 0 { break }
            }
            guard best >= 0 else { break }
            let token = accounts[best].queue.remove(at: bestIndex)
            accounts[best].headGeneration = headGeneration - 1
            queuedCount -= 1
            entries[token]!.phase = .running
            let item = entries[token]!.item
            running += 1
            if item.inProcess {
                runningHandlers += 1
                handlerSlots -= 1
                // The heads found while a handler slot was free may be handler triggers: look again.
                if handlerSlots == 0 { headGeneration += 1 }
            } else {
                processSlots -= 1
                if processSlots == 0 { headGeneration += 1 }
            }
            accounts[best].running += 1
            runningPerJob[item.trigger.job, default: 0] += 1
            result.append((token, item))
        }
        accountOrder.removeAll { account in
            guard accounts[account].queue.isEmpty else { return false }
            accounts[account].ordered = false
            return true
        }
        // Rotate so that ties go to another account next time.
        if accountOrder.count > 1 { accountOrder.append(accountOrder.removeFirst()) }
        return (result, nextDue)
    }

    /// Registers how to stop a started run.
    /// - Returns: true if it was abandoned already: the caller stops it at once (outside the lock).
    mutating func setCancel(_ token: RunToken, _ cancel: @escaping @Sendable () -> Void) -> Bool {
        guard entries[token] != nil else { return false }
        if entries[token]!.abandoned { return true }
        entries[token]!.cancel = cancel
        return false
    }

    /// The run ended and is about to be recorded. From here on a revocation waits for it.
    /// - Returns: false if the run was abandoned (its partition moved): record nothing.
    mutating func beginRecording(_ token: RunToken) -> Bool {
        guard let entry = entries[token], !entry.abandoned else { return false }
        entries[token]!.phase = .recording
        return true
    }

    /// A handler run ended and is about to be recorded (``beginRecording(_:)``), and gives its slot
    /// (global, account, job) back at once unless as many handler runs as there are handler slots
    /// are being written without one already: its writes are round trips to the broker, not work,
    /// and the next run need not wait for them. Its offset stays unfinished, a hand-off waits for
    /// it, and the overlap policy counts it as active until its completion is written.
    /// - Returns: whether to record it (false: abandoned), and whether its slot was freed.
    mutating func beginRecordingReleasingSlot(_ token: RunToken) -> (record: Bool, freed: Bool) {
        guard beginRecording(token) else { return (false, false) }
        let entry = entries[token]!
        guard entry.item.inProcess, mayWriteWithoutSlot(entry) else { return (true, false) }
        writeWithoutSlot(entry)
        return (true, true)
    }

    /// The run's `job.completed` (its commit point) is acknowledged; its charge and retry are about
    /// to be written. The run is over: it gives its slot back (global, account, and job for the
    /// overlap policies) unless as many charges of its kind as the kind has slots are being written
    /// already, which bounds the writes that hold no slot. The entry stays until
    /// ``finish(_:outcome:)``: the offset stays unfinished, a hand-off waits for the write, and a
    /// later delivery of the trigger attaches to it.
    /// - Returns: whether the slot was freed (something else may start now).
    mutating func completionWritten(_ token: RunToken) -> Bool {
        guard let entry = entries[token], entry.phase == .recording, !entry.abandoned else { return false }
        // A handler run's slot may have gone back when it ended (beginRecordingReleasingSlot).
        var freed = false
        if !entry.slotFree {
            guard mayWriteWithoutSlot(entry) else { return false }
            writeWithoutSlot(entry)
            freed = true
        }
        entry.phase = .charging
        endActive(entry.item.trigger.job)
        return freed
    }

    /// Whether `entry` may give its slot back while its events are written: at most as many such
    /// writes per kind as the kind has slots.
    private func mayWriteWithoutSlot(_ entry: Entry) -> Bool {
        entry.item.inProcess ? chargingHandlers < limits.maxConcurrentHandlerRuns
                             : charging - chargingHandlers < limits.maxConcurrentRuns
    }

    /// `entry` gives its slot back; its writes go on without one (``Entry/slotFree``).
    private mutating func writeWithoutSlot(_ entry: Entry) {
        entry.slotFree = true
        charging += 1
        if entry.item.inProcess { chargingHandlers += 1 }
        releaseSlot(of: entry)
    }

    /// A run of `job` no longer counts for the overlap policy (``activePerJob``).
    mutating func endActive(_ job: JobKey) {
        activePerJob[job, default: 1] -= 1
        if activePerJob[job] == 0 { activePerJob[job] = nil }
    }

    private mutating func releaseSlot(of entry: Entry) {
        let job = entry.item.trigger.job
        running -= 1
        if entry.item.inProcess { runningHandlers -= 1 }
        accounts[entry.account].running -= 1
        runningPerJob[job, default: 1] -= 1
        if runningPerJob[job] == 0 { runningPerJob[job] = nil }
    }

    /// A started run is over (recorded or abandoned).
    mutating func finish(_ token: RunToken, outcome: Outcome) {
        guard let entry = entries.removeValue(forKey: token) else { return }
        let item = entry.item
        if !entry.abandoned {
            live[item.trigger.triggerId] = nil
            if entry.phase != .charging { endActive(item.trigger.job) }
        }
        if entry.slotFree {
            charging -= 1
            if item.inProcess { chargingHandlers -= 1 }
        } else if entry.phase != .queued {
            releaseSlot(of: entry)
        }
        let tp = item.topicPartition
        guard !entry.abandoned, partitions[tp]?.epoch == entry.epoch else { return }
        switch outcome {
        case .completed(let completion):
            partitions[tp]!.index.add(recorded: completion.triggerId)
        case .skipped:
            partitions[tp]!.index.add(skipped: item.trigger.triggerId)
        case .abandoned:
            return
        }
        for offset in [item.offset] + entry.attached { partitions[tp]!.tracker.finish(offset) }
    }

    /// Runs holding a slot (running, or writing their completion).
    var runningCount: Int { running }
    /// Runs whose events are being written without a slot (their completion is written and their
    /// charge is being written, or a handler run that ended is being recorded).
    var chargingCount: Int { charging }
    var liveCount: Int { live.count }
}

/// The worker's bookkeeping (docs/design.md §5), without I/O:
/// - per assigned partition: an offset tracker (commit = lowest unfinished offset, the
///   parallel-consumer technique) and the idempotency index rebuilt from `executions`;
/// - accepted triggers from queued to recorded, with the overlap policy per job;
/// - fair admission: a global cap, a per-account cap, and each free slot to the account with the
///   fewest runs going, so a flooding account cannot starve the rest; retries wait for their
///   `notBefore` without holding a slot;
/// - partition hand-off on revocation: queued triggers are dropped (the next owner reads them),
///   runs are given a grace and then abandoned, so a trigger is recorded by one owner only.
///
/// Every call is synchronous and short (no I/O, no callbacks) under one lock: the poll loop, the
/// dispatcher and every run call it several times per trigger, and as an actor each call was a hop
/// (an executor switch, and under contention a trip through the cooperative pool's queue). The
/// stop closures registered with ``setCancel(_:_:)`` are called after the lock is released.
/// The service does the I/O and reports back (``finish(_:outcome:)``, ``finishChore(_:offset:epoch:)``).
final class WorkerCoordinator: Sendable {
    typealias Limits = WorkerCoordinatorState.Limits
    typealias Admission = WorkerCoordinatorState.Admission
    typealias Outcome = WorkerCoordinatorState.Outcome

    private let state: Mutex<WorkerCoordinatorState>

    init(limits: Limits) { state = Mutex(WorkerCoordinatorState(limits: limits)) }

    /// See ``WorkerCoordinatorState/assigned(_:)``.
    func assigned(_ tps: [KafkaTopicPartition]) -> Int { state.withLock { $0.assigned(tps) } }
    func ready(_ tp: KafkaTopicPartition, index: PartitionIndex, epoch: Int) -> [KafkaConsumerMessage]? {
        state.withLock { $0.ready(tp, index: index, epoch: epoch) }
    }
    func take(_ message: KafkaConsumerMessage) -> WorkerCoordinatorState.Take { state.withLock { $0.take(message) } }
    /// ``WorkerCoordinatorState/take(_:)`` for many messages, in order, under one lock.
    func take(_ messages: [KafkaConsumerMessage]) -> [WorkerCoordinatorState.Take] {
        state.withLock { state in messages.map { state.take($0) } }
    }
    func resumesWhenReady(_ tp: KafkaTopicPartition) -> Bool { state.withLock { $0.resumesWhenReady(tp) } }
    func discard(_ tp: KafkaTopicPartition, offset: Int64) { state.withLock { $0.discard(tp, offset: offset) } }
    var readyPartitions: [KafkaTopicPartition] { state.withLock { $0.readyPartitions } }
    func admit(_ item: WorkItem, overlap: OverlapPolicy) -> Admission { state.withLock { $0.admit(item, overlap: overlap) } }
    /// ``WorkerCoordinatorState/admit(_:overlap:)`` for many triggers, in order, under one lock.
    func admit(_ items: [(item: WorkItem, overlap: OverlapPolicy)]) -> [Admission] {
        state.withLock { state in items.map { state.admit($0.item, overlap: $0.overlap) } }
    }
    func finishChore(_ tp: KafkaTopicPartition, offset: Int64, epoch: Int) {
        state.withLock { $0.finishChore(tp, offset: offset, epoch: epoch) }
    }
    func abandonChore(_ tp: KafkaTopicPartition, epoch: Int) { state.withLock { $0.abandonChore(tp, epoch: epoch) } }
    func startable(now: Date) -> (items: [(RunToken, WorkItem)], nextDue: Date?) { state.withLock { $0.startable(now: now) } }
    /// Registers how to stop a started run; calls it at once if the run was abandoned already.
    func setCancel(_ token: RunToken, _ cancel: @escaping @Sendable () -> Void) {
        if state.withLock({ $0.setCancel(token, cancel) }) { cancel() }
    }
    func beginRecording(_ token: RunToken) -> Bool { state.withLock { $0.beginRecording(token) } }
    /// ``WorkerCoordinatorState/beginRecordingReleasingSlot(_:)`` for many runs under one lock.
    func beginRecordingReleasingSlots(_ tokens: [RunToken]) -> [(record: Bool, freed: Bool)] {
        state.withLock { state in tokens.map { state.beginRecordingReleasingSlot($0) } }
    }
    /// ``WorkerCoordinatorState/completionWritten(_:)`` for many runs under one lock.
    /// - Returns: whether any slot was freed.
    func completionsWritten(_ tokens: [RunToken]) -> Bool {
        state.withLock { state in tokens.reduce(false) { state.completionWritten($1) || $0 } }
    }
    /// ``WorkerCoordinatorState/finish(_:outcome:)`` for many runs under one lock.
    func finish(_ outcomes: [(RunToken, Outcome)]) {
        state.withLock { state in for (token, outcome) in outcomes { state.finish(token, outcome: outcome) } }
    }
    /// ``setCancel(_:_:)`` for many runs under one lock; stops those abandoned already.
    func setCancels(_ cancels: [(RunToken, @Sendable () -> Void)]) {
        let abandoned = state.withLock { state in cancels.filter { state.setCancel($0.0, $0.1) } }
        for (_, cancel) in abandoned { cancel() }
    }
    func completionWritten(_ token: RunToken) -> Bool { state.withLock { $0.completionWritten(token) } }
    func finish(_ token: RunToken, outcome: Outcome) { state.withLock { $0.finish(token, outcome: outcome) } }
    var runningCount: Int { state.withLock { $0.runningCount } }
    var chargingCount: Int { state.withLock { $0.chargingCount } }
    var liveCount: Int { state.withLock { $0.liveCount } }
    var queuedCount: Int { state.withLock { $0.queuedCount } }

    func beginRevoke(_ tps: Set<KafkaTopicPartition>) { state.withLock { $0.beginRevoke(tps) } }
    func revokeProgress(_ tps: Set<KafkaTopicPartition>) -> (running: Int, writing: Int) { state.withLock { $0.revokeProgress(tps) } }
    /// Gives up the runs on `tps` that have not started recording and stops them (see
    /// ``WorkerCoordinatorState/abandonRuns(_:)``).
    /// - Returns: how many were abandoned.
    @discardableResult
    func abandonRuns(_ tps: Set<KafkaTopicPartition>) -> Int {
        let stops = state.withLock { $0.abandonRuns(tps) }
        for stop in stops { stop?() }
        return stops.count
    }
    /// Stops every run at once (graceful shutdown after its grace): they are abandoned.
    func abandonAll() -> Int {
        let stops = state.withLock { $0.abandonAll() }
        for stop in stops { stop?() }
        return stops.count
    }
    func drop(_ tps: Set<KafkaTopicPartition>) -> [KafkaTopicPartition: Int64] { state.withLock { $0.drop(tps) } }
    func offsetsToCommit() -> [KafkaTopicPartition: Int64] { state.withLock { $0.offsetsToCommit() } }
    func committed(_ offsets: [KafkaTopicPartition: Int64]) { state.withLock { $0.committed(offsets) } }
}
