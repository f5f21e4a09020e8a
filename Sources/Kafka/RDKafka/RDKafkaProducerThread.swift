internal import CRdKafka
import Foundation
import Synchronization

/// The producer's own thread. It hands the batches given to ``enqueue(_:)`` to librdkafka and
/// serves the handle's callbacks (delivery reports, statistics, log lines) — the shape of
/// librdkafka's own examples and of a C producer: messages are allocated and their delivery
/// reports freed on one thread, and the only waits (for room in a full queue, for events) are
/// bounded librdkafka polls on this thread, never on Swift's cooperative pool.
///
/// Jobs run in the order they were submitted: batches to enqueue, and blocking librdkafka calls
/// (``run(_:)``, the transactional API) that must come after the records enqueued before them. A
/// waiting poll is cut short by `rd_kafka_queue_yield` when a job arrives, is cancelled, or the
/// producer shuts down.
final class RDKafkaProducerThread: Sendable {
    private struct Job {
        let id: UInt64
        let kind: Kind
        /// The first record not yet handed to librdkafka (batches).
        var next = 0
        var cancelled: Bool
    }

    private enum Kind {
        /// Hand the batch's records to librdkafka; resume the continuation (if any) once it holds
        /// them all (or the rest were failed).
        case batch(DeliveryBatch, CheckedContinuation<Void, Never>?)
        /// A blocking call made on this thread.
        case call(Call)
    }

    /// A blocking call: ``perform`` makes it and resumes its caller with the result; ``refuse``
    /// resumes the caller with ``KafkaError/Code/shutdown`` instead. Exactly one of them runs.
    private struct Call: Sendable {
        let perform: @Sendable () -> Void
        let refuse: @Sendable () -> Void
    }

    private struct State {
        /// Jobs submitted since the thread last looked; it moves them to its own list.
        var submitted: [Job] = []
        /// Jobs whose task was cancelled since the thread last looked.
        var cancelledIDs: Set<UInt64> = []
        var nextID: UInt64 = 0
        /// `false` once shutdown began: new jobs are failed at once.
        var accepting = true
        /// Set by the thread once it has failed every queued job after `accepting` went false.
        var quiesced = false
        var quiesceWaiters: [CheckedContinuation<Void, Never>] = []
        var running = true
        var finished = false
        var finishWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let client: RDKafkaClient
    /// The handle's main queue (`rd_kafka_queue_get_main`), the one `rd_kafka_poll` serves.
    private let mainQueue: OpaquePointerBox
    private let state = Mutex(State())

    init(client: RDKafkaClient, name: String) {
        self.client = client
        mainQueue = OpaquePointerBox(rd_kafka_queue_get_main(client.handle)!)
        // Named from inside: swift-corelibs-foundation ignores a name set before `start`.
        let thread = Thread { [self] in
            Thread.current.name = name
            run()
        }
        thread.start()
    }

    deinit {
        rd_kafka_queue_destroy(mainQueue.pointer)
    }

