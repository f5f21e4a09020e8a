import AlmanacCore
import Foundation
import Kafka
import Synchronization

/// Work for the worker's dispatcher: a wake-up ("something may start now": a trigger was accepted,
/// a run finished, a retry became due) or a chore (events to write for a trigger that does not run).
final class WorkerInbox: Sendable {
    enum Chore: Sendable {
        /// Write `job.skipped(overlap)`.
        case skipOverlap(WorkItem, epoch: Int)
        /// Write the charge and retry derived from a completion found in the log.
        case recover(WorkItem, JobCompleted, epoch: Int)
    }

    enum Work: Sendable {
        case wake
        case chore(Chore)
    }

    let stream: AsyncStream<Work>
    private let continuation: AsyncStream<Work>.Continuation
    /// A wake is buffered: more wakes add nothing until the dispatcher takes it.
    private let wakePending = Atomic<Bool>(false)

    init() {
        (stream, continuation) = AsyncStream<Work>.makeStream()
    }

    /// Asks the dispatcher to look for startable runs; coalesced.
    func wake() {
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) { continuation.yield(.wake) }
    }

    /// The dispatcher took the wake (call before looking, so a wake during the look is kept).
    func tookWake() { wakePending.store(false, ordering: .releasing) }

    /// - Returns: false if the inbox is finished (shutting down): nobody will do the chore.
    func add(_ chore: Chore) -> Bool {
        if case .terminated = continuation.yield(.chore(chore)) { return false }
        return true
    }

    /// No more work: the dispatcher's loop ends once the buffered work is taken.
    func finish() { continuation.finish() }
}

/// Runs an async body from a synchronous context that may block (a librdkafka rebalance callback on
/// the consumer's own dispatch queue, never the cooperative pool) and returns its result.
func blockingAwait<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<T?>(nil)
    Task {
        let value = await body()
        result.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    return result.withLock { $0! }
}
