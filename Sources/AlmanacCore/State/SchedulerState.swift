import Foundation

/// The scheduler's projection: apps, jobs, schedules, pause flags, the last completed tick and the
/// recent runs of each job. Rebuilt by folding config, control, ticks and executions events in log
/// order with ``apply(_:)`` (the only mutation; see `SchedulerState+Apply.swift`).
public struct SchedulerState: Sendable, Equatable {
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
        /// When it finished (completions) or was skipped (event time).
        public var at: Date
        /// Completions: when the run started and how long it took (milliseconds); `nil` for skips.
        public var startedAt: Date?
        public var durationMilliseconds: Int64?
        /// Completions: the attempt (1, then retries).
        public var attempt: Int?
        /// Completions: how it ended beyond the status (`job.completed`'s fields); `error` is kept
        /// up to ``errorLimit`` characters, so that the projection stays small.
        public var error: String?
        public var exitCode: Int32?
        public var signal: Int32?
        public var failure: RunFailure?
        public var refusedReportLines: Int?
        /// Characters of a run's `error` the projection keeps (the log has all of it).
        public static let errorLimit = 2000

        public init(triggerId: TriggerID, scheduledFor: Date?, outcome: String, at: Date,
                    startedAt: Date? = nil, durationMilliseconds: Int64? = nil, attempt: Int? = nil) {
            self.triggerId = triggerId
            self.scheduledFor = scheduledFor
            self.outcome = outcome
            self.at = at
            self.startedAt = startedAt
            self.durationMilliseconds = durationMilliseconds
            self.attempt = attempt
        }
    }

    /// The most recent pause that ended: runs due in `(pausedSince, resumedAt]` were still paused,
    /// even when the ticker plans them after the resume was projected.
    public struct EndedPause: Hashable, Sendable {
        public var pausedSince: Date
        public var resumedAt: Date
    }

    /// Pause state of an app or a job, read as of a minute (event times, not arrival order).
    public struct PauseState: Hashable, Sendable {
        public var current: Pause?
        public var lastEnded: EndedPause?

        /// The pause in force at `instant`: begun strictly before it and not yet resumed at it.
        public func pause(at instant: Date) -> Pause? {
            if let current, current.since < instant { return current }
            if let ended = lastEnded, ended.pausedSince < instant, ended.resumedAt >= instant {
                return Pause(since: ended.pausedSince, reason: "resumed at \(RFC3339.utcMilliseconds(ended.resumedAt))", actor: nil)
            }
            return nil
        }

        mutating func pause(_ pause: Pause) {
            if current == nil { current = pause }
        }

        mutating func resume(at time: Date) {
            if let current { lastEnded = EndedPause(pausedSince: current.since, resumedAt: time) }
            current = nil
        }
    }

    public struct JobState: Sendable {
        public var key: JobKey
        public var config: JobConfiguration
        /// `nil` for unscheduled jobs (follow-up / manual only).
        public var schedule: CompiledSchedule?
        /// When the current schedule took effect (event time): it never fires at or before this.
        public var scheduleEffectiveFrom: Date
        public var pauseState = PauseState()
        public var recentRuns: [RunRecord] = []
        /// The job's `complexity` over time, oldest first: each value with the event time (UTC)
        /// of the `app.configured` that set it; the last ``complexityHistoryLimit`` changes.
        public var complexityHistory: [ComplexityChange] = []
        /// The pause in force now, if any.
        public var paused: Pause? { pauseState.current }

        /// The base credits (1–10) in force at `instant` (UTC, by event time): what a run that
        /// completed at `instant` is charged, as `almanac audit verify` prices it (the
        /// configuration in force at the completion's time). Before the oldest change kept, the
        /// oldest value; with no history, the current configuration's.
        public func complexity(at instant: Date) -> Int {
            complexityHistory.last(where: { $0.from <= instant })?.complexity ?? complexityHistory.first?.complexity ?? config.complexity
        }
    }

    /// A job's `complexity` from the event time of the configuration that set it.
    public struct ComplexityChange: Sendable, Equatable {
        /// Event time (UTC) of the `app.configured` that set it.
        public var from: Date
        public var complexity: Int
        public init(from: Date, complexity: Int) {
            self.from = from
            self.complexity = complexity
        }
    }

    /// How many complexity changes each job keeps (``JobState/complexityHistory``): enough to
    /// price a run recovered after a crash by the value in force when it completed.
    public static let complexityHistoryLimit = 16

    public struct AppState: Sendable, Equatable {
        public var config: AppConfiguration
        public var configuredAt: Date
        public var pauseState = PauseState()
        public var jobs: [String: JobState]
        /// The pause in force now, if any.
        public var paused: Pause? { pauseState.current }
    }

    public internal(set) var apps: [String: AppState] = [:]
    /// The newest minute with a `tick.completed` (UTC).
    public internal(set) var lastTick: Date?
    /// Counts configuration changes (app configured or removed), so readers can tell cheaply
    /// whether schedules changed since they last looked.
    public internal(set) var configRevision = 0
    /// How many recent runs each job keeps.
    public var recentRunLimit = 20

    public init() {}

    public func job(_ key: JobKey) -> JobState? {
        guard let app = apps[key.app], app.config.account == key.account else { return nil }
        return app.jobs[key.job]
    }

    /// The pause that holds `job` of `app` at `instant`, if any: the app's own or the job's.
    /// Judged by event times (docs/design.md §5): a pause stamped before a minute's boundary holds that
    /// minute; a resume stamped after it does not release it.
    public func pause(app: String, job: String, at instant: Date) -> Pause? {
        guard let state = apps[app] else { return nil }
        return state.pauseState.pause(at: instant) ?? state.jobs[job]?.pauseState.pause(at: instant)
    }

    /// Every job, sorted by key (deterministic order for planning and display).
    public var allJobs: [JobState] {
        apps.values.flatMap { $0.jobs.values }.sorted { $0.key < $1.key }
    }
}
