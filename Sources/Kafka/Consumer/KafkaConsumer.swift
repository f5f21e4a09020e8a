internal import CRdKafka
import Dispatch
import Foundation
import Logging
import Synchronization

/// A Kafka consumer over librdkafka: either a consumer-group member (``subscribe(topics:)``) or an
/// assign-only reader (``assign(_:)``) that never joins a group (projections, replays).
///
/// Messages are pulled with ``poll(maxMessages:timeout:)``: the blocking librdkafka call runs on this
/// consumer's own serial dispatch queue, never on the cooperative pool, and pulling gives natural
/// back-pressure. Rebalance callbacks are served inside those polls and reach the handler given to
/// ``setRebalanceHandler(_:)`` before the rebalance completes.
///
/// Offsets are only committed explicitly (``commit(_:)``): the committed offset of a partition is the
/// next offset to read, i.e. one past the last fully processed message (Kafka convention).
public final class KafkaConsumer: Sendable {
    let client: RDKafkaClient
    private let queue: DispatchQueue
    private let consumerQueue: OpaquePointerBox
    private let closed = Atomic<Bool>(false)
    public let configuration: KafkaConsumerConfiguration

    /// - Throws: ``KafkaError/Code/configuration`` for properties librdkafka rejects.
    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        client = try RDKafkaClient(kind: .consumer, properties: configuration.rdKafkaProperties(), logger: logger, rebalance: true)
        rd_kafka_poll_set_consumer(client.handle)
        consumerQueue = OpaquePointerBox(rd_kafka_queue_get_consumer(client.handle)!)
        queue = DispatchQueue(label: "almanac.kafka.consumer")
    }

    deinit {
        rd_kafka_queue_destroy(consumerQueue.pointer)
    }

    /// Sets the handler of rebalance events. It runs on the consumer's poll queue, inside the
    /// rebalance: keep it short and non-blocking (e.g. record state, ``pause(_:)`` partitions).
    public func setRebalanceHandler(_ handler: (@Sendable (KafkaRebalanceEvent) -> Void)?) {
        client.callbacks.setRebalanceHandler(handler)
    }

    /// Joins the consumer group (`group.id`) for `topics`.
    /// - Throws: a ``KafkaError`` if librdkafka refuses the subscription.
    public func subscribe(topics: [String]) throws {
        let list = RDKafkaTopicPartitionList(capacity: topics.count)
        for topic in topics { list.add(KafkaTopicPartition(topic: topic, partition: Int32(RD_KAFKA_PARTITION_UA))) }
        let err = rd_kafka_subscribe(client.handle, list.pointer)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, context: "subscribe") }
    }

    /// Reads exactly these partitions from the given offsets, without a consumer group.
    public func assign(_ partitions: [(KafkaTopicPartition, KafkaOffset)]) throws {
        let list = RDKafkaTopicPartitionList(capacity: partitions.count)
        for (tp, offset) in partitions { list.add(tp, offset: RDKafkaTopicPartitionList.rdOffset(offset)) }
        let err = rd_kafka_assign(client.handle, list.pointer)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, context: "assign") }
        client.callbacks.notifyRebalance(.assigned(partitions.map(\.0)))
    }

    /// The partitions currently assigned to this consumer.
    public var assignment: Set<KafkaTopicPartition> { client.callbacks.assignment }

    /// Pulls up to `maxMessages` messages, waiting at most `timeout` for the first.
    /// An empty result means nothing arrived in time. Partition-EOF and transient errors are logged
    /// and skipped.
    /// - Throws: ``KafkaError/Code/shutdown`` after ``close()``; fatal consumer errors.
    public func poll(maxMessages: Int = 500, timeout: Duration = .milliseconds(100)) async throws -> [KafkaConsumerMessage] {
        guard !closed.load(ordering: .acquiring) else { throw KafkaError(code: .shutdown, reason: "consumer is closed") }
        let client = self.client
        let consumerQueue = self.consumerQueue
        return try await BlockingExecutor.run(on: queue) {
            // Wait (up to `timeout`) for the first message only, then take what else is ready:
            // `consume_batch_queue` alone would wait the whole timeout for a full batch.
            var buffer = [UnsafeMutablePointer<rd_kafka_message_t>?](repeating: nil, count: maxMessages)
            guard let first = rd_kafka_consume_queue(consumerQueue.pointer, Int32(timeout.milliseconds)) else { return [] }
            buffer[0] = first
            var count = 1
            if maxMessages > 1 {
                let more = buffer.withUnsafeMutableBufferPointer { rest in
                    rd_kafka_consume_batch_queue(consumerQueue.pointer, 0, rest.baseAddress! + 1, maxMessages - 1)
                }
                if more > 0 { count += more }
            }
            var messages: [KafkaConsumerMessage] = []
            messages.reserveCapacity(count)
            var fatal: KafkaError?
            for index in 0..<count {
                guard let message = buffer[index] else { continue }
                defer { rd_kafka_message_destroy(message) }
                let err = message.pointee.err
                if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    messages.append(KafkaConsumerMessage(message))
                } else if err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    let error = KafkaError.rdKafka(err, context: "consume")
                    if err == RD_KAFKA_RESP_ERR__FATAL { fatal = error }
                    client.callbacks.logger.warning("consumer error: \(error.reason)")
                }
            }
            if let fatal { throw fatal }
            return messages
        }
    }

    /// Commits explicit offsets (each the *next* offset to read) for the group.
    /// - Parameter synchronous: wait for the broker's answer (default) or return at once.
    /// - Throws: the commit error, e.g. after the partitions were revoked.
    public func commit(_ offsets: [KafkaTopicPartition: Int64], synchronous: Bool = true) async throws {
        guard !offsets.isEmpty else { return }
        let client = self.client
        try await BlockingExecutor.run {
            let list = RDKafkaTopicPartitionList(capacity: offsets.count)
            for (tp, offset) in offsets { list.add(tp, offset: offset) }
            let err = rd_kafka_commit(client.handle, list.pointer, synchronous ? 0 : 1)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET else {
                throw KafkaError.rdKafka(err, context: "commit")
            }
        }
    }

    /// The group's committed offsets for `partitions` (blocking call off the pool); -1001 = none.
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(5)) async throws -> [KafkaTopicPartition: Int64] {
        let client = self.client
        return try await BlockingExecutor.run {
            let list = RDKafkaTopicPartitionList(capacity: partitions.count)
            for tp in partitions { list.add(tp) }
            let err = rd_kafka_committed(client.handle, list.pointer, Int32(timeout.milliseconds))
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, context: "committed") }
            var result: [KafkaTopicPartition: Int64] = [:]
            for (tp, offset, _) in RDKafkaTopicPartitionList.entries(of: list.pointer) { result[tp] = offset }
            return result
        }
    }

    /// Stops fetching `partitions` (their messages stay in the log) until ``resume(_:)``.
    public func pause(_ partitions: [KafkaTopicPartition]) {
        let list = RDKafkaTopicPartitionList(capacity: partitions.count)
        for tp in partitions { list.add(tp) }
        rd_kafka_pause_partitions(client.handle, list.pointer)
    }

    public func resume(_ partitions: [KafkaTopicPartition]) {
        let list = RDKafkaTopicPartitionList(capacity: partitions.count)
        for tp in partitions { list.add(tp) }
        rd_kafka_resume_partitions(client.handle, list.pointer)
    }

    /// Moves the fetch position of an assigned partition.
    public func seek(_ tp: KafkaTopicPartition, to offset: KafkaOffset) async throws {
        let client = self.client
        try await BlockingExecutor.run {
            let list = RDKafkaTopicPartitionList()
            list.add(tp, offset: RDKafkaTopicPartitionList.rdOffset(offset))
            if let error = rd_kafka_seek_partitions(client.handle, list.pointer, 5000) {
                throw KafkaError.rdKafka(consuming: error, context: "seek \(tp)")
            }
        }
    }

    /// Low and high watermark of a partition, asked of the broker.
    public func watermarks(_ tp: KafkaTopicPartition, timeout: Duration = .seconds(5)) async throws -> KafkaWatermarks {
        let client = self.client
        return try await BlockingExecutor.run { try client.queryWatermarks(tp, timeout: timeout) }
    }

    /// High watermarks of many partitions in one ListOffsets round trip per leader.
    public func endOffsets(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartition: Int64] {
        let client = self.client
        return try await BlockingExecutor.run { try client.endOffsets(partitions, timeout: timeout) }
    }

    /// Watermarks of many partitions at once.
    public func watermarks(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(5)) async throws -> [KafkaTopicPartition: KafkaWatermarks] {
        let client = self.client
        return try await BlockingExecutor.run {
            var result: [KafkaTopicPartition: KafkaWatermarks] = [:]
            for tp in partitions { result[tp] = try client.queryWatermarks(tp, timeout: timeout) }
            return result
        }
    }

    /// Consumer lag per assigned partition: high watermark minus the current position.
    public func lag() async -> [KafkaTopicPartition: Int64] {
        let client = self.client
        let partitions = Array(assignment)
        return await BlockingExecutor.run {
            let list = RDKafkaTopicPartitionList(capacity: partitions.count)
            for tp in partitions { list.add(tp) }
            rd_kafka_position(client.handle, list.pointer)
            var result: [KafkaTopicPartition: Int64] = [:]
            for (tp, position, _) in RDKafkaTopicPartitionList.entries(of: list.pointer) {
                var low: Int64 = 0, high: Int64 = 0
                rd_kafka_get_watermark_offsets(client.handle, tp.topic, tp.partition, &low, &high)
                result[tp] = position >= 0 ? max(0, high - position) : max(0, high - low)
            }
            return result
        }
    }

    /// Partition count of `topic` from cluster metadata, or nil if it does not exist.
    public func partitionCount(topic: String, timeout: Duration = .seconds(5)) async throws -> Int? {
        let client = self.client
        return try await BlockingExecutor.run { try client.partitionCount(topic: topic, timeout: timeout) }
    }

    /// Leaves the group (revoking partitions through the rebalance handler) and closes the handle.
    /// Bounded by librdkafka's own close; idempotent.
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let client = self.client
        await BlockingExecutor.run(on: queue) {
            _ = rd_kafka_consumer_close(client.handle)
        }
    }
}

/// An immutable C pointer that librdkafka allows to be used from any thread
/// (`rd_kafka_queue_t` is thread-safe); `@unchecked` because `OpaquePointer` is not `Sendable`.
final class OpaquePointerBox: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

extension KafkaConsumerMessage {
    init(_ message: UnsafeMutablePointer<rd_kafka_message_t>) {
        let m = message.pointee
        let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let value: [UInt8] = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        let key: [UInt8]? = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        var headers: [KafkaHeader] = []
        var hdrs: OpaquePointer?
        if rd_kafka_message_headers(message, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs {
            var index = 0
            var name: UnsafePointer<CChar>?
            var valuePointer: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(hdrs, index, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let bytes = valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                headers.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: bytes))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        self.init(
            topicPartition: KafkaTopicPartition(topic: topic, partition: m.partition),
            offset: m.offset, key: key, value: value, headers: headers,
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp)
    }
}
