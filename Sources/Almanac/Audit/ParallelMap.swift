import Dispatch
import Synchronization

/// Maps a few chunks of CPU work on Dispatch's concurrent threads and waits for all of them.
///
/// - Important: it blocks the calling thread until every chunk is done, so it is for short,
///   pure, CPU-bound work (decoding a batch); it runs on Dispatch's global queue, not as Swift
///   tasks, so the cooperative pool only loses the one caller while the chunks run.
enum ParallelMap {
    static func run<Input: Sendable, Output: Sendable>(_ inputs: [Input], _ transform: @Sendable (Input) -> Output) -> [Output] {
        let results = Mutex([Output?](repeating: nil, count: inputs.count))
        DispatchQueue.concurrentPerform(iterations: inputs.count) { index in
            let output = transform(inputs[index])
            results.withLock { $0[index] = output }
        }
        return results.withLock { $0.map { $0! } }
    }
}
