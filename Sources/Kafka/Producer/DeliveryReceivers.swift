import Synchronization

/// Resumes one continuation with one message's delivery report.
final class SingleDelivery: RDKafkaDeliveryReceiver {
    private let continuation: Mutex<CheckedContinuation<KafkaDeliveryReport, any Error>?>
    init(_ continuation: CheckedContinuation<KafkaDeliveryReport, any Error>) {
        self.continuation = Mutex(continuation)
    }
    func deliver(_ result: Result<KafkaDeliveryReport, KafkaError>) {
        continuation.withLock { $0.take() }?.resume(with: result.mapError { $0 as any Error })
    }
}

/// Collects the delivery reports of a batch; resumes its continuation when the last one arrives.
final class BatchDelivery: Sendable {
    private struct State {
        var results: [Result<KafkaDeliveryReport, KafkaError>?]
        var pending: Int
        var continuation: CheckedContinuation<[Result<KafkaDeliveryReport, KafkaError>], Never>?
    }
    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(results: Array(repeating: nil, count: count), pending: count, continuation: nil))
    }

    /// Stores one result; returns the continuation to resume if this was the last one.
    func complete(index: Int, _ result: Result<KafkaDeliveryReport, KafkaError>) {
        let finished: (CheckedContinuation<[Result<KafkaDeliveryReport, KafkaError>], Never>, [Result<KafkaDeliveryReport, KafkaError>])? = state.withLock { state in
            state.results[index] = result
            state.pending -= 1
            guard state.pending == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (continuation, state.results.map { $0! })
        }
        if let (continuation, results) = finished { continuation.resume(returning: results) }
    }

    func wait() async -> [Result<KafkaDeliveryReport, KafkaError>] {
        await withCheckedContinuation { continuation in
            let ready: [Result<KafkaDeliveryReport, KafkaError>]? = state.withLock { state in
                if state.pending == 0 { return state.results.map { $0! } }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Marks a slot that was never enqueued.
    func fail(index: Int, _ error: KafkaError) { complete(index: index, .failure(error)) }
}

/// One message of a batch.
final class BatchSlot: RDKafkaDeliveryReceiver {
    let batch: BatchDelivery
    let index: Int
    init(batch: BatchDelivery, index: Int) {
        self.batch = batch
        self.index = index
    }
    func deliver(_ result: Result<KafkaDeliveryReport, KafkaError>) { batch.complete(index: index, result) }
}
