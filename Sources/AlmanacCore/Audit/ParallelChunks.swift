import Dispatch
import Synchronization

/// Maps a few chunks of pure CPU work on Dispatch's threads (the caller's included) and waits for
/// all of them; results come back in input order, so the outcome does not depend on scheduling.
///
/// - Important: it blocks the calling thread until every chunk is done: for short, pure,
///   CPU-bound work (an audit's reconciliation), not for anything that waits.
enum ParallelChunks {
    static func map<Input: Sendable, Output: Sendable>(_ inputs: [Input], _ transform: @Sendable (Input) -> Output) -> [Output] {
        guard inputs.count > 1 else { return inputs.map(transform) }
        let results = Mutex([Output?](repeating: nil, count: inputs.count))
        DispatchQueue.concurrentPerform(iterations: inputs.count) { index in
            let output = transform(inputs[index])
            results.withLock { $0[index] = output }
        }
        return results.withLock { $0.map { $0! } }
    }

    /// `items` cut into about `chunks` consecutive slices (at least one item each).
    static func split<Item>(_ items: [Item], chunks: Int) -> [ArraySlice<Item>] {
        guard !items.isEmpty else { return [] }
        let size = max(1, (items.count + max(1, chunks) - 1) / max(1, chunks))
        return stride(from: 0, to: items.count, by: size).map { items[$0..<min($0 + size, items.count)] }
    }
}
