import AlmanacCore
import Foundation

/// In-process job handlers by name (``JobHandler``). A value: build it before starting the worker
/// (``WorkerService/Options/handlers``); names are what job configs select.
///
/// ```swift
/// var options = WorkerService.Options()
/// options.handlers.register("nightly-rollup") { context in
///     try await rollUp(day: context.scheduledFor)
///     context.report.usage(ai: [.init(model: "gpt-4o-mini", inputTokens: 900, outputTokens: 120)])
/// }
/// ```
public struct HandlerRegistry: Sendable {
    private var handlers: [String: any JobHandler] = [:]

    public init() {}

    /// Registers (or replaces) the handler called `name` (letters, digits, `.`, `_`, `-`).
    public mutating func register(_ name: String, _ handler: any JobHandler) {
        handlers[name] = handler
    }

    public mutating func register(_ name: String, _ body: @escaping @Sendable (JobContext) async throws -> Void) {
        handlers[name] = ClosureJobHandler(body)
    }

    public func handler(named name: String) -> (any JobHandler)? { handlers[name] }

    public var names: [String] { handlers.keys.sorted() }

    /// The handlers every worker has:
    /// - `almanac.noop`: returns at once (benchmarks, smoke tests);
    /// - `almanac.sleep`: sleeps `params.seconds` (default 1) of real time, honouring cancellation;
    /// - `almanac.fail`: throws `params.message` (tests of failures and retries).
    public static var builtIn: HandlerRegistry {
        var registry = HandlerRegistry()
        registry.register("almanac.noop") { _ in }
        registry.register("almanac.sleep") { context in
            let seconds: Double = switch context.params["seconds"] {
            case .int(let value): Double(value)
            case .double(let value): value
            default: 1
            }
            try await Task.sleep(for: .milliseconds(Int64(max(0, seconds) * 1000)))
        }
        registry.register("almanac.fail") { context in
            throw HandlerFailure(message: context.params["message"]?.stringValue ?? "failed on purpose")
        }
        return registry
    }
}

/// A failure with a plain message, for handlers that have no error type of their own.
public struct HandlerFailure: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
