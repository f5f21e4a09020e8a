import AlmanacCore

/// Runs each job with the runner its config selects: a registered Swift handler
/// (``HandlerRunner``) or a process (any other runner, normally ``ProcessRunner``).
public struct RunnerSelection: JobRunner {
    public let processes: any JobRunner
    public let handlers: HandlerRunner

    public init(processes: any JobRunner, handlers: HandlerRunner) {
        self.processes = processes
        self.handlers = handlers
    }

    public func run(_ request: RunRequest) async -> RunResult {
        request.job.handlerName == nil ? await processes.run(request) : await handlers.run(request)
    }

    /// Runs the job, and hands `stoppable` a closure that stops it as cancelling the calling task
    /// does (the result is ``RunResult/interrupted``), for a caller that must stop it from
    /// elsewhere (a worker handing its partition over). A process runs in a task of its own that
    /// the closure cancels; a handler runs without one (``HandlerRunner/run(_:stoppable:)``).
    public func run(_ request: RunRequest, stoppable: (@escaping @Sendable () -> Void) -> Void) async -> RunResult {
        if request.job.handlerName != nil { return await handlers.run(request, stoppable: stoppable) }
        let processes = self.processes
        let run = Task { await processes.run(request) }
        stoppable { run.cancel() }
        return await withTaskCancellationHandler { await run.value } onCancel: { run.cancel() }
    }
}

extension JobConfiguration {
    /// Prefix of a `command` that selects an in-process handler: `command: ["handler:csv-import"]`.
    public static let handlerCommandPrefix = "handler:"

    /// The registered ``JobHandler`` this job runs in-process, if it selects one, else nil (a
    /// process): the config's `handler` field, or the one-element command `["handler:NAME"]`
    /// (kept for app files written before the field existed).
    public var handlerName: String? {
        if let handler { return handler }
        guard command.count == 1, let first = command.first, first.hasPrefix(Self.handlerCommandPrefix) else { return nil }
        let name = String(first.dropFirst(Self.handlerCommandPrefix.count))
        return name.isEmpty ? nil : name
    }
}
