import Foundation

/// Reconciles what the schedules called for with what the log says happened (issue 10): one
/// ``AuditRow`` per fire time and per manual or follow-up run, and the ``AuditDiscrepancy``s.
///
/// Rules (docs/events.md "Auditing"):
/// - **Fire times** come from ``CompiledSchedule`` (DST per docs/design.md §4) of the job's schedule
///   *in force for that minute*: the configuration read by the time the minute was ticked (the
///   `time` of its first `tick.completed`; for a minute not ticked, the minute itself), and only
///   after the instant that schedule took effect — the ticker's own rule, so an edit at 10:10 moves
///   the next slot, never an earlier one.
/// - **Outcome** comes from the events of the fire time's trigger id and its retries
///   (`<id>~<n>`): a skip, else the last attempt's completion, else the trigger's age.
/// - **"By now"** is the newest event `time` in the log (``AuditLog/latestTime``): a trigger is
///   late once that passes its `notBefore` (or its time) + the job's `timeoutSeconds` + 65 s (the
///   5 s kill grace and a minute's slack); a completion is uncharged once 60 s have passed.
public struct AuditReconciler: Sendable {
    public let log: AuditLog
    public let timeline: AuditTimeline
    /// The instant "by now" is judged from (the newest event time; the distant past for an empty log).
    public let asOf: Date
    /// Minutes are late by at most this much before a missing completion or charge is a finding.
    public static let slackSeconds = 65.0
    /// When each `tick.completed` was first written, oldest first.
    let tickTimes: [Date]
    let lastTick: Date?
    let firstTick: Date?
    /// App id → every root trigger id seen in triggers, skips, completions and charges.
    let roots: [String: Set<TriggerID>]
    /// Root trigger id → its retries' ids (`~2`, `~3` …), by attempt.
    let retryIDs: [TriggerID: [Int: TriggerID]]

    public init(_ log: AuditLog) {
        self.log = log
        timeline = AuditTimeline(log)
        asOf = log.latestTime ?? .distantPast
        tickTimes = log.ticks.values.sorted()
        lastTick = log.lastTick
        firstTick = log.ticks.keys.min()
        // The trigger ids' pass was built while reading (``AuditLog/triggerIndex``) unless two
        // copies of a trigger named different apps. The two other passes — the ids of skips and
        // completions; those of charges (mostly their trigger's) — run side by side and are added
        // in that order. An id already noted as a root of the same app would only be inserted
        // into the same set again: skipped (a lookup in the app's set instead of a split and an
        // insert). Retry ids are never roots, so they are always noted and later notes still win.
        var index: AuditRootIndex
        if log.triggerIndexExact {
            index = log.triggerIndex
        } else {
            index = AuditRootIndex()
            for (id, t) in log.triggers { index.note(id, app: t.event.job.app) }
        }
        let base = index
        let passes = ParallelChunks.map([1, 2]) { pass in
            var later = AuditRootIndex()
            if pass == 1 {
                for (id, s) in log.skips where !base.hasRoot(id, app: s.event.job.app) { later.note(id, app: s.event.job.app) }
                for (id, list) in log.completions where !base.hasRoot(id, app: list[0].event.job.app) { later.note(id, app: list[0].event.job.app) }
            } else {
                for (id, list) in log.charges where !base.hasRoot(id, app: list[0].event.app) { later.note(id, app: list[0].event.app) }
            }
            return later
        }
        index.add(passes[0])
        index.add(passes[1])
        roots = index.roots
        retryIDs = index.retries
    }

    /// The newest `tick.completed` written strictly before `instant`: the ticker's last sign of life.
    func lastTickWritten(before instant: Date) -> Date? {
        var low = 0
        var high = tickTimes.count
        while low < high {
            let mid = (low + high) / 2
            if tickTimes[mid] < instant { low = mid + 1 } else { high = mid }
        }
        return low > 0 ? tickTimes[low - 1] : nil
    }

    /// `a/b/c@2026-03-02T13:00Z~3` → (`a/b/c@2026-03-02T13:00Z`, 3); no `~`: attempt 1.
    static func split(_ id: TriggerID) -> (root: TriggerID, attempt: Int) {
        // Bytes, not Characters: `~` is ASCII, and most ids have none (no grapheme breaking per id).
        let utf8 = id.rawValue.utf8
        guard let tilde = utf8.firstIndex(of: UInt8(ascii: "~")) else { return (id, 1) }
        let attempt = Int(Substring(utf8[utf8.index(after: tilde)...])) ?? 1
        return (TriggerID(String(Substring(utf8[..<tilde]))), attempt)
    }

    /// Every app in the log (configured or seen in runs), sorted.
    public var apps: [String] {
        Set(timeline.epochs.keys).union(roots.keys).sorted()
    }

    /// The instant the configuration for `minute` was read: when it was first ticked, else itself.
    func cutoff(_ minute: Date) -> Date { log.ticks[minute] ?? minute }

    /// The fire times of `job` of `app` with `from <= t < to` that the schedule in force called for.
    public func fireTimes(app: String, job: String, from: Date, to: Date) -> [Date] {
        guard from < to else { return [] }
        let epochs = timeline.epochs[app]?[job] ?? []
        // One epoch (a job configured once): its occurrences are already ascending and distinct.
        if epochs.count == 1 { return fireTimes(of: epochs[0], from: from, to: to) }
        var result = Set<Date>()
        for epoch in epochs { result.formUnion(fireTimes(of: epoch, from: from, to: to)) }
        return result.sorted()
    }

