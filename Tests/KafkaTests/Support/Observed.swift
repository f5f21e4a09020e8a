import Synchronization

/// State shared between a test and the tasks or callbacks it drives. The test waits for a
/// condition on it with a deadline — woken by the update that makes it true, never by sleeping.
final class Observed<State: Sendable>: Sendable {
    private struct Waiter {
        let id: Int
        let predicate: @Sendable (State) -> Bool
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct Box {
        var state: State
        var waiters: [Waiter] = []
        var cancelled: Set<Int> = []
        var nextID = 0
    }

    private let box: Mutex<Box>

    init(_ initial: State) {
        box = Mutex(Box(state: initial))
    }

    /// The current state.
    var value: State { box.withLock { $0.state } }

    /// Mutates the state and wakes the waiters whose condition now holds.
    @discardableResult
    func update<R: Sendable>(_ body: (inout State) -> R) -> R {
        let (result, ready): (R, [CheckedContinuation<Void, any Error>]) = box.withLock { box in
            let result = body(&box.state)
            var ready: [CheckedContinuation<Void, any Error>] = []
            box.waiters.removeAll { waiter in
                guard waiter.predicate(box.state) else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return (result, ready)
        }
        for continuation in ready { continuation.resume() }
        return result
    }

    /// Waits until `predicate` holds, at most `timeout`.
    /// - Throws: ``ObservedTimeout`` naming `what` and the last state.
    func wait(
        for what: String, timeout: Duration, until predicate: @escaping @Sendable (State) -> Bool
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.waitUntil(predicate) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw ObservedTimeout(what: what, timeout: timeout, state: "\(self.value)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func waitUntil(_ predicate: @escaping @Sendable (State) -> Bool) async throws {
        let id = box.withLock { box in
            box.nextID += 1
            return box.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: WaitOutcome = box.withLock { box in
                    if box.cancelled.remove(id) != nil { return .cancelled }
                    if predicate(box.state) { return .ready }
                    box.waiters.append(Waiter(id: id, predicate: predicate, continuation: continuation))
                    return .waiting
                }
                switch outcome {
                case .ready: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .waiting: break
                }
            }
        } onCancel: {
            let continuation: CheckedContinuation<Void, any Error>? = box.withLock { box in
                if let index = box.waiters.firstIndex(where: { $0.id == id }) {
                    return box.waiters.remove(at: index).continuation
                }
                box.cancelled.insert(id)
                return nil
            }
            continuation?.resume(throwing: CancellationError())
        }
    }
}

private enum WaitOutcome { case ready, cancelled, waiting }

/// A condition did not hold within its deadline.
struct ObservedTimeout: Error, CustomStringConvertible {
    let what: String
    let timeout: Duration
    let state: String
    var description: String { "timed out after \(timeout) waiting for \(what); state: \(state)" }
}

/// Waits until `condition` — about state nothing notifies of, such as librdkafka's queue length —
/// holds, checking every 20 ms, at most `timeout`.
/// - Throws: ``ObservedTimeout`` naming `what`.
func eventually(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw ObservedTimeout(what: what, timeout: timeout, state: "-") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
