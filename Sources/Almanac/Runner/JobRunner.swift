import AlmanacCore
import Foundation

/// Everything a runner needs to execute one trigger.
public struct RunRequest: Sendable {
    public var trigger: JobTriggered
    public var job: JobConfiguration
    /// Folder relative commands and the working directory resolve against (the app file's folder).
    public var baseDirectory: String?
    public var timeout: Duration
}

/// A follow-up job a run asked for.
public struct FollowUpRequest: Sendable, Hashable {
    public var job: String
    public var params: JSONValue?
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
}

/// Runs jobs: a process (``ProcessRunner``) or in-process Swift code (``HandlerRunner``).
public protocol JobRunner: Sendable {
    /// Runs to completion; never throws: every failure is a ``RunResult`` with `status != .succeeded`.
    func run(_ request: RunRequest) async -> RunResult
}
