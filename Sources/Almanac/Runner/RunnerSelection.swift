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
