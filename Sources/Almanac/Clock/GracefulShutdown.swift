import ServiceLifecycle

/// Runs `body` in a child task that is cancelled on graceful shutdown or cancellation, and
/// returns when it ends (loops inside check `Task.isCancelled`).
public func cancelWhenGracefulShutdownOrCancel(_ body: @escaping @Sendable () async -> Void) async {
    _ = await cancelWhenGracefulShutdown { await body() }
}
