import Foundation

/// The answer of `almanac audit state --at T`: the scheduler's configuration and pause state as
/// they were at instant T, rebuilt only from config and control events whose `time` is at or
/// before T (the ``SchedulerState`` fold, in event-time order).
public struct AuditStateSnapshot: Sendable, Encodable {
    /// A pause in force at T.
    public struct Pause: Hashable, Sendable, Encodable {
        /// RFC 3339 UTC.
        public var since: String
        public var reason: String?
        public var actor: String?
    }

    public struct Job: Sendable, Encodable {
        public var name: String
        public var schedule: String?
        /// When the schedule took effect (RFC 3339 UTC); it fires only after this.
        public var scheduleEffectiveFrom: String
        /// The first fire time after T (RFC 3339 UTC), if scheduled.
        public var nextRunAfter: String?
        public var paused: Pause?
        public var complexity: Int
        public var timeoutSeconds: Int
        public var retries: Int
        public var overlap: String
        public var catchUpWindowSeconds: Int
    }

    public struct App: Sendable, Encodable {
        public var app: String
        public var account: String
        public var timeZone: String
        /// The config event in force (RFC 3339 UTC).
        public var configuredAt: String
        public var paused: Pause?
        public var jobs: [Job]
    }

    /// T, RFC 3339 UTC.
    public var at: String
    public var apps: [App]
    /// Config and control events applied (`time <= T`).
    public var eventsApplied: Int
    /// The newest minute whose `tick.completed` was written at or before T.
    public var lastTick: String?

    /// - Parameter app: only this app (nil: all).
    public init(_ log: AuditLog, at instant: Date, app only: String? = nil) {
        var state = SchedulerState()
        var applied = 0
        for change in log.orderedChanges {
            guard change.time <= instant else { break }
            if state.apply(change.envelope) == .applied { applied += 1 }
        }
        func pause(_ p: SchedulerState.Pause?) -> Pause? {
            p.map { Pause(since: RFC3339.utcMilliseconds($0.since), reason: $0.reason, actor: $0.actor) }
        }
        at = RFC3339.utcMilliseconds(instant)
        eventsApplied = applied
        apps = state.apps.values.filter { only == nil || $0.config.app == only }.sorted { $0.config.app < $1.config.app }.map { app in
            App(app: app.config.app, account: app.config.account, timeZone: app.config.timeZone,
                configuredAt: RFC3339.utcMilliseconds(app.configuredAt), paused: pause(app.paused),
                jobs: app.jobs.values.sorted { $0.key < $1.key }.map { job in
                    Job(name: job.key.job, schedule: job.config.schedule,
                        scheduleEffectiveFrom: RFC3339.utcMilliseconds(job.scheduleEffectiveFrom),
                        nextRunAfter: job.schedule?.next(after: max(instant, job.scheduleEffectiveFrom)).map(RFC3339.utcMilliseconds),
                        paused: pause(job.paused), complexity: job.config.complexity, timeoutSeconds: job.config.timeoutSeconds,
                        retries: job.config.retries, overlap: job.config.overlap.rawValue, catchUpWindowSeconds: job.config.catchUpWindowSeconds)
                })
        }
        lastTick = log.ticks.filter { $0.value <= instant }.keys.max().map(RFC3339.utcMilliseconds)
    }

    public func json() -> String { AuditJSON.encode(self) }

    /// One block per app: zone, pause, then one line per job.
    public func text() -> String {
        var out = "State at \(at): \(apps.count) app(s), \(eventsApplied) config/control event(s) applied; last tick \(lastTick ?? "none")\n"
        for app in apps {
            out += "\n\(app.app) (account \(app.account), \(app.timeZone), configured \(app.configuredAt))"
            out += app.paused.map { " PAUSED since \($0.since) by \($0.actor ?? "unknown")\($0.reason.map { ": \($0)" } ?? "")" } ?? ""
            out += "\n"
            var table = [["job", "schedule", "since", "next run", "state"]]
            for job in app.jobs {
                let state = job.paused.map { "paused since \($0.since) by \($0.actor ?? "unknown")\($0.reason.map { ": \($0)" } ?? "")" }
                    ?? (app.paused != nil ? "paused (app)" : "active")
                table.append([job.name, job.schedule ?? "-", job.scheduleEffectiveFrom, job.nextRunAfter ?? "-", state])
            }
            out += AuditJSON.columns(table, numeric: []).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        }
        return out
    }
}
