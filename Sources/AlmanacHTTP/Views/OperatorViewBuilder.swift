import AlmanacCore
import Foundation

/// Builds the API's and the panel's views from a ``SchedulerState`` and an ``OperatorLedger`` as
/// of `now`. Pure: no I/O, no clock (the caller passes `now`), deterministic order (apps by
/// account then name, jobs by name, runs newest first).
///
/// ```swift
/// let builder = OperatorViewBuilder(state: store.state, ledger: ledger.ledger, now: clock.now())
/// let list = builder.appList()                // GET /v1/apps
/// let one = builder.app("clinic-reminders")    // nil when not configured
/// ```
public struct OperatorViewBuilder: Sendable {
    public var state: SchedulerState
    public var ledger: OperatorLedger
    public var now: Date
    /// Next fire times shown per job.
    public var nextRunCount = 5
    /// Last runs shown per job in app views (``runs(app:job:limit:)`` takes its own limit).
    public var lastRunCount = 5

    public init(state: SchedulerState, ledger: OperatorLedger, now: Date) {
        self.state = state
        self.ledger = ledger
        self.now = now
    }

    /// The views `principal` may see (``SchedulerState/visible(to:)``,
    /// ``OperatorLedger/visible(to:state:)``) of the backend's state and ledger as of its now.
    public init(backend: any OperatorBackend, principal: Principal) {
        let state = backend.state
        self.init(state: state.visible(to: principal), ledger: backend.ledger.visible(to: principal, state: state), now: backend.now())
    }

    /// `2026-03-02`: the UTC day "today" means.
    public var day: String { String(RFC3339.utcMilliseconds(now).prefix(10)) }

    /// Every app and account.
    public func appList() -> AppListView {
        let apps = state.apps.values.sorted { ($0.config.account, $0.config.app) < ($1.config.account, $1.config.app) }
        return AppListView(now: RFC3339.utcMilliseconds(now), day: day, apps: apps.map(view), accounts: accounts())
    }

    /// Every account that has an app or was charged today, with its apps and today's credits.
    public func accounts() -> [AccountView] {
        let today = ledger.credits(onDayOf: now)
        var apps: [String: [String]] = [:]
        for app in state.apps.values { apps[app.config.account, default: []].append(app.config.app) }
        for ref in today.apps.keys where apps[ref.account] == nil { apps[ref.account] = [] }
        return apps.keys.sorted().map { account in
            let refs = today.apps.keys.filter { $0.account == account }
            return AccountView(account: account, apps: apps[account]!.sorted(),
                               creditsToday: Self.credits(refs.reduce(into: .zero) { $0.addSaturating(today.apps[$1]!) },
                                                          runs: refs.reduce(0) { $0 + (today.runs[$1] ?? 0) }))
        }
    }

    /// One app, or `nil` when it is not configured.
    public func app(_ name: String) -> AppView? {
        state.apps[name].map(view)
    }

    /// The newest `limit` runs of a job, or `nil` when the app or job is not configured.
    public func runs(app: String, job: String, limit: Int) -> JobRunsView? {
        guard let appState = state.apps[app], let jobState = appState.jobs[job] else { return nil }
        return JobRunsView(app: app, job: job, key: jobState.key.description,
                           runs: jobState.recentRuns.suffix(limit).reversed().map { run(view: $0, zone: appState.config.timeZone) })
    }

    /// The newest `limit` dlq entries.
    public func dlq(limit: Int) -> DLQView {
        DLQView(total: ledger.rejectionCount, rejections: ledger.rejections.suffix(limit).reversed().map { entry in
            RejectionView(time: RFC3339.utcMilliseconds(entry.time), topic: entry.rejected.topic, partition: entry.rejected.partition,
                          offset: entry.rejected.offset, key: entry.rejected.key, reason: entry.rejected.reason.rawValue,
                          detail: entry.rejected.detail, rejectedBy: entry.rejected.rejectedBy)
        })
    }

    /// The next `count` fire times of a job after `now` (never at or before its schedule took
    /// effect); a paused job still lists them (they will be skipped unless it is resumed).
    public static func nextRuns(of job: SchedulerState.JobState, after now: Date, count: Int) -> [Date] {
        guard let schedule = job.schedule else { return [] }
        var result: [Date] = []
        var cursor = max(now, job.scheduleEffectiveFrom)
        while result.count < count, let next = schedule.next(after: cursor) {
            result.append(next)
            cursor = next
        }
        return result
    }

    static func credits(_ amount: Millicredits, runs: Int) -> CreditsView {
        CreditsView(millicredits: amount.rawValue, credits: amount.description, runs: runs)
    }

    private func view(_ app: SchedulerState.AppState) -> AppView {
        let zone = app.config.timeZone
        let today = ledger.credits(onDayOf: now)
        let ref = OperatorLedger.AppRef(account: app.config.account, app: app.config.app)
        let jobs = app.jobs.values.sorted { $0.key.job < $1.key.job }.map { job in
            JobView(name: job.key.job, key: job.key.description, schedule: job.config.schedule,
                    enabled: app.paused == nil && job.paused == nil, paused: job.paused.map(Self.pause),
                    complexity: job.config.complexity, overlap: job.config.overlap.rawValue,
                    nextRuns: Self.nextRuns(of: job, after: now, count: nextRunCount).map { instant($0, zone: zone) },
                    lastRuns: job.recentRuns.suffix(lastRunCount).reversed().map { run(view: $0, zone: zone) })
        }
        return AppView(app: app.config.app, account: app.config.account, zone: zone, enabled: app.paused == nil,
                       paused: app.paused.map(Self.pause), configuredAt: RFC3339.utcMilliseconds(app.configuredAt),
                       creditsToday: Self.credits(today.apps[ref] ?? .zero, runs: today.runs[ref] ?? 0), jobs: jobs)
    }

    private static func pause(_ pause: SchedulerState.Pause) -> PauseView {
        PauseView(since: RFC3339.utcMilliseconds(pause.since), reason: pause.reason, actor: pause.actor)
    }

    private func instant(_ date: Date, zone: String) -> InstantView {
        InstantView(utc: RFC3339.utcMilliseconds(date), local: RFC3339.format(date, zoneIdentifier: zone))
    }

    private func run(view run: SchedulerState.RunRecord, zone: String) -> RunView {
        let skipped = run.outcome.hasPrefix("skipped:")
        var view = RunView(triggerId: run.triggerId.rawValue, status: skipped ? "skipped" : run.outcome,
                           skipReason: skipped ? String(run.outcome.dropFirst("skipped:".count)) : nil,
                           scheduledFor: (run.scheduledFor ?? run.triggerId.scheduledMinute).map { instant($0, zone: zone) }, at: instant(run.at, zone: zone),
                           startedAt: run.startedAt.map { instant($0, zone: zone) },
                           durationMilliseconds: run.durationMilliseconds, attempt: run.attempt)
        view.error = run.error
        view.exitCode = run.exitCode
        view.signal = run.signal
        view.failure = run.failure?.rawValue
        view.refusedReportLines = run.refusedReportLines
        if run.outcome == RunStatus.succeeded.rawValue, (run.refusedReportLines ?? 0) > 0 { view.needsAttention = true }
        if !skipped, let total = ledger.charge(run.triggerId) {
            view.charge = CreditsAmountView(millicredits: total.rawValue, credits: total.description)
        }
        return view
    }
}
