import Foundation

/// The ticker's view of which jobs fire at each minute: a ``DueIndex`` kept in line with the
/// projected ``SchedulerState`` (jobs added, removed, rescheduled), so a minute costs the jobs due
/// in it, not a scan of every schedule.
///
/// ```swift
/// var due = DueJobs(afterMinute: lastTick)
/// due.sync(with: state)                                  // cheap when no config changed
/// let keys = due.pop(minute: nextMinute)                 // the jobs whose schedule fires then
/// let plan = TickPlanner.plan(state: state, dueJobs: keys, minute: nextMinute, now: now, ticker: id)
/// ```
public struct DueJobs: Sendable {
    private struct Entry: Sendable {
        var handle: DueIndex.JobHandle
        var signature: String
    }

    private var index: DueIndex
    private var entries: [JobKey: Entry] = [:]
    private var keys: [JobKey?] = []
    private var freeHandles: [Int32] = []
    private var syncedRevision: Int?

    /// An empty set whose first minute is the one after `afterMinute` (UTC, whole minute).
    public init(afterMinute: Date) {
        index = DueIndex(afterEpochMinute: Self.epochMinute(afterMinute))
    }

    /// Jobs tracked (scheduled ones only).
    public var count: Int { entries.count }

    /// Applies the jobs added, removed or rescheduled in `state` since the last sync. A job's
    /// first fire is after the instant its schedule took effect, and never before the next minute
    /// this set will pop.
    public mutating func sync(with state: SchedulerState) {
        guard syncedRevision != state.configRevision else { return }
        syncedRevision = state.configRevision
        var seen = Set<JobKey>()
        for app in state.apps.values {
            for job in app.jobs.values {
                guard let schedule = job.schedule else { continue }
                seen.insert(job.key)
                let signature = "\(schedule.expression.text)|\(schedule.zoneIdentifier)|\(job.scheduleEffectiveFrom.timeIntervalSince1970)"
                if let entry = entries[job.key], entry.signature == signature { continue }
                let handle = entries[job.key]?.handle ?? allocate(job.key)
                let after = max(Self.epochMinute(job.scheduleEffectiveFrom), index.firstUnpoppedEpochMinute - 1)
                index.insert(handle, schedule: schedule, afterEpochMinute: after)
                entries[job.key] = Entry(handle: handle, signature: signature)
            }
        }
        for (key, entry) in entries where !seen.contains(key) {
            _ = index.remove(entry.handle)
            entries[key] = nil
            keys[Int(entry.handle.rawValue)] = nil
            freeHandles.append(entry.handle.rawValue)
        }
    }

    /// The jobs whose schedules fire at `minute` (UTC, whole minute), sorted by key. Minutes must
    /// be popped in increasing order; a skipped minute's jobs are moved past it.
    public mutating func pop(minute: Date) -> [JobKey] {
        index.popDue(atEpochMinute: Self.epochMinute(minute)).compactMap { keys[Int($0.rawValue)] }.sorted()
    }

    private mutating func allocate(_ key: JobKey) -> DueIndex.JobHandle {
        if let raw = freeHandles.popLast() {
            keys[Int(raw)] = key
            return DueIndex.JobHandle(raw)
        }
        keys.append(key)
        return DueIndex.JobHandle(Int32(keys.count - 1))
    }

    static func epochMinute(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / 60).rounded(.down))
    }
}
