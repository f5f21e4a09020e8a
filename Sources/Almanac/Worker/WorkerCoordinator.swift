import AlmanacCore
import Kafka

/// A trigger accepted from the log, waiting to run or running.
struct WorkItem: Sendable {
    var trigger: JobTriggered
    var topicPartition: KafkaTopicPartition
    var offset: Int64
    /// Must wait until no other run of its job is going (overlap policies `skip` and `queue`).
    var serial = false
}

/// The worker's bookkeeping, in one actor: per-partition offset trackers and idempotency sets,
/// overlap state per job, and fair admission (a global cap plus a per-account cap, accounts served
/// round-robin so a flooding account cannot starve the rest).
actor WorkerCoordinator {
    struct Limits: Sendable {
        var maxConcurrentRuns = 64
        var maxConcurrentRunsPerAccount = 8
    }

    enum Admission {
        /// Already done or in flight: nothing to do (offset finished).
        case duplicate
        /// Becomes `job.skipped(overlap)`.
        case skipOverlap
        /// Accepted; will start when limits and the overlap policy allow.
        case accepted
    }

    private let limits: Limits
    private var trackers: [KafkaTopicPartition: PartitionOffsetTracker] = [:]
    private var finished: [KafkaTopicPartition: Set<TriggerID>] = [:]
    private var inFlight: Set<TriggerID> = []
    /// Accepted and not finished (waiting or running), per job.
    private var activePerJob: [JobKey: Int] = [:]
    private var runningPerJob: [JobKey: Int] = [:]
    private var runningPerAccount: [String: Int] = [:]
    private var pending: [String: [WorkItem]] = [:]
    private var accountOrder: [String] = []
    private var running = 0
    private var lastCommitted: [KafkaTopicPartition: Int64] = [:]

    init(limits: Limits) { self.limits = limits }

    /// Partition assigned and its idempotency set rebuilt.
    func ready(_ tp: KafkaTopicPartition, finished ids: Set<TriggerID>) {
        trackers[tp] = PartitionOffsetTracker()
        finished[tp] = ids
    }

    func isReady(_ tp: KafkaTopicPartition) -> Bool { trackers[tp] != nil }

    /// Messages fetched for a partition that is not ready yet, in offset order.
    private var held: [KafkaTopicPartition: [KafkaConsumerMessage]] = [:]

    func hold(_ message: KafkaConsumerMessage) { held[message.topicPartition, default: []].append(message) }

    func takeHeld(_ tp: KafkaTopicPartition) -> [KafkaConsumerMessage] { held.removeValue(forKey: tp) ?? [] }

    /// A message that will never run (rejected to the dlq): its offset is finished at once.
    func discard(_ tp: KafkaTopicPartition, offset: Int64) {
        trackers[tp]?.begin(offset)
        trackers[tp]?.finish(offset)
    }

    func revoke(_ partitions: [KafkaTopicPartition]) {
        for tp in partitions {
            held[tp] = nil
            trackers[tp] = nil
            finished[tp] = nil
            lastCommitted[tp] = nil
        }
    }

    /// Decides what to do with a trigger read from the log (DESIGN.md §5 overlap policies):
    /// `skip` allows one active run per job, `queue` one running plus one waiting, `allow` any.
    func admit(_ item: WorkItem, overlap: OverlapPolicy) -> Admission {
        trackers[item.topicPartition]?.begin(item.offset)
        let id = item.trigger.triggerId
        if finished[item.topicPartition]?.contains(id) == true || inFlight.contains(id) {
            trackers[item.topicPartition]?.finish(item.offset)
            return .duplicate
        }
        let job = item.trigger.job
        let active = activePerJob[job, default: 0]
        switch overlap {
        case .skip where active >= 1, .queue where active >= 2:
            return .skipOverlap
        default:
            break
        }
        var item = item
        item.serial = overlap != .allow
        inFlight.insert(id)
        activePerJob[job, default: 0] += 1
        let account = item.trigger.job.account
        if pending[account] == nil { accountOrder.append(account) }
        pending[account, default: []].append(item)
        return .accepted
    }

    /// Marks a trigger finished (completed or skipped); its offset becomes committable.
    func finish(_ item: WorkItem, ran: Bool) {
        let id = item.trigger.triggerId
        if inFlight.remove(id) != nil {
            activePerJob[item.trigger.job, default: 1] -= 1
            if activePerJob[item.trigger.job] == 0 { activePerJob[item.trigger.job] = nil }
        }
        finished[item.topicPartition]?.insert(id)
        trackers[item.topicPartition]?.finish(item.offset)
        guard ran else { return }
        running -= 1
        runningPerAccount[item.trigger.job.account, default: 1] -= 1
        runningPerJob[item.trigger.job, default: 1] -= 1
    }

    /// Items that may start now, accounts served round-robin; they count as running when returned.
    func startable() -> [WorkItem] {
        var result: [WorkItem] = []
        var progress = true
        while running < limits.maxConcurrentRuns && progress {
            progress = false
            for account in accountOrder where running < limits.maxConcurrentRuns {
                guard runningPerAccount[account, default: 0] < limits.maxConcurrentRunsPerAccount,
                      var queue = pending[account],
                      let index = queue.firstIndex(where: { !$0.serial || runningPerJob[$0.trigger.job, default: 0] == 0 })
                else { continue }
                let item = queue.remove(at: index)
                pending[account] = queue
                running += 1
                runningPerAccount[account, default: 0] += 1
                runningPerJob[item.trigger.job, default: 0] += 1
                result.append(item)
                progress = true
            }
        }
        for account in accountOrder where pending[account]?.isEmpty ?? true { pending[account] = nil }
        accountOrder.removeAll { pending[$0] == nil }
        // Rotate so the next call starts with another account.
        if accountOrder.count > 1 { accountOrder.append(accountOrder.removeFirst()) }
        return result
    }

    /// Offsets changed since the last commit.
    func offsetsToCommit() -> [KafkaTopicPartition: Int64] {
        var result: [KafkaTopicPartition: Int64] = [:]
        for (tp, tracker) in trackers {
            if let offset = tracker.committable, lastCommitted[tp] != offset { result[tp] = offset }
        }
        return result
    }

    func committed(_ offsets: [KafkaTopicPartition: Int64]) {
        for (tp, offset) in offsets where trackers[tp] != nil { lastCommitted[tp] = offset }
    }

    var runningCount: Int { running }
    var inFlightCount: Int { inFlight.count }
}
