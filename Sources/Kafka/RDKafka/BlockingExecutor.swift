import Dispatch

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
}
