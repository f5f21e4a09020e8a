import AlmanacCore
import Kafka

/// A trigger accepted from the log, waiting to run or running.
struct WorkItem: Sendable {
    var trigger: JobTriggered
    var topicPartition: KafkaTopicPartition
    var offset: Int64
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
        /// Accepted; will start when limits allow.
        case accepted
    }

    private let limits: Limits
    private var trackers: [KafkaTopicPartition: PartitionOffsetTracker] = [:]
    private var finished: [KafkaTopicPartition: Set<TriggerID>] = [:]
    private var inFlight: Set<TriggerID> = []
    private var runningPerJob: [JobKey: Int] = [:]
    private var queuedPerJob: [JobKey: WorkItem] = [:]
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

    func revoke(_ partitions: [KafkaTopicPartition]) {
        for tp in partitions {
            trackers[tp] = nil
            finished[tp] = nil
            lastCommitted[tp] = nil
        }
    }

    func admit(_ item: WorkItem, overlap: OverlapPolicy) -> Admission {
        trackers[item.topicPartition]?.begin(item.offset)
        let id = item.trigger.triggerId
        if finished[item.topicPartition]?.contains(id) == true || inFlight.contains(id) {
            trackers[item.topicPartition]?.finish(item.offset)
            return .duplicate
        }
        let job = item.trigger.job
        if runningPerJob[job, default: 0] > 0 || queuedPerJob[job] != nil {
            switch overlap {
            case .skip:
                return .skipOverlap
            case .queue:
                if queuedPerJob[job] != nil { return .skipOverlap }
                queuedPerJob[job] = item
                inFlight.insert(id)
                return .accepted
            case .allow:
                break
            }
        }
        inFlight.insert(id)
        enqueue(item)
        return .accepted
    }

    /// Marks a trigger finished (completed or skipped); its offset becomes committable.
    func finish(_ item: WorkItem, ran: Bool) {
        let id = item.trigger.triggerId
        inFlight.remove(id)
        finished[item.topicPartition]?.insert(id)
        trackers[item.topicPartition]?.finish(item.offset)
        guard ran else { return }
        running -= 1
        runningPerAccount[item.trigger.job.account, default: 1] -= 1
        runningPerJob[item.trigger.job, default: 1] -= 1
        if let queued = queuedPerJob.removeValue(forKey: item.trigger.job) { enqueue(queued) }
    }

    private func enqueue(_ item: WorkItem) {
        let account = item.trigger.job.account
        if pending[account] == nil { accountOrder.append(account) }
        pending[account, default: []].append(item)
    }

    /// Items that may start now; they count as running when returned.
    func startable() -> [WorkItem] {
        var result: [WorkItem] = []
        var progress = true
        while running < limits.maxConcurrentRuns && progress {
            progress = false
            for account in accountOrder where running < limits.maxConcurrentRuns {
                guard runningPerAccount[account, default: 0] < limits.maxConcurrentRunsPerAccount,
                      var queue = pending[account], !queue.isEmpty else { continue }
                let item = queue.removeFirst()
                pending[account] = queue
                running += 1
                runningPerAccount[account, default: 0] += 1
                runningPerJob[item.trigger.job, default: 0] += 1
                result.append(item)
                progress = true
            }
        }
        // Rotate so the next call starts with another account; forget idle accounts.
        for account in accountOrder where pending[account]?.isEmpty ?? true { pending[account] = nil }
        accountOrder.removeAll { pending[$0] == nil }
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
