/// Messages handed to librdkafka by ``KafkaProducer/enqueue(contentsOf:)`` whose delivery reports
/// are still arriving.
///
/// ```swift
/// var tickets: [KafkaDeliveryTicket] = []
/// for chunk in chunks {
///     if tickets.count == 8 { try await tickets.removeFirst().wait().get() }   // bound the memory
///     tickets.append(await producer.enqueue(contentsOf: chunk))
/// }
/// for ticket in tickets { try await ticket.wait().get() }
/// ```
///
/// A ticket may be copied, waited on by several tasks, or dropped unread: the messages are
/// delivered (or failed) all the same. It keeps its producer alive until then.
public struct KafkaDeliveryTicket: Sendable {
    let batch: DeliveryBatch
    /// Keeps the producer thread that serves this batch's reports running.
    let producer: KafkaProducer

    /// Number of messages in the batch.
    public var count: Int { batch.count }

    /// `true` once every message has its outcome (``wait()`` would not suspend).
    public var isComplete: Bool { batch.isComplete }

    /// Waits until every message of the batch has its outcome. Not cancellable: delivery
    /// reports always come, at the latest `delivery.timeout.ms` (default 30 s) after enqueueing,
    /// or at ``KafkaProducer/shutdown(timeout:)``.
    /// - Returns: one result per record, in the order they were given.
    public func wait() async -> KafkaDeliveryResults {
        await batch.wait()
        return KafkaDeliveryResults(batch: batch)
    }
}

/// The outcome of each message of a batch, in the order the records were given. Elements are
/// built on access from a compact per-message record, so reading only ``failureCount`` costs
/// nothing per delivered message.
public struct KafkaDeliveryResults: RandomAccessCollection, Sendable {
    let batch: DeliveryBatch

    /// 0: results are indexed like the records.
    public var startIndex: Int { 0 }
    /// The number of records.
    public var endIndex: Int { batch.count }

    /// The delivery report of message `position`, or why it was not delivered
    /// (see ``KafkaProducer/send(_:)`` for the error codes).
    public subscript(position: Int) -> Result<KafkaDeliveryReport, KafkaError> {
        precondition(indices.contains(position), "index out of range")
        return batch.result(at: position)
    }

    /// Number of messages that were not delivered.
    public var failureCount: Int {
        var failures = 0
        for index in 0..<batch.count where !batch.isDelivered(index) { failures += 1 }
        return failures
    }

    /// The delivery reports, in order.
    /// - Throws: the ``KafkaError`` of the first message that was not delivered.
    public func get() throws -> [KafkaDeliveryReport] {
        var reports: [KafkaDeliveryReport] = []
        reports.reserveCapacity(count)
        for result in self { reports.append(try result.get()) }
        return reports
    }
}
