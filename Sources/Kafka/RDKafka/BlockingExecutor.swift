import Dispatch
import Foundation

/// Runs blocking librdkafka calls on dispatch queues, never on Swift's cooperative thread pool.
///
/// - Important: a call submitted here may block its queue's thread for as long as librdkafka
///   blocks (bounded by the timeouts each caller passes).
enum BlockingExecutor {
    /// Shared concurrent queue for short blocking calls (commits, watermark queries, admin).
    static let shared = DispatchQueue(label: "almanac.kafka.blocking", attributes: .concurrent)

    static func run<T: Sendable>(
        on queue: DispatchQueue = shared, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    static func run<T: Sendable>(on queue: DispatchQueue = shared, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    /// Runs `body` on a thread of its own and returns at once — for a `deinit` that must destroy a
    /// librdkafka object whose destroy call blocks (`rd_kafka_destroy` joins librdkafka's threads,
    /// and closes an unclosed consumer first; `rd_kafka_mock_cluster_destroy` joins the mock
    /// brokers' thread). The last reference to an object may be dropped anywhere, the cooperative
    /// pool included, where a blocked thread stalls every task waiting for one (seen: 10 s in the
    /// test suite). A thread rather than a dispatch queue: a destroy may block for seconds, and
    /// concurrent dispatch queues share the global queues' threads.
    ///
    /// A process waits for these before it exits (``KafkaTeardown/finish(within:)``).
    ///
    /// - Parameter name: the thread's name in `top -H`, gdb and `/proc`: at most 15 bytes, Linux's
    ///   limit (a longer one is silently not set).
    static func detach(named name: String, _ body: @escaping @Sendable () -> Void) {
        detached.enter()
        // Named from inside: swift-corelibs-foundation ignores a name set before `start`.
        let thread = Thread {
            Thread.current.name = name
            body()
            detached.leave()
        }
        thread.start()
    }

    /// The ``detach(named:_:)`` bodies still running.
    static let detached = DispatchGroup()
}

/// The end of a process that used Kafka clients.
public enum KafkaTeardown {
    /// Waits (off the cooperative pool) until the clients and embedded clusters released so far
    /// are destroyed, or `timeout` passes. Call it before a process exits: their destroy calls run
    /// on threads of their own, and `exit` would run atexit handlers (OpenSSL's cleanup, for a TLS
    /// client) while a destroy still uses what they free.
    /// - Returns: whether every destroy ended in time.
    @discardableResult
    public static func finish(within timeout: Duration) async -> Bool {
        await BlockingExecutor.run(on: DispatchQueue(label: "almanac.kafka.teardown")) {
            BlockingExecutor.detached.wait(timeout: .now() + .milliseconds(Int(timeout.milliseconds))) == .success
        }
    }
}
