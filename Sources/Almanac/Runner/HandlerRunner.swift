import AlmanacCore
import Foundation
import Synchronization

/// Runs a job in-process with a registered ``JobHandler`` (docs/design.md §5 "or an in-process Swift
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
        let latch = StopLatch()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<RunResult, Never>) in
                let stop = start(request) { continuation.resume(returning: $0) }
                latch.register(stop)
                stoppable(stop)
            }
        } onCancel: {
            latch.fire()
        }
    }

    /// Starts the run and returns at once, without waiting for it: the handler runs in a task of
    /// its own, and `completion` is called exactly once with the result — from the handler's task
    /// when it returns, from the timeout timer's thread, or from a task that waits out the kill
    /// grace after a timeout or a stop. For a caller that runs many handlers and records them in
    /// batches (the worker), without a waiting task per run.
    ///
    /// - Parameter completion: gets the ``RunResult``; ``RunResult/interrupted`` if the returned
    ///   closure stopped the run first. Keep it short: it runs on the thread that ended the run.
    /// - Returns: a closure that stops the run (as a revoked partition does; the result is
    ///   interrupted); calling it after the run ended, or more than once, does nothing.
    @discardableResult
    public func start(_ request: RunRequest, completion: @escaping @Sendable (RunResult) -> Void) -> @Sendable () -> Void {
        guard let name = request.job.handlerName else {
            completion(ProcessRunner.notStarted("job \(request.job.name) does not select a handler"))
            return {}
        }
        guard let handler = registry.handler(named: name) else {
            let known = registry.names.joined(separator: ", ")
            completion(ProcessRunner.notStarted("no handler \"\(name)\" is registered in this worker (registered: \(known))"))
            return {}
        }
        let reporter = RunReporter()
        let timeoutSeconds = Double(request.timeout.components.seconds)
        let context = JobContext(trigger: request.trigger, job: request.job, params: request.trigger.params ?? .object([:]),
                                 workingDirectory: request.baseDirectory,
                                 deadline: clock.now().addingTimeInterval(timeoutSeconds / clock.realSecondsPerSecond), report: reporter)
        let killGrace = self.killGrace
        // The first outcome ends the run. A handler that returned is recorded at once, on its own
        // task; otherwise its task is cancelled and given the kill grace, on a task of its own.
        let race = HandlerRace { outcome, work, timeout in
            HandlerTimeouts.shared.cancel(timeout)
            if case .returned = outcome {
                completion(Self.result(of: outcome, name: name, timeoutSeconds: timeoutSeconds, killGrace: killGrace,
                                       leftBehind: false, reporter: reporter))
                return
            }
            work.cancel()
            Task {
                let leftBehind = await !Self.returns(work, within: killGrace)
                completion(Self.result(of: outcome, name: name, timeoutSeconds: timeoutSeconds, killGrace: killGrace,
                                       leftBehind: leftBehind, reporter: reporter))
            }
        }
        // The timeout is a deadline on the process's one timeout timer (no task, nothing on the
        // cooperative pool until it fires), cancelled when the handler returns first. It is armed
        // before the handler's task exists, and the race waits for both (`arm`) before it ends.
        let timeoutReal = max(timeoutSeconds, 0.05)
        let timeout = HandlerTimeouts.shared.add(after: min(timeoutReal, Double(Int32.max) / 1000)) { race.resolve(.timedOut) }
        let work = Task {
            do { try await handler.run(context); race.resolve(.returned(nil)) } catch { race.resolve(.returned(error)) }
        }
        race.arm(work: work, timeout: timeout)
        return { race.resolve(.interrupted) }
    }

    private static func result(of outcome: HandlerRace.Outcome, name: String, timeoutSeconds: Double, killGrace: Double,
                               leftBehind: Bool, reporter: RunReporter) -> RunResult {
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
            errors.append("timed out after \(Int(timeoutSeconds)) s of real time (timeoutSeconds); handler task cancelled")
        case .interrupted:
            status = .failed
            errors.append("interrupted: the worker stopped the run (handler task cancelled)")
        }
        if leftBehind { errors.append("the handler did not return within \(Int(killGrace)) s of its cancellation and was left running") }
        errors += report.errors
        var interrupted = false
        if case .interrupted = outcome { interrupted = true }
        var result = RunResult(status: status, exitCode: nil, usage: report.usage, followUps: report.followUps, stdoutTail: output,
                               stderrTail: "", error: errors.isEmpty ? nil : errors.joined(separator: "; "), interrupted: interrupted)
        result.refusedReportLines = report.errors.count
        return result
    }

    /// Whether `task` ends within `seconds` (real time).
    private static func returns(_ task: Task<Void, Never>, within seconds: Double) async -> Bool {
        let timer = Mutex<Task<Void, Never>?>(nil)
        let returned: Bool = await withCheckedContinuation { continuation in
            let first = Atomic<Bool>(false)
            let once: @Sendable (Bool) -> Void = { value in
                if !first.exchange(true, ordering: .acquiringAndReleasing) { continuation.resume(returning: value) }
            }
            Task {
                await task.value
                once(true)
            }
            timer.withLock {
                $0 = Task {
                    try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                    if !Task.isCancelled { once(false) }
                }
            }
        }
        timer.withLock { $0?.cancel() }
        return returned
    }
}

/// The first of a run's outcomes (returned, timed out, stopped) ends it; later ones are ignored.
/// The end is reported once the run is armed (its task and timeout exist), whichever comes first.
private final class HandlerRace: Sendable {
    enum Outcome: Sendable {
        case returned((any Error)?)
        case timedOut
        case interrupted
    }
    private struct State {
        var outcome: Outcome?
        var work: Task<Void, Never>?
        var timeout: UInt64 = 0
    }
    private let state = Mutex(State())
    private let onEnd: @Sendable (Outcome, Task<Void, Never>, UInt64) -> Void

    init(onEnd: @escaping @Sendable (Outcome, Task<Void, Never>, UInt64) -> Void) { self.onEnd = onEnd }

    func arm(work: Task<Void, Never>, timeout: UInt64) {
        let ended: Outcome? = state.withLock { state in
            state.work = work
            state.timeout = timeout
            return state.outcome
        }
        if let ended { onEnd(ended, work, timeout) }
    }

    func resolve(_ outcome: Outcome) {
        let armed: (Task<Void, Never>, UInt64)? = state.withLock { state in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            return state.work.map { ($0, state.timeout) }
        }
        if let (work, timeout) = armed { onEnd(outcome, work, timeout) }
    }
}
