import Foundation

/// The JSON shape of a snapshot's state (schema `schemas/snapshot.v1.json`, `document`): apps
/// sorted by id, jobs by name; instants are seconds since 2001-01-01T00:00:00Z (Foundation's
/// reference date) as JSON numbers, which round-trip a `Date` exactly. Compiled schedules are
/// not stored: they are rebuilt from each job's schedule text and the app's time zone.
struct SnapshotDocument: Codable {
    var version: String
    var lastTick: Date?
    var configRevision: Int
    var recentRunLimit: Int
    var apps: [App]

    struct App: Codable {
        var config: AppConfiguration
        var configuredAt: Date
        var pause: PauseState
        var jobs: [Job]
    }

    struct Job: Codable {
        var name: String
        var scheduleEffectiveFrom: Date
        var pause: PauseState
        var recentRuns: [Run]
        var complexityHistory: [Complexity]
    }

    struct PauseState: Codable {
        var current: Pause?
        var lastEnded: EndedPause?
    }

    struct Pause: Codable {
        var since: Date
        var reason: String?
        var actor: String?
    }

    struct EndedPause: Codable {
        var pausedSince: Date
        var resumedAt: Date
    }

    struct Run: Codable {
        var triggerId: String
        var scheduledFor: Date?
        var outcome: String
        var at: Date
        var startedAt: Date?
        var durationMilliseconds: Int64?
        var attempt: Int?
        var error: String?
        var exitCode: Int32?
        var signal: Int32?
        var failure: RunFailure?
        var refusedReportLines: Int?
    }

    struct Complexity: Codable {
        var from: Date
        var complexity: Int
    }
}

extension SnapshotDocument {
    init(_ state: SchedulerState, version: String) {
        self.version = version
        lastTick = state.lastTick
        configRevision = state.configRevision
        recentRunLimit = state.recentRunLimit
        apps = state.apps.keys.sorted().map { id in
            let app = state.apps[id]!
            return App(config: app.config, configuredAt: app.configuredAt, pause: PauseState(app.pauseState),
                       jobs: app.jobs.keys.sorted().map { name in
                           let job = app.jobs[name]!
                           return Job(name: name, scheduleEffectiveFrom: job.scheduleEffectiveFrom, pause: PauseState(job.pauseState),
                                      recentRuns: job.recentRuns.map(Run.init),
                                      complexityHistory: job.complexityHistory.map { Complexity(from: $0.from, complexity: $0.complexity) })
                       })
        }
    }

    /// The state this document describes.
    /// - Throws: `EventDecodingError(.schemaViolation)` when an app's jobs do not match its
    ///   configuration's, or an app is listed twice.
    func state() throws -> SchedulerState {
        var state = SchedulerState()
        state.lastTick = lastTick
        state.configRevision = configRevision
        state.recentRunLimit = recentRunLimit
        for (index, app) in apps.enumerated() {
            let config = app.config
            guard state.apps[config.app] == nil else {
                throw EventDecodingError(.schemaViolation, "apps[\(index)]: app \"\(config.app)\" is listed twice")
            }
            let configured = Dictionary(config.jobs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            guard Set(configured.keys) == Set(app.jobs.map(\.name)), app.jobs.count == configured.count else {
                throw EventDecodingError(.schemaViolation, "apps[\(index)] (\"\(config.app)\"): jobs \(app.jobs.map(\.name)) do not match the configuration's \(config.jobs.map(\.name))")
            }
            var jobs: [String: SchedulerState.JobState] = [:]
            for job in app.jobs {
                let jobConfig = configured[job.name]!
                let schedule = jobConfig.schedule.flatMap { text in
                    (try? ScheduleExpression.parse(text)).flatMap { try? CompiledSchedule($0, zoneIdentifier: config.timeZone) }
                }
                jobs[job.name] = SchedulerState.JobState(
                    key: JobKey(account: config.account, app: config.app, job: job.name), config: jobConfig, schedule: schedule,
                    scheduleEffectiveFrom: job.scheduleEffectiveFrom, pauseState: job.pause.model, recentRuns: job.recentRuns.map(\.model),
                    complexityHistory: job.complexityHistory.map { SchedulerState.ComplexityChange(from: $0.from, complexity: $0.complexity) })
            }
            state.apps[config.app] = SchedulerState.AppState(config: config, configuredAt: app.configuredAt, pauseState: app.pause.model, jobs: jobs)
        }
        return state
    }
}

extension SnapshotDocument.PauseState {
    init(_ state: SchedulerState.PauseState) {
        current = state.current.map { SnapshotDocument.Pause(since: $0.since, reason: $0.reason, actor: $0.actor) }
        lastEnded = state.lastEnded.map { SnapshotDocument.EndedPause(pausedSince: $0.pausedSince, resumedAt: $0.resumedAt) }
    }

    var model: SchedulerState.PauseState {
        SchedulerState.PauseState(current: current.map { SchedulerState.Pause(since: $0.since, reason: $0.reason, actor: $0.actor) },
                                  lastEnded: lastEnded.map { SchedulerState.EndedPause(pausedSince: $0.pausedSince, resumedAt: $0.resumedAt) })
    }
}

extension SnapshotDocument.Run {
    init(_ run: SchedulerState.RunRecord) {
        self.init(triggerId: run.triggerId.rawValue, scheduledFor: run.scheduledFor, outcome: run.outcome, at: run.at,
                  startedAt: run.startedAt, durationMilliseconds: run.durationMilliseconds, attempt: run.attempt,
                  error: run.error, exitCode: run.exitCode, signal: run.signal, failure: run.failure,
                  refusedReportLines: run.refusedReportLines)
    }

    var model: SchedulerState.RunRecord {
        var run = SchedulerState.RunRecord(triggerId: TriggerID(triggerId), scheduledFor: scheduledFor, outcome: outcome, at: at,
                                           startedAt: startedAt, durationMilliseconds: durationMilliseconds, attempt: attempt)
        run.error = error
        run.exitCode = exitCode
        run.signal = signal
        run.failure = failure
        run.refusedReportLines = refusedReportLines
        return run
    }
}
