import Foundation

/// What the ticker writes for one minute: triggers, skips and the `tick.completed` marker.
public struct TickPlan: Sendable, Equatable {
    public var minute: Date
    public var triggers: [JobTriggered]
    public var skipped: [JobSkipped]
    public var tick: TickCompleted
}

/// Decides, purely, what minute M calls for (docs/design.md §5).
///
/// A job is due at M when its schedule fires at M and M is after the instant its current schedule
/// took effect (so edits never fire retroactively or immediately). A due job is
/// - `job.skipped(paused)` if its app or the job is paused;
/// - `job.skipped(missed)` if `now - M` exceeds its catch-up window plus the minute a tick may
///   normally take (downtime older than the window; the ticker passes the instant it resumed as
///   `now` for every minute it catches up, so a slow replay does not eat into the window);
/// - otherwise `job.triggered(scheduled)` with `triggerId = account/app/job@M`.
public enum TickPlanner {
    /// Plans `minute` by checking every job's schedule: the reference behaviour, O(jobs).
    public static func plan(state: SchedulerState, minute: Date, now: Date, ticker: String) -> TickPlan {
        let previous = minute.addingTimeInterval(-60)
        let due = state.allJobs.filter { job in
            guard let schedule = job.schedule, minute > job.scheduleEffectiveFrom else { return false }
            return schedule.next(after: previous) == minute
        }.map(\.key)
        return plan(state: state, dueJobs: due, minute: minute, now: now, ticker: ticker)
    }

    /// Plans `minute` for the jobs whose schedules fire then (from ``DueJobs``).
    public static func plan(state: SchedulerState, dueJobs: [JobKey], minute: Date, now: Date, ticker: String) -> TickPlan {
        var triggers: [JobTriggered] = []
        var skipped: [JobSkipped] = []
        for key in dueJobs {
            guard let job = state.job(key), minute > job.scheduleEffectiveFrom else { continue }
            let id = TriggerID.scheduled(job.key, at: minute)
            if let pause = state.pause(app: job.key.app, job: job.key.job, at: minute) {
                skipped.append(JobSkipped(triggerId: id, job: job.key, scheduledFor: minute, reason: .paused,
                                          detail: "paused since \(RFC3339.utcMilliseconds(pause.since))\(pause.reason.map { ": \($0)" } ?? "")"))
            } else if now.timeIntervalSince(minute) > Double(job.config.catchUpWindowSeconds) + 60 {
                skipped.append(JobSkipped(triggerId: id, job: job.key, scheduledFor: minute, reason: .missed,
                                          detail: "older than the catch-up window of \(job.config.catchUpWindowSeconds) s"))
            } else {
                triggers.append(JobTriggered(triggerId: id, job: job.key, scheduledFor: minute, source: .scheduled, params: job.config.params))
            }
        }
        return TickPlan(minute: minute, triggers: triggers, skipped: skipped,
                        tick: TickCompleted(minute: minute, triggered: triggers.count, skipped: skipped.count, ticker: ticker))
    }

    /// The UTC minute containing `instant`.
    public static func minute(containing instant: Date) -> Date {
        Date(timeIntervalSince1970: (instant.timeIntervalSince1970 / 60).rounded(.down) * 60)
    }
}
