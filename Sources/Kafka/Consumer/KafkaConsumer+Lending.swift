import Foundation

extension KafkaConsumer {
    /// Pulls up to `maxMessages` messages like ``poll(maxMessages:timeout:)`` but lends them to
    /// `body` in place — each ``KafkaMessageView/value`` points into librdkafka's fetch buffer, no
    /// `[UInt8]` copy, no headers, key or timestamp — and returns what `body` returns.
    ///
    /// `body` runs on this consumer's poll queue (a dispatch thread, not the cooperative pool),
    /// after the blocking wait, so CPU work done there (decoding) runs beside other consumers'
    /// and overlaps librdkafka's fetching. It gets an empty array when nothing arrived within
    /// `timeout`. The views are valid only until `body` returns.
    ///
    /// - Throws: ``KafkaError/Code/shutdown`` after ``close()``; fatal consumer errors; what `body` throws.
    public func poll<R: Sendable>(maxMessages: Int = 500, timeout: Duration = .milliseconds(100),
                                  lending body: @escaping @Sendable ([KafkaMessageView]) throws -> R) async throws -> R {
        guard !closed.load(ordering: .acquiring) else { throw KafkaError(code: .shutdown, reason: "consumer is closed") }
        let reader = self.reader
        return try await BlockingExecutor.run(on: queue) {
            try reader.poll(maxMessages: max(1, maxMessages), timeoutMilliseconds: Int32(clamping: timeout.milliseconds), lending: body)
        }
    }
}
