import Foundation

/// The scheduler's projection: apps, jobs, schedules, pause flags, the last completed tick and the
/// recent runs of each job. Rebuilt by folding config, control, ticks and executions events in log
/// order with ``apply(_:)`` (the only mutation; see `SchedulerState+Apply.swift`).
public struct SchedulerState: Sendable {
    /// A pause in force: since when (event time, UTC), why and by whom.
    public struct Pause: Hashable, Sendable {
        public var since: Date
        public var reason: String?
        public var actor: String?
    }

    /// One finished or skipped run, newest last in ``JobState/recentRuns``.
    public struct RunRecord: Hashable, Sendable {
        public var triggerId: TriggerID
        public var scheduledFor: Date?
        /// `succeeded`, `failed`, `timed_out`, or `skipped:<reason>`.
        public var outcome: String
        public var at: Date
    }

    public struct JobState: Sendable {
        public var key: JobKey
        public var config: JobConfiguration
        /// `nil` for unscheduled jobs (follow-up / manual only).
        public var schedule: CompiledSchedule?
        /// When the current schedule took effect (event time): it never fires at or before this.
        public var scheduleEffectiveFrom: Date
        public var paused: Pause?
        public var recentRuns: [RunRecord] = []
    }

    public struct AppState: Sendable {
        public var config: AppConfiguration
        public var configuredAt: Date
        public var paused: Pause?
        public var jobs: [String: JobState]
    }

    public internal(set) var apps: [String: AppState] = [:]
    /// The newest minute with a `tick.completed` (UTC).
    public internal(set) var lastTick: Date?
    /// How many recent runs each job keeps.
    public var recentRunLimit = 20

    public init() {}

    public func job(_ key: JobKey) -> JobState? {
        guard let app = apps[key.app], app.config.account == key.account else { return nil }
        return app.jobs[key.job]
    }

    /// The pause that holds `job` of `app`, if any: the app's own or the job's.
    public func pause(app: String, job: String) -> Pause? {
        guard let state = apps[app] else { return nil }
        return state.paused ?? state.jobs[job]?.paused
    }

    /// Every job, sorted by key (deterministic order for planning and display).
    public var allJobs: [JobState] {
        apps.values.flatMap { $0.jobs.values }.sorted { $0.key < $1.key }
    }
}
