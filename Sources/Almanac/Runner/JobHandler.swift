import AlmanacCore
import Foundation
import Synchronization

/// Swift code that runs a job inside the worker process, registered by name in a
/// ``HandlerRegistry`` and selected by a job's config instead of a command.
///
/// Returning is success; throwing is a failure (retried up to the job's `retries`) whose
/// description becomes the run's `error`. The handler gets the same facts a process gets
/// (``JobContext``) and reports usage and follow-ups through ``JobContext/report``, with the same
/// checks as the report protocol.
///
/// ```swift
/// struct SendDigest: JobHandler {
///     func run(_ context: JobContext) async throws {
///         let customers = try await loadCustomers(context.params["segment"]?.stringValue ?? "all")
///         for batch in customers.chunked(into: 100) {
///             try Task.checkCancellation()          // the timeout cancels the task
///             try await mailer.send(batch)
///             context.report.usage(emails: Int64(batch.count))
///         }
///         context.log("sent \(customers.count) digests")
///         if customers.count == 1000 { context.report.followUp("send-digest", params: .object(["after": .string(customers.last!.id)])) }
///     }
/// }
///
/// var options = WorkerService.Options()
/// options.handlers.register("send-digest", SendDigest())
/// ```
///
/// - Important: a timeout (or a revoked partition, or shutdown) cancels the handler's task; a
///   handler must check cancellation in long loops. One that does not return within the kill
///   grace is left behind and the run is recorded as timed out: the worker cannot kill Swift code.
public protocol JobHandler: Sendable {
    func run(_ context: JobContext) async throws
}

/// A handler from a closure.
public struct ClosureJobHandler: JobHandler {
    let body: @Sendable (JobContext) async throws -> Void
    public init(_ body: @escaping @Sendable (JobContext) async throws -> Void) { self.body = body }
    public func run(_ context: JobContext) async throws { try await body(context) }
}

/// What a handler knows about its run: the same facts a job process gets in its environment and
/// on stdin (docs/design.md §5).
public struct JobContext: Sendable {
    public let trigger: JobTriggered
    public let job: JobConfiguration
    /// The trigger's params (a process reads them as JSON on stdin); `{}` when none.
    public let params: JSONValue
    /// The job's `env` plus the `ALMANAC_*` variables a process would get (`ALMANAC_TRIGGER_ID`,
    /// `ALMANAC_ATTEMPT`, …), except `ALMANAC_REPORT_FD`. Built on each access (most handlers
    /// never read it, and building it was a visible share of a short run's CPU).
    public var environment: [String: String] {
        var environment = ProcessRunner.environment(for: trigger, job: job)
        for key in ["PATH", "LANG", "HOME", "ALMANAC_REPORT_FD"] where job.env[key] == nil { environment[key] = nil }
        return environment
    }
    /// The job's working directory (absolute), if any.
    public let workingDirectory: String?
    /// When the run times out, on the worker's clock.
    public let deadline: Date
    /// Usage and follow-ups of this run.
    public let report: RunReporter

    public var triggerId: TriggerID { trigger.triggerId }
    public var attempt: Int { trigger.attempt }
    public var scheduledFor: Date { trigger.scheduledFor }

    /// Appends a line to the run's output (`stdoutTail` of `job.completed`).
    public func log(_ line: String) { report.log(line) }
}

/// Collects what a handler reports. Thread-safe; after the run is recorded further calls are ignored.
public final class RunReporter: Sendable {
    private struct State {
        var report = RunReport()
        var output = TailBuffer(limit: ProcessRunner.tailLimit)
        var sealed = false
    }
    private let state = Mutex(State())

    public init() {}

    /// Meters usage for billing; adds up like report lines.
    /// - Returns: the problem if the usage was refused (negative, a total past
    ///   ``RunReport/maximumQuantity``, or a model past ``RunReport/maximumAIModels``); it is also
    ///   added to the run's `error`.
    @discardableResult
    public func usage(ai: [RunUsage.AITokens] = [], emails: Int64 = 0, sms: Int64 = 0) -> String? {
        record { $0.addUsage(RunUsage(ai: ai, emails: emails, sms: sms)) }
    }

    /// Queues a follow-up job of the same app, written when the run succeeds.
    @discardableResult
    public func followUp(_ job: String, params: JSONValue? = nil) -> String? {
        record { $0.addFollowUp(FollowUpRequest(job: job, params: params)) }
    }

    func log(_ line: String) {
        state.withLock { state in
            guard !state.sealed else { return }
            state.output.append(ArraySlice((line + "\n").utf8))
        }
    }

    private func record(_ body: (inout RunReport) -> String?) -> String? {
        state.withLock { state in
            guard !state.sealed else { return "the run is over; ignored" }
            guard let problem = body(&state.report) else { return nil }
            state.report.errors.append("report: \(problem)")
            return problem
        }
    }

    /// Ends the run's reporting and returns what was reported.
    func seal() -> (report: RunReport, output: String) {
        state.withLock { state in
            state.sealed = true
            return (state.report, state.output.text)
        }
    }
}
