import Foundation

/// Why a trigger exists.
public enum TriggerSource: String, Codable, Hashable, Sendable {
    case scheduled, manual, enqueue, retry
}

/// `almanac.job.triggered` (topic `triggers`, key job key): run this job now.
public struct JobTriggered: Codable, Hashable, Sendable {
    public var triggerId: TriggerID
    public var job: JobKey
    /// The fire time the run is for (UTC minute); for manual and follow-up runs, when it was asked.
    public var scheduledFor: Date
    public var source: TriggerSource
    /// 1 for the first attempt; retries count up.
    public var attempt: Int
    public var params: JSONValue?
    /// For follow-ups and retries: the trigger that caused this one.
    public var parentTriggerId: TriggerID?
    /// Retries: do not start before this instant (backoff).
    public var notBefore: Date?
    /// Manual runs: who asked for the run (the http role's principal name, `cli:<user>`);
    /// `nil` for the scheduler's own triggers.
    public var actor: String?

    public init(triggerId: TriggerID, job: JobKey, scheduledFor: Date, source: TriggerSource, attempt: Int = 1,
                params: JSONValue? = nil, parentTriggerId: TriggerID? = nil, notBefore: Date? = nil, actor: String? = nil) {
        self.triggerId = triggerId
        self.job = job
        self.scheduledFor = scheduledFor
        self.source = source
        self.attempt = attempt
        self.params = params
        self.parentTriggerId = parentTriggerId
        self.notBefore = notBefore
        self.actor = actor
    }
}

/// `almanac.job.started` (topic `executions`, key job key).
public struct JobStarted: Codable, Hashable, Sendable {
    public var triggerId: TriggerID
    public var executionId: String
    public var job: JobKey
    public var worker: String
    public var startedAt: Date
    public var attempt: Int
    public init(triggerId: TriggerID, executionId: String, job: JobKey, worker: String, startedAt: Date, attempt: Int) {
        self.triggerId = triggerId
        self.executionId = executionId
        self.job = job
        self.worker = worker
        self.startedAt = startedAt
        self.attempt = attempt
    }
}

/// How a run ended.
public enum RunStatus: String, Codable, Hashable, Sendable {
    case succeeded, failed
    case timedOut = "timed_out"
}

/// Metered usage a run reported (docs/design.md §5 report protocol).
public struct RunUsage: Codable, Hashable, Sendable {
    public struct AITokens: Codable, Hashable, Sendable {
        public var model: String
        public var inputTokens: Int64
        public var outputTokens: Int64
        public init(model: String, inputTokens: Int64, outputTokens: Int64) {
            self.model = model
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
        }
    }
    public var ai: [AITokens]
    public var emails: Int64
    public var sms: Int64
    public init(ai: [AITokens] = [], emails: Int64 = 0, sms: Int64 = 0) {
        self.ai = ai
        self.emails = emails
        self.sms = sms
    }
    public static let none = RunUsage()

    /// Upper bound of each usage total of one run (tokens per model and direction, emails, SMS),
    /// enforced where workers take usage in (`RunReport`, `almanac estimate --usage`): far above
    /// any real run, and low enough that pricing a run cannot pass 64-bit millicredits (see
    /// ``Pricer``).
    public static let maximumQuantity: Int64 = 1_000_000_000_000
    /// Upper bound of the distinct AI models one run reports (see ``maximumQuantity``).
    public static let maximumAIModels = 100
}

/// `almanac.job.completed` (topic `executions`, key job key): a run finished.
public struct JobCompleted: Codable, Hashable, Sendable {
    public var triggerId: TriggerID
    public var executionId: String
    public var job: JobKey
    public var status: RunStatus
    public var attempt: Int
    public var exitCode: Int32?
    public var startedAt: Date
    public var finishedAt: Date
    public var durationMilliseconds: Int64
    public var usage: RunUsage
    /// Follow-up triggers this run queued.
    public var followUps: [TriggerID]
    /// Last 64 KiB of stdout / stderr.
    public var stdoutTail: String
    public var stderrTail: String
    /// Why it failed (exit code, signal, malformed report lines …), if it did.
    public var error: String?
    /// `notStarted` when the run never started (with status `failed`); absent otherwise.
    public var failure: RunFailure?
    /// How many of the run's report lines were refused (malformed, unknown, over a limit; `error`
    /// says which); absent when none. A run with refused lines may have metered less than it used.
    public var refusedReportLines: Int?
    /// The signal that ended the process (`9` for SIGKILL), when one did; absent otherwise (then
    /// `exitCode` says how it ended, or no process ran).
    public var signal: Int32?

    /// Whether the run is charged: every completion is, except one that never started
    /// (docs/billing.md, "What a run costs").
    public var isCharged: Bool { failure != .notStarted }

    public init(triggerId: TriggerID, executionId: String, job: JobKey, status: RunStatus, attempt: Int, exitCode: Int32?,
                startedAt: Date, finishedAt: Date, usage: RunUsage, followUps: [TriggerID] = [],
                stdoutTail: String = "", stderrTail: String = "", error: String? = nil, failure: RunFailure? = nil,
                refusedReportLines: Int? = nil, signal: Int32? = nil) {
        self.triggerId = triggerId
        self.executionId = executionId
        self.job = job
        self.status = status
        self.attempt = attempt
        self.exitCode = exitCode
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMilliseconds = Int64((finishedAt.timeIntervalSince(startedAt) * 1000).rounded())
        self.usage = usage
        self.followUps = followUps
        self.stdoutTail = stdoutTail
        self.stderrTail = stderrTail
        self.error = error
        self.failure = failure
        self.refusedReportLines = refusedReportLines
        self.signal = signal
    }
}

/// Why a failed run failed, where a reader acts on it (`job.completed`'s `failure`).
public enum RunFailure: String, Codable, Hashable, Sendable {
    /// It never started: the command is missing or not executable, its working directory is
    /// missing, or no handler of that name is registered. Not charged; retried like any failure
    /// (the code may reach the worker later), each attempt free.
    case notStarted
}

/// Why a due run did not run.
public enum SkipReason: String, Codable, Hashable, Sendable {
    case paused, missed, overlap
    /// Its job is no longer configured (app removed, job deleted); written by a worker.
    case removed
}

/// `almanac.job.skipped` (topic `executions`, key job key): a due run that will not run.
public struct JobSkipped: Codable, Hashable, Sendable {
    public var triggerId: TriggerID
    public var job: JobKey
    public var scheduledFor: Date
    public var reason: SkipReason
    public var detail: String?
    public init(triggerId: TriggerID, job: JobKey, scheduledFor: Date, reason: SkipReason, detail: String? = nil) {
        self.triggerId = triggerId
        self.job = job
        self.scheduledFor = scheduledFor
        self.reason = reason
        self.detail = detail
    }
}