    /// Hands `batch` to the thread and returns once librdkafka holds every record of it (or the
    /// records left were failed: shutdown, cancellation of the calling task).
    func enqueue(_ batch: DeliveryBatch) async {
        guard batch.count > 0 else { return }
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let accepted = state.withLock { state in
                    guard state.accepting else { return false }
                    state.submitted.append(Job(id: id, kind: .batch(batch, continuation), cancelled: Task.isCancelled))
                    return true
                }
                if accepted {
                    rd_kafka_queue_yield(mainQueue.pointer)
                } else {
                    batch.settleUnsent(0..<batch.count, as: .shutdown)
                    continuation.resume()
                }
            }
        } onCancel: {
            // If the job is already done, the thread drops the id unmatched.
            state.withLock { _ = $0.cancelledIDs.insert(id) }
            rd_kafka_queue_yield(mainQueue.pointer)
        }
    }

    /// Hands `batch` to the thread without waiting for librdkafka to hold it — for a caller that
    /// waits for the batch's delivery reports anyway (``DeliveryBatch/wait()``), which saves the
    /// caller a suspension per batch. Order is kept with every other submission. If the producer is
    /// shutting down, the records are failed with ``DeliveryStage/shutdown`` at once.
    /// - Returns: the job's id, for ``cancel(_:)``; nil if nothing was submitted.
    func submit(_ batch: DeliveryBatch) -> UInt64? {
        guard batch.count > 0 else { return nil }
        let cancelled = Task.isCancelled
        let id: UInt64? = state.withLock { state in
            guard state.accepting else { return nil }
            state.nextID += 1
            state.submitted.append(Job(id: state.nextID, kind: .batch(batch, nil), cancelled: cancelled))
            return state.nextID
        }
        if id != nil {
            rd_kafka_queue_yield(mainQueue.pointer)
        } else {
            batch.settleUnsent(0..<batch.count, as: .shutdown)
        }
        return id
    }

    /// The task that submitted job `id` was cancelled: records not yet handed to librdkafka are
    /// failed with ``DeliveryStage/cancelled`` (those already handed over are delivered). Ignored
    /// if the job is done.
    func cancel(_ id: UInt64) {
        state.withLock { _ = $0.cancelledIDs.insert(id) }
        rd_kafka_queue_yield(mainQueue.pointer)
    }

    /// Runs `body` — a blocking librdkafka call, bounded by the timeout it passes — on this thread,
    /// after every job submitted before it, and returns its result. The calling task suspends
    /// meanwhile; nothing blocks Swift's cooperative pool.
    ///
    /// - Important: while `body` runs, this thread neither enqueues nor serves callbacks except
    ///   through `body` itself (`rd_kafka_commit_transaction` and `…_abort_transaction` flush, and
    ///   so serve delivery reports here). A call is not cancellable once submitted.
    /// - Throws: `body`'s error, or ``KafkaError/Code/shutdown`` if the producer was shut down
    ///   before the call ran.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let call = Call(
                perform: { continuation.resume(with: Result { try body() }) },
                refuse: { continuation.resume(throwing: KafkaError(code: .shutdown, reason: "producer is shut down")) }
            )
            let accepted = state.withLock { state in
                guard state.accepting else { return false }
                state.nextID += 1
                state.submitted.append(Job(id: state.nextID, kind: .call(call), cancelled: false))
                return true
            }
            if accepted { rd_kafka_queue_yield(mainQueue.pointer) } else { call.refuse() }
        }
    }

    /// Stops accepting jobs; the thread fails the records of queued jobs with
    /// ``DeliveryStage/shutdown`` and finishes its current pass. Returns once it has.
    func quiesce() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                state.accepting = false
                if !state.quiesced { state.quiesceWaiters.append(continuation) }
                return state.quiesced
            }
            if done { continuation.resume() } else { rd_kafka_queue_yield(mainQueue.pointer) }
        }
    }

    /// Asks the thread to stop after its current poll and waits until it has.
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                state.running = false
                if !state.finished { state.finishWaiters.append(continuation) }
                return state.finished
            }
            if done { continuation.resume() } else { rd_kafka_queue_yield(mainQueue.pointer) }
        }
    }

    /// Asks the thread to stop without waiting (from `deinit`).
    func stopWithoutWaiting() {
        state.withLock { $0.running = false }
        rd_kafka_queue_yield(mainQueue.pointer)
    }

    private enum Step {
        case work
        case idle
        case quiesce([CheckedContinuation<Void, Never>])
        case stop
    }

    /// The thread's own list of jobs, oldest first (`jobs[head...]` are live).
    private struct Queue {
        var jobs: [Job] = []
        var head = 0
        var isEmpty: Bool { head == jobs.count }

        mutating func popFirst() -> Job {
            defer {
                head += 1
                if head == jobs.count { jobs.removeAll(keepingCapacity: true); head = 0 }
                else if head >= 1024 && head * 2 >= jobs.count { jobs.removeFirst(head); head = 0 }
            }
            return jobs[head]
        }
    }

    private func run() {
        var queue = Queue()
        while true {
            let step: Step = state.withLock { state in
                if !state.running { return .stop }
                queue.jobs.append(contentsOf: state.submitted)
                state.submitted.removeAll(keepingCapacity: true)
                if !state.cancelledIDs.isEmpty {
                    for index in queue.head..<queue.jobs.count where state.cancelledIDs.contains(queue.jobs[index].id) {
                        queue.jobs[index].cancelled = true
                    }
                    state.cancelledIDs.removeAll()
                }
                if !state.accepting && !state.quiesced {
                    state.quiesced = true
                    defer { state.quiesceWaiters = [] }
                    return .quiesce(state.quiesceWaiters)
                }
                return queue.isEmpty ? .idle : .work
            }
            switch step {
            case .stop:
                let waiters = state.withLock { state in
                    state.finished = true
                    defer { state.finishWaiters = [] }
                    return state.finishWaiters
                }
                for waiter in waiters { waiter.resume() }
                return
            case .idle:
                // Serves delivery reports and other callbacks; a new job cuts the wait short.
                rd_kafka_queue_poll_callback(mainQueue.pointer, 100)
            case .quiesce(let waiters):
                while !queue.isEmpty {
                    let job = queue.popFirst()
                    switch job.kind {
                    case .batch(let batch, let continuation):
                        batch.settleUnsent(job.next..<batch.count, as: .shutdown)
                        continuation?.resume()
                    case .call(let call):
                        call.refuse()
                    }
                }
                for waiter in waiters { waiter.resume() }
            case .work:
                // Every job ready now, in order, until librdkafka's queue is full.
                jobs: while !queue.isEmpty {
                    let job = queue.jobs[queue.head]
                    switch job.kind {
                    case .batch(let batch, let continuation):
                        if job.cancelled {
                            batch.settleUnsent(job.next..<batch.count, as: .cancelled)
                        } else {
                            let next = RDKafkaBatchProducer.produce(batch, from: job.next, client: client)
                            guard next == batch.count else {
                                queue.jobs[queue.head].next = next
                                // Full: wait for delivery reports to make room.
                                rd_kafka_queue_poll_callback(mainQueue.pointer, 10)
                                break jobs
                            }
                        }
                        _ = queue.popFirst()
                        continuation?.resume()
                    case .call(let call):
                        _ = queue.popFirst()
                        // Blocks this thread for as long as the call does (its own timeout).
                        call.perform()
                    }
                }
            }
        }
    }
}
