import AlmanacCore
import Foundation
import Synchronization

/// Runs a job in-process with a registered ``JobHandler`` (DESIGN.md §5 "or an in-process Swift
/// handler"): same context as a process, same report checks, timeout by task cancellation.
///
/// - Important: Swift code cannot be killed. On timeout (or cancellation of the calling task) the
///   handler's task is cancelled and given `killGrace` real seconds to return; a handler that does
///   not is left running, and the run ends as timed out (or interrupted) without waiting for it.
public struct HandlerRunner: JobRunner {
    public let registry: HandlerRegistry
    let clock: any WallClock
    /// Real seconds a cancelled handler gets to return.
    public var killGrace: Double = 5

    public init(registry: HandlerRegistry, clock: any WallClock) {
        self.registry = registry
        self.clock = clock
    }

    public func run(_ request: RunRequest) async -> RunResult {
        await run(request, stoppable: { _ in })
    }

    /// Like ``run(_:)``, and hands `stoppable` a closure that stops the run as cancelling the
    /// calling task does (the run ends interrupted), for a caller that must stop it from elsewhere
    /// (a worker handing its partition over) without a task of its own for the run.
    public func run(_ request: RunRequest, stoppable: (@escaping @Sendable () -> Void) -> Void) async -> RunResult {
        guard let name = request.job.handlerName else {
            return RunResult(status: .failed, error: "job \(request.job.name) does not select a handler")
        }
        guard let handler = registry.handler(named: name) else {
            let known = registry.names.joined(separator: ", ")
            return RunResult(status: .failed, error: "no handler \"\(name)\" is registered in this worker (registered: \(known))")
        }
        let reporter = RunReporter()
        var environment = ProcessRunner.environment(for: request)
        for key in ["PATH", "LANG", "HOME", "ALMANAC_REPORT_FD"] where request.job.env[key] == nil { environment[key] = nil }
        let timeoutSeconds = Double(request.timeout.components.seconds)
        let context = JobContext(trigger: request.trigger, job: request.job, params: request.trigger.params ?? .object([:]),
                                 environment: environment, workingDirectory: request.job.workingDirectory ?? request.baseDirectory,
                                 deadline: clock.now().addingTimeInterval(timeoutSeconds), report: reporter)
        // One task per run: the handler's own, which reports its end itself. The timeout is a
        // deadline on the process's one timeout timer (no task, nothing on the cooperative pool
        // until it fires), cancelled when the handler returns first.
        let race = Race()
        let work = Task {
            do { try await handler.run(context); race.resolve(.returned(nil)) } catch { race.resolve(.returned(error)) }
        }
        let timeoutReal = max(timeoutSeconds * clock.realSecondsPerSecond, 0.05)
        let timeout = HandlerTimeouts.shared.add(after: min(timeoutReal, Double(Int32.max) / 1000)) { race.resolve(.timedOut) }
        stoppable { race.resolve(.interrupted) }
        let outcome: Race.Outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { race.start($0) }
        } onCancel: {
            race.resolve(.interrupted)
        }
        HandlerTimeouts.shared.cancel(timeout)
        var leftBehind = false
        if case .returned = outcome {} else {
            work.cancel()
            leftBehind = await !Self.returns(work, within: killGrace)
        }
        let (report, output) = reporter.seal()
        var errors: [String] = []
        let status: RunStatus
        switch outcome {
        case .returned(nil):
            status = .succeeded
        case .returned(let error?):
            status = error is CancellationError ? .timedOut : .failed
            errors.append("handler \(name) threw: \(error)")
        case .timedOut:
            status = .timedOut
            errors.append("timed out after \(Int(timeoutSeconds)) s; handler task cancelled")
        case .interrupted:
            status = .failed
            errors.append("interrupted: the worker stopped the run (handler task cancelled)")
        }
        if leftBehind { errors.append("the handler did not return within \(Int(killGrace)) s of its cancellation and was left running") }
        errors += report.errors
        var interrupted = false
        if case .interrupted = outcome { interrupted = true }
        return RunResult(status: status, exitCode: nil, usage: report.usage, followUps: report.followUps, stdoutTail: output,
                         stderrTail: "", error: errors.isEmpty ? nil : errors.joined(separator: "; "), interrupted: interrupted)
    }

    /// Whether `task` ends within `seconds` (real time).
    private static func returns(_ task: Task<Void, Never>, within seconds: Double) async -> Bool {
        let race = Race()
        Task {
            await task.value
            race.resolve(.returned(nil))
        }
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            if !Task.isCancelled { race.resolve(.timedOut) }
        }
        let outcome: Race.Outcome = await withCheckedContinuation { race.start($0) }
        timer.cancel()
        if case .returned = outcome { return true }
        return false
    }
}

/// The first of several outcomes resumes the continuation; later ones are ignored.
private final class Race: Sendable {
    enum Outcome: Sendable {
        case returned((any Error)?)
        case timedOut
        case interrupted
    }
    private let state = Mutex<(continuation: CheckedContinuation<Outcome, Never>?, early: Outcome?, done: Bool)>((nil, nil, false))

    func start(_ continuation: CheckedContinuation<Outcome, Never>) {
        let early: Outcome? = state.withLock { state in
            if let early = state.early { state.done = true; return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    func resolve(_ outcome: Outcome) {
        let continuation: CheckedContinuation<Outcome, Never>? = state.withLock { state in
            guard !state.done else { return nil }
            guard let continuation = state.continuation else {
                if state.early == nil { state.early = outcome }
                return nil
            }
            state.done = true
            state.continuation = nil
            return continuation
        }
        continuation?.resume(returning: outcome)
    }
}
