import Foundation

extension SchedulerState {
    /// What ``SchedulerState/apply(_:)`` did with an event.
    public enum ApplyOutcome: Equatable, Sendable {
        case applied
        /// Not a projector event (triggers, charges…) or a no-op; nothing changed.
        case ignored
        /// Well-formed but not applicable (e.g. a pause for an unknown app): goes to the dlq.
        case rejected(EventDecodingError)
    }

    /// Folds one event into the state. Events must be applied in log order per key.
    @discardableResult
    public mutating func apply(_ envelope: EventEnvelope) -> ApplyOutcome {
        switch envelope.event {
        case .appConfigured(let e):
            if let existing = apps[e.config.app], existing.config.account != e.config.account {
                return .rejected(EventDecodingError(.invalidData, "app \"\(e.config.app)\" belongs to account \"\(existing.config.account)\", not \"\(e.config.account)\""))
            }
            configure(e.config, at: envelope.time)
            configRevision += 1
            return .applied
        case .appRemoved(let e):
            guard let existing = apps[e.app] else {
                return .rejected(EventDecodingError(.unknownApp, "app \"\(e.app)\" is not configured"))
            }
            guard existing.config.account == e.account else {
                return .rejected(EventDecodingError(.invalidData, "app \"\(e.app)\" belongs to account \"\(existing.config.account)\", not \"\(e.account)\""))
            }
            apps.removeValue(forKey: e.app)
            configRevision += 1
            return .applied
        case .schedulePaused(let e):
            return toggle(e) { $0.pause(Pause(since: envelope.time, reason: e.reason, actor: e.actor)) }
        case .scheduleResumed(let e):
            return toggle(e) { $0.resume(at: envelope.time) }
        case .tickCompleted(let e):
            if lastTick.map({ e.minute > $0 }) ?? true { lastTick = e.minute }
            return .applied
        case .jobCompleted(let e):
            var run = RunRecord(triggerId: e.triggerId, scheduledFor: nil, outcome: e.status.rawValue, at: e.finishedAt,
                                startedAt: e.startedAt, durationMilliseconds: e.durationMilliseconds, attempt: e.attempt)
            run.error = e.error.map { $0.count > RunRecord.errorLimit ? String($0.prefix(RunRecord.errorLimit)) + "…" : $0 }
            run.exitCode = e.exitCode
            run.signal = e.signal
            run.failure = e.failure
            run.refusedReportLines = e.refusedReportLines
            record(e.job, run)
            return .applied
        case .jobSkipped(let e):
            record(e.job, RunRecord(triggerId: e.triggerId, scheduledFor: e.scheduledFor, outcome: "skipped:\(e.reason.rawValue)", at: envelope.time))
            return .applied
        case .jobTriggered, .jobStarted, .creditsCharged, .eventRejected:
            return .ignored
        }
    }

    private mutating func configure(_ config: AppConfiguration, at time: Date) {
        let previous = apps[config.app]
        var jobs: [String: JobState] = [:]
        for job in config.jobs {
            let key = JobKey(account: config.account, app: config.app, job: job.name)
            let old = previous?.jobs[job.name]
            let schedule = job.schedule.flatMap { text in
                (try? ScheduleExpression.parse(text)).flatMap { try? CompiledSchedule($0, zoneIdentifier: config.timeZone) }
            }
            // An unchanged schedule keeps its effective time, so re-applying a config never moves slots.
            let unchanged = old.map { $0.config.schedule == job.schedule && previous?.config.timeZone == config.timeZone } ?? false
            jobs[job.name] = JobState(
                key: key, config: job, schedule: schedule,
                scheduleEffectiveFrom: unchanged ? old!.scheduleEffectiveFrom : time,
                pauseState: old?.pauseState ?? PauseState(), recentRuns: old?.recentRuns ?? [],
                complexityHistory: Self.complexityHistory(old?.complexityHistory ?? [], adding: job.complexity, at: time))
        }
        apps[config.app] = AppState(config: config, configuredAt: time, pauseState: previous?.pauseState ?? PauseState(), jobs: jobs)
    }

    /// `history` with `complexity` in force from `time` (kept sorted by time: configurations may
    /// be applied out of time order), unless the value in force then is already `complexity`.
    static func complexityHistory(_ history: [ComplexityChange], adding complexity: Int, at time: Date) -> [ComplexityChange] {
        var history = history
        let index = history.firstIndex { $0.from > time } ?? history.endIndex
        if index > 0, history[index - 1].complexity == complexity { return history }
        history.insert(ComplexityChange(from: time, complexity: complexity), at: index)
        if history.count > complexityHistoryLimit { history.removeFirst(history.count - complexityHistoryLimit) }
        return history
    }

    private mutating func toggle(_ e: ScheduleToggled, _ change: (inout PauseState) -> Void) -> ApplyOutcome {
        guard var app = apps[e.app] else {
            return .rejected(EventDecodingError(.unknownApp, "app \"\(e.app)\" is not configured"))
        }
        if let job = e.job {
            guard app.jobs[job] != nil else {
                return .rejected(EventDecodingError(.invalidData, "app \"\(e.app)\" has no job \"\(job)\""))
            }
            change(&app.jobs[job]!.pauseState)
        } else {
            change(&app.pauseState)
        }
        apps[e.app] = app
        return .applied
    }

    private mutating func record(_ key: JobKey, _ run: RunRecord) {
        guard apps[key.app]?.jobs[key.job] != nil else { return }
        var runs = apps[key.app]!.jobs[key.job]!.recentRuns
        runs.append(run)
        if runs.count > recentRunLimit { runs.removeFirst(runs.count - recentRunLimit) }
        apps[key.app]!.jobs[key.job]!.recentRuns = runs
    }
}
