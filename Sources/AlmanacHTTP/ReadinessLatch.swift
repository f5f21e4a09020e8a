import Almanac
import Logging
import ServiceLifecycle
import Synchronization

/// Becomes ready once, when the projector has read every partition it folds up to the end
/// offsets they had when the `http` role started; `/readyz` answers 503 before, 200 after.
public final class ReadinessLatch: Sendable {
    private let ready = Atomic(false)
    public init() {}
    public var isReady: Bool { ready.load(ordering: .acquiring) }
    public func markReady() { ready.store(true, ordering: .releasing) }
}

/// Waits for the projector to catch up, then opens the ``ReadinessLatch`` and returns (its
/// return does not end the service group).
struct ReadinessService: Service {
    let latch: ReadinessLatch
    let projector: ProjectorService
    let store: ProjectionStore
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let target = try await projector.allHighWatermarks()
                await store.waitUntilCaughtUp(to: target)
                if Task.isCancelled { return }
                latch.markReady()
                logger.info("projection caught up with \(target.count) partitions: ready")
                return
            } catch {
                logger.warning("readiness: could not read end offsets: \(error)")
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}
