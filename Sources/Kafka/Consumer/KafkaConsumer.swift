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
/// Offsets are only committed explicitly (``commit(_:synchronous:timeout:)``): the committed offset of a partition is the
/// next offset to read, i.e. one past the last fully processed message (Kafka convention).
public final class KafkaConsumer: Sendable {
    let client: RDKafkaClient
    /// The serial queue every `poll` (and `close`) runs on, off the cooperative pool.
    let queue: DispatchQueue
    private let consumerQueue: OpaquePointerBox
    /// Poll buffers and caches; used on `queue` only.
    let reader: RDKafkaMessageReader
    let closed = Atomic<Bool>(false)
    /// The settings this consumer was created with.
    public let configuration: KafkaConsumerConfiguration

    /// - Throws: ``KafkaError/Code/configuration`` for properties librdkafka rejects.
    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        client = try RDKafkaClient(kind: .consumer, properties: configuration.rdKafkaProperties(), logger: logger, rebalance: true)
        rd_kafka_poll_set_consumer(client.handle)
        consumerQueue = OpaquePointerBox(rd_kafka_queue_get_consumer(client.handle)!)
        reader = RDKafkaMessageReader(queue: consumerQueue, callbacks: client.callbacks, readsHeaders: configuration.readsHeaders)
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

