import Foundation
import Synchronization

/// A dedicated thread that calls `poll` (a blocking librdkafka call with its own timeout) until stopped.
final class RDKafkaPollThread: Sendable {
    private final class State: Sendable {
        let running = Atomic<Bool>(true)
        let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    }
    private let state = State()

    init(name: String, poll: @escaping @Sendable () -> Void) {
        let state = self.state
        let thread = Thread {
            while state.running.load(ordering: .acquiring) { poll() }
            let waiters = state.finished.withLock { finished in
                finished.done = true
                defer { finished.waiters = [] }
                return finished.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
        thread.name = name
        thread.start()
    }

    /// Asks the thread to stop after its current poll and waits for it.
    func stop() async {
        state.running.store(false, ordering: .releasing)
        await withCheckedContinuation { continuation in
            let done = state.finished.withLock { finished in
                if !finished.done { finished.waiters.append(continuation) }
                return finished.done
            }
            if done { continuation.resume() }
        }
    }

    func stopWithoutWaiting() { state.running.store(false, ordering: .releasing) }
}
