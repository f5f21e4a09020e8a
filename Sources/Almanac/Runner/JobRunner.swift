import AlmanacCore
import Foundation

/// Everything a runner needs to execute one trigger.
public struct RunRequest: Sendable {
    public var trigger: JobTriggered
    public var job: JobConfiguration
    /// The run's working directory, absolute (``JobDirectories/workingDirectory(of:app:)``); nil:
    /// the worker's own.
    public var baseDirectory: String?
    /// The folder of the app's code, absolute, which a relative command (`jobs/digest.py`)
    /// resolves against (``JobDirectories/appDirectory(of:)``); nil: the working directory.
    public var appDirectory: String?
    /// The app's output folder, absolute, given to a process as `ALMANAC_OUTPUT_DIR` (created
    /// before the process starts); nil: the variable is not set.
    public var outputDirectory: String?
    /// Time the run may take, in real seconds: then it is stopped. Real even when the worker's
    /// ``WallClock`` is scaled (`almanac dev --speed`): the clock decides when runs are due, not how
    /// long a process may take.
    public var timeout: Duration

    public init(trigger: JobTriggered, job: JobConfiguration, baseDirectory: String?, timeout: Duration) {
        self.trigger = trigger
        self.job = job
        self.baseDirectory = baseDirectory
        self.timeout = timeout
    }

    public init(trigger: JobTriggered, job: JobConfiguration, baseDirectory: String?, appDirectory: String?, outputDirectory: String?,
                timeout: Duration) {
        self.init(trigger: trigger, job: job, baseDirectory: baseDirectory, timeout: timeout)
        self.appDirectory = appDirectory
        self.outputDirectory = outputDirectory
    }
}

/// A follow-up job a run asked for.
public struct FollowUpRequest: Sendable, Hashable {
    public var job: String
    public var params: JSONValue?
    public init(job: String, params: JSONValue?) {
        self.job = job
        self.params = params
    }
}

/// How a run ended, as the runner saw it.
public struct RunResult: Sendable {
    public var status: RunStatus
    public var exitCode: Int32?
    public var usage: RunUsage
    public var followUps: [FollowUpRequest]
    public var stdoutTail: String
    public var stderrTail: String
    /// Failure text: exit status, signal, timeout, and malformed report lines.
    public var error: String?
    /// The run was stopped because its task was cancelled (partition revoked, worker shutting
    /// down), not because of anything the job did: the worker records nothing for it, and the
    /// partition's next owner runs the trigger again.
    public var interrupted: Bool
    /// The job never started (missing or non-executable command, missing working directory,
    /// unknown handler): recorded as `failure: notStarted` and not charged.
    public var notStarted = false
    /// Report lines refused (``RunReport/errors``); each is also in `error`.
    public var refusedReportLines = 0
    /// The signal that ended the process, if one did.
    public var signal: Int32?

    public init(status: RunStatus, exitCode: Int32? = nil, usage: RunUsage = .none, followUps: [FollowUpRequest] = [],
                stdoutTail: String = "", stderrTail: String = "", error: String? = nil, interrupted: Bool = false) {
        self.status = status
        self.exitCode = exitCode
        self.usage = usage
        self.followUps = followUps
        self.stdoutTail = stdoutTail
        self.stderrTail = stderrTail
        self.error = error
        self.interrupted = interrupted
    }
}

/// Runs jobs: a process (``ProcessRunner``) or in-process Swift code (``HandlerRunner``);
/// ``RunnerSelection`` picks one per job.
public protocol JobRunner: Sendable {
    /// Runs to completion; never throws: every failure is a ``RunResult`` with `status != .succeeded`.
    ///
    /// - Important: cancelling the calling task stops the job (a process group gets SIGTERM, then
    ///   SIGKILL after the kill grace; a handler's task is cancelled) and returns promptly with
    ///   ``RunResult/interrupted`` set.
    func run(_ request: RunRequest) async -> RunResult
}