    /// Sets the handler of librdkafka statistics (every ``KafkaConfiguration/statisticsInterval``),
    /// with per-partition offsets and ``KafkaStatistics/Partition/consumerLag``. It runs inside
    /// ``poll(maxMessages:timeout:)`` on the consumer's poll queue: keep it short and non-blocking.
    public func setStatisticsHandler(_ handler: (@Sendable (KafkaStatistics) -> Void)?) {
        client.callbacks.setStatisticsHandler(handler)
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

    /// Assigns partitions at start offsets the caller has read (typically their low watermarks,
    /// from ``watermarks(_:)`` or `KafkaAdmin.startOffsets`), to read them from their beginning.
    ///
    /// Prefer this to `.beginning` when the offsets are known: librdkafka 2.0.2 looks a logical
    /// offset up, and when the lookup moves to the partition's leader (a consumer that does not
    /// know the leader yet) it retries it after a fixed 500 ms ("migrating to new broker" in
    /// `rdkafka_partition.c`), so every replay started half a second late (BENCHMARKS.md,
    /// audit.replay). A start offset deleted since falls back to `auto.offset.reset`.
    /// - Throws: ``KafkaError`` if librdkafka refuses the assignment.
    public func assign(startingAt offsets: [KafkaTopicPartition: Int64]) throws {
        try assign(offsets.map { ($0.key, .offset($0.value)) })
    }

    /// The partitions currently assigned to this consumer.
    public var assignment: Set<KafkaTopicPartition> { client.callbacks.assignment }

    /// Pulls up to `maxMessages` messages, waiting at most `timeout` for the first; the rest are
    /// those already fetched (no further wait). An empty result means nothing arrived in time.
    /// Partition-EOF and transient errors are logged and skipped.
    ///
    /// Rebalance callbacks (``setRebalanceHandler(_:)``) and statistics
    /// (``setStatisticsHandler(_:)``) are served inside this call: a consumer that stops polling
    /// also stops rebalancing, and is expelled from its group after `max.poll.interval.ms`.
    ///
    /// - Important: rebalances happen only inside `poll`. Committing every processed offset
    ///   (``commit(_:synchronous:timeout:)``) before polling again therefore means a partition's next owner
    ///   starts exactly after the last processed message: nothing lost, nothing read twice.
    /// - Throws: ``KafkaError/Code/shutdown`` after ``close()``; fatal consumer errors.
    public func poll(maxMessages: Int = 500, timeout: Duration = .milliseconds(100)) async throws -> [KafkaConsumerMessage] {
        guard !closed.load(ordering: .acquiring) else { throw KafkaError(code: .shutdown, reason: "consumer is closed") }
        let reader = self.reader
        return try await BlockingExecutor.run(on: queue) {
            try reader.poll(maxMessages: max(1, maxMessages), timeoutMilliseconds: Int32(clamping: timeout.milliseconds))
        }
    }

    /// Commits explicit offsets for the group: each the *next* offset to read, i.e. one past the
    /// last processed message. Runs off the cooperative pool.
    ///
    /// Commit what was processed before the next ``poll(maxMessages:timeout:)`` (rebalances happen
    /// only there) and a partition's next owner resumes exactly after it. A commit refused while the
    /// group rebalances (`REBALANCE_IN_PROGRESS`, ``KafkaError/isRetriable``) leaves the offsets
    /// uncommitted: keep them and commit them again with the next commit — after the next poll
    /// that returns messages, or once the rebalance was served (``setRebalanceHandler(_:)``), not on
    /// a timer, which keeps restarting the rebalance — for the partitions still assigned. Under
    /// `cooperative-sticky` (``KafkaConsumerConfiguration/assignmentStrategy``) a member keeps its
    /// partitions through a rebalance, so nothing is read twice (but see `ILLEGAL_GENERATION`
    /// below); under the eager strategies every
    /// partition is revoked, and messages processed since the last successful commit are read
    /// again by their next owner when the broker refused that commit (librdkafka's mock cluster
    /// refuses commits for the whole rebalance; Kafka brokers accept them until the new generation
    /// forms).
    ///
    /// - Parameters:
    ///   - synchronous: wait for the broker's answer (default), at most `timeout`, or return at once
    ///     (errors of an asynchronous commit are only logged by librdkafka).
    ///   - timeout: how long a synchronous commit may wait (default 10 s); librdkafka can hold a
    ///     commit back while the group rebalances.
    /// - Throws: ``KafkaError/Code/commit`` with the broker's or librdkafka's code
    ///   (``KafkaError/rdKafkaCode``), for the request or the first failed partition — e.g.
    ///   `REBALANCE_IN_PROGRESS` (retriable), `ILLEGAL_GENERATION` / `UNKNOWN_MEMBER_ID` after this
    ///   member lost its partitions (librdkafka before 2.10 also drops the whole assignment when a
    ///   commit sent during a cooperative rebalance gets `ILLEGAL_GENERATION`:
    ///   confluentinc/librdkafka#4059), `COORDINATOR_NOT_AVAILABLE` (retriable) while the coordinator
    ///   moves; ``KafkaError/Code/timedOut`` (retriable) if no answer came within `timeout`.
    public func commit(_ offsets: [KafkaTopicPartition: Int64], synchronous: Bool = true, timeout: Duration = .seconds(10)) async throws {
        guard !offsets.isEmpty else { return }
        let client = self.client
        try await BlockingExecutor.run {
            let list = RDKafkaTopicPartitionList(capacity: offsets.count)
            for (tp, offset) in offsets { list.add(tp, offset: offset) }
            try client.commit(list, synchronous: synchronous, timeout: timeout)
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

    /// Fetches `partitions` again after ``pause(_:)``, from where they stopped.
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
    /// Then drops the rebalance and statistics handlers, which can no longer be called: a handler
    /// that captures this consumer would otherwise keep it, and its librdkafka handle, alive for
    /// good. Bounded by librdkafka's own close; idempotent.
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let client = self.client
        await BlockingExecutor.run(on: queue) {
            _ = rd_kafka_consumer_close(client.handle)
        }
        client.callbacks.setRebalanceHandler(nil)
        client.callbacks.setStatisticsHandler(nil)
    }
}

/// An immutable C pointer that librdkafka allows to be used from any thread
/// (`rd_kafka_queue_t` is thread-safe); `@unchecked` because `OpaquePointer` is not `Sendable`.
final class OpaquePointerBox: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}
