import Foundation

/// The configuration and pause history of every app, rebuilt from config and control events in
/// the order of their `time` (ties by log position): which schedule each job had when, and every
/// pause with its actor, reason and end.
///
/// The same ``SchedulerState`` fold as the projector decides what an event does (a pause for an
/// unknown app is ignored, an unchanged schedule keeps the instant it took effect), so the audit
/// never has a second set of rules; only the history is kept instead of the latest value.
public struct AuditTimeline: Sendable {
    /// One job's configuration from one config event to the next one of its app.
    public struct JobEpoch: Sendable {
        /// The config event's time: the epoch is in force for planning from here (UTC).
        public var from: Date
        /// The next config event of the app (an edit or the removal), if any.
        public var until: Date?
        public var job: SchedulerState.JobState
    }

    /// A pause of an app or a job: from its `time` until the resume's `time` (nil: not resumed).
    public struct PauseInterval: Hashable, Sendable {
        public var since: Date
        public var until: Date?
        public var reason: String?
        public var actor: String?
        /// The job paused, or nil for the whole app.
        public var job: String?

        /// Holds a run due at `instant`: begun strictly before it and not resumed before it
        /// (``SchedulerState/PauseState/pause(at:)``'s rule, docs/design.md §5).
        public func holds(_ instant: Date) -> Bool {
            since < instant && until.map { $0 >= instant } ?? true
        }
    }

    /// App id → job name → epochs, oldest first.
    public private(set) var epochs: [String: [String: [JobEpoch]]] = [:]
    /// App id → its pauses and its jobs' pauses, oldest first.
    public private(set) var pauses: [String: [PauseInterval]] = [:]
    /// App id → account, as last configured.
    public private(set) var accounts: [String: String] = [:]
    /// App id → IANA zone, as last configured.
    public private(set) var zones: [String: String] = [:]

    /// Builds the history from `log`'s config and control events with `time <= until` (all by default).
    public init(_ log: AuditLog, until: Date? = nil) {
        var state = SchedulerState()
        for change in log.orderedChanges {
            if let until, change.time > until { break }
            guard state.apply(change.envelope) == .applied else { continue }
            let time = change.time
            switch change.envelope.event {
            case .appConfigured(let e):
                let app = e.config.app
                closeEpochs(app: app, at: time)
                accounts[app] = e.config.account
                zones[app] = e.config.timeZone
                for (name, job) in state.apps[app]?.jobs ?? [:] {
                    epochs[app, default: [:]][name, default: []].append(JobEpoch(from: time, until: nil, job: job))
                }
            case .appRemoved(let e):
                closeEpochs(app: e.app, at: time)
                // The projection forgets a removed app's pauses; so does the history.
                pauses[e.app] = pauses[e.app]?.map { var p = $0; p.until = p.until ?? time; return p }
            case .schedulePaused(let e):
                if !(pauses[e.app] ?? []).contains(where: { $0.job == e.job && $0.until == nil }) {
                    pauses[e.app, default: []].append(PauseInterval(since: time, until: nil, reason: e.reason, actor: e.actor, job: e.job))
                }
            case .scheduleResumed(let e):
                if let index = pauses[e.app]?.lastIndex(where: { $0.job == e.job && $0.until == nil }) {
                    pauses[e.app]![index].until = time
                }
            default:
                break
            }
        }
    }

    private mutating func closeEpochs(app: String, at time: Date) {
        guard var jobs = epochs[app] else { return }
        for (name, list) in jobs {
            guard var last = list.last, last.until == nil else { continue }
            last.until = time
            jobs[name]![list.count - 1] = last
        }
        epochs[app] = jobs
    }

    /// The epoch of `job` of `app` in force at `instant`: the newest with `from <= instant`
    /// that had not ended by then.
    public func epoch(app: String, job: String, at instant: Date) -> JobEpoch? {
        guard let list = epochs[app]?[job] else { return nil }
        guard let epoch = list.last(where: { $0.from <= instant }), epoch.until.map({ instant < $0 }) ?? true else { return nil }
        return epoch
    }

    /// The pause that holds `job` of `app` at `instant`: the app's own first, then the job's.
    public func pause(app: String, job: String, at instant: Date) -> PauseInterval? {
        let list = pauses[app] ?? []
        return list.last { $0.job == nil && $0.holds(instant) } ?? list.last { $0.job == job && $0.holds(instant) }
    }
}