    /// The fire times in `[from, to)` that `epoch`'s schedule called for while it was in force, ascending.
    private func fireTimes(of epoch: AuditTimeline.JobEpoch, from: Date, to: Date) -> [Date] {
        guard let schedule = epoch.job.schedule else { return [] }
        let start = max(from.addingTimeInterval(-0.001), epoch.job.scheduleEffectiveFrom)
        // A minute's configuration is read when it is ticked, at or after the minute itself.
        let end = min(to.addingTimeInterval(-0.001), epoch.until ?? to)
        guard start < end else { return [] }
        var result: [Date] = []
        for minute in schedule.occurrences(after: start, through: end) {
            let read = cutoff(minute)
            if read >= epoch.from, epoch.until.map({ read < $0 }) ?? true { result.append(minute) }
        }
        return result
    }

    /// The runs of `app` (one `job`, or all) whose fire time (or request time) is in `[from, to)`.
    public func runs(app: String, job: String? = nil, from: Date, to: Date) -> AuditRunsReport {
        var minuteNames = MinuteNames()
        let runs = reconcileApp(app, job: job, from: from, to: to, pricing: nil, minuteNames: &minuteNames)
        return AuditRunsReport(app: app, job: job, from: from, to: to, asOf: asOf, zone: zone(of: app), rows: runs.rows, discrepancies: runs.findings)
    }

    /// The rows of `app`'s runs in `[from, to)` (sorted as reports list them), their findings
    /// (sorted), and — with `pricing` — the billing of each run's ids added up, with the billing
    /// findings in row order (``verify(from:to:pricing:)``'s order).
    func reconcileApp(_ app: String, job: String?, from: Date, to: Date, pricing: PricingSchedule?, minuteNames: inout MinuteNames)
        -> (rows: [AuditRow], findings: [AuditDiscrepancy], billing: AuditVerification.Billing, billingFindings: [AuditDiscrepancy])
    {
        var candidates: [TriggerID: (key: JobKey, at: Date, source: TriggerSource, expected: Bool)] = [:]
        let jobNames = Set(timeline.epochs[app]?.keys.map { $0 } ?? [])
        for name in jobNames where job == nil || name == job {
            let account = timeline.accounts[app] ?? ""
            let key = JobKey(account: account, app: app, job: name)
            // `TriggerID.scheduled(key, at: minute)`, with the key and each minute formatted once.
            let prefix = TriggerID.scheduledPrefix(key)
            for minute in fireTimes(app: app, job: name, from: from, to: to) {
                let id = TriggerID(prefix + minuteNames.name(of: minute))
                candidates[id] = (key, minute, .scheduled, true)
            }
        }
        for root in roots[app] ?? [] where candidates[root] == nil {
            guard let info = describe(root), job == nil || info.key.job == job, from <= info.at, info.at < to else { continue }
            candidates[root] = (info.key, info.at, info.source, false)
        }
        var runs: [ReconciledRun] = []
        runs.reserveCapacity(candidates.count)
        var findings: [AuditDiscrepancy] = []
        for (root, c) in candidates {
            let run = reconcile(root: root, key: c.key, scheduledFor: c.at, source: c.source, expected: c.expected, pricing: pricing)
            findings += run.findings
            runs.append(run)
        }
        runs.sort { ($0.row.scheduledFor, $0.row.job.job, $0.row.triggerId.rawValue) < ($1.row.scheduledFor, $1.row.job.job, $1.row.triggerId.rawValue) }
        var billing = AuditVerification.Billing()
        var billingFindings: [AuditDiscrepancy] = []
        if pricing != nil {
            for run in runs {
                billing.add(run.billing)
                billingFindings += run.billingFindings
            }
        }
        return (runs.map(\.row), findings.sorted(), billing, billingFindings)
    }

    /// The app's IANA zone as last configured (UTC when unknown).
    public func zone(of app: String) -> TimeZone {
        timeline.zones[app].flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
    }

    /// Job, time and source of a root trigger id from its events (or its id's shape).
    private func describe(_ root: TriggerID) -> (key: JobKey, at: Date, source: TriggerSource)? {
        if let t = log.triggers[root] { return (t.event.job, t.event.scheduledFor, t.event.source) }
        if let s = log.skips[root] { return (s.event.job, s.event.scheduledFor, .scheduled) }
        let ids = [root] + retriesOf(root)
        for id in ids {
            if let t = log.triggers[id] { return (t.event.job, t.event.scheduledFor, t.event.source == .retry ? Self.source(of: root) : t.event.source) }
        }
        for id in ids {
            if let c = log.completions[id]?.first {
                return (c.event.job, Self.scheduledFor(of: root) ?? c.event.startedAt, Self.source(of: root))
            }
            if let c = log.charges[id]?.first {
                let key = JobKey(account: c.event.account, app: c.event.app, job: c.event.job)
                return (key, Self.scheduledFor(of: root) ?? c.time, Self.source(of: root))
            }
        }
        return nil
    }

    /// The source a trigger id's shape implies (docs/design.md §3): `…#n` follow-up, `…@minute` scheduled, else manual.
    static func source(of root: TriggerID) -> TriggerSource {
        if root.rawValue.contains("#") { return .enqueue }
        return scheduledFor(of: root) != nil ? .scheduled : .manual
    }

    /// The minute in a scheduled trigger id (`…@2026-03-02T13:00Z`).
    static func scheduledFor(of root: TriggerID) -> Date? {
        guard let at = root.rawValue.lastIndex(of: "@") else { return nil }
        return RFC3339.parse(String(root.rawValue[root.rawValue.index(after: at)...]))
    }
}
