internal import CRdKafka
import Foundation
import Logging
import Synchronization

/// A Kafka producer over librdkafka.
///
/// ```swift
/// let producer = try KafkaProducer(configuration: .init(client: .init(bootstrapServers: "127.0.0.1:9092")), logger: logger)
/// let report = try await producer.send(KafkaProducerRecord(topic: "almanac.control", key: "app-1", value: bytes))
///
/// // Many messages: hand them over, then wait for their delivery reports.
/// let ticket = await producer.enqueue(contentsOf: records)
/// let results = await ticket.wait()          // one Result per record, in order
/// await producer.shutdown()
/// ```
///
/// Delivery: every message handed to the producer gets exactly one outcome — a
/// ``KafkaDeliveryReport`` (partition, offset) once the broker stored it, or a ``KafkaError``
/// (``KafkaError/Code/delivery`` when retries ran out or `delivery.timeout.ms` passed, the
/// enqueue error, ``KafkaError/Code/shutdown``). None is dropped silently.
///
/// Transactions (``KafkaProducerConfiguration/transactionalID``): messages sent between
/// ``beginTransaction()`` and ``commitTransaction(timeout:)`` become visible to `read_committed`
/// consumers together, or not at all after ``abortTransaction(timeout:)``; consumed offsets can
/// join them (``sendOffsetsToTransaction(_:group:timeout:)``);
/// ``withTransaction(commitAttempts:commitTimeout:isolation:_:)`` wraps the sequence and its
/// error rules.
///
/// - Important: the producer has one thread of its own. It hands messages to librdkafka and
///   serves the handle's callbacks (delivery reports, statistics), as a C producer's one thread
///   would: messages are allocated and freed on one thread, and waiting for room in a full queue
///   (`queue.buffering.max.messages`) or for events is a bounded librdkafka poll there — sends
///   never block a caller's thread or Swift's cooperative pool, they suspend. The blocking
///   transactional calls run on that thread too, in order with the sends before them.
public final class KafkaProducer: Sendable {
    let client: RDKafkaClient
    /// Enqueues, serves callbacks and makes the transactional calls (`KafkaProducer+Transactions`).
    let thread: RDKafkaProducerThread
    private let isShutDown = Atomic<Bool>(false)
    /// The settings this producer was created with.
    public let configuration: KafkaProducerConfiguration

    /// Creates the producer and starts its thread.
    /// - Throws: ``KafkaError/Code/configuration`` with librdkafka's message for properties it rejects.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        client = try RDKafkaClient(kind: .producer, properties: configuration.rdKafkaProperties(), logger: logger, deliveryReports: true)
        thread = RDKafkaProducerThread(client: client, name: "almanac.produce")
    }

    /// Sets the handler of librdkafka statistics (every ``KafkaConfiguration/statisticsInterval``).
    /// It runs on the producer's thread: keep it short and non-blocking.
    public func setStatisticsHandler(_ handler: (@Sendable (KafkaStatistics) -> Void)?) {
        client.callbacks.setStatisticsHandler(handler)
    }

    /// Sends one message and returns once its delivery report arrives (at most about
    /// `delivery.timeout.ms`, default 30 s, after librdkafka accepted it).
    ///
    /// No task is spawned: the calling task suspends while the producer's thread hands the
    /// message to librdkafka (waiting there while librdkafka's local queue is full), then until
    /// the report arrives.
    ///
    /// - Returns: the partition and offset the broker stored it at.
    /// - Throws: ``KafkaError/Code/delivery`` (retries exhausted, `delivery.timeout.ms` passed,
    ///   purged at shutdown; ``KafkaError/persistence`` tells whether the broker may have stored it
    ///   anyway), ``KafkaError/Code/shutdown`` after ``shutdown(timeout:)``,
    ///   ``KafkaError/Code/cancelled`` if the task was cancelled while the queue was full, or the
    ///   enqueue error (``KafkaError/Code/unknownTopic``, ``KafkaError/Code/underlying`` e.g. for
    ///   a message larger than `message.max.bytes`).
    public func send(_ record: KafkaProducerRecord) async throws -> KafkaDeliveryReport {
        try await deliver([record])[0].get()
    }

    /// Sends many messages, in order, and returns each one's delivery result (same order).
    /// Cheaper than `send` per message: one wait for the whole batch. Equivalent to
    /// ``enqueue(contentsOf:)`` followed by ``KafkaDeliveryTicket/wait()``.
    public func send(contentsOf records: [KafkaProducerRecord]) async -> [Result<KafkaDeliveryReport, KafkaError>] {
        Array(await deliver(records))
    }

    /// Like ``send(contentsOf:)`` but throws the first failure (after every report arrived).
    /// - Returns: the delivery reports, in the order of `records`.
    /// - Throws: the first failed message's ``KafkaError`` (see ``send(_:)`` for the codes).
    @discardableResult
    public func sendAll(_ records: [KafkaProducerRecord]) async throws -> [KafkaDeliveryReport] {
        try await deliver(records).get()
    }

    /// What the `send` methods share: ``enqueue(contentsOf:)`` then ``KafkaDeliveryTicket/wait()``,
    /// with the same results and the same cancellation rule (records not yet handed to librdkafka
    /// when the task is cancelled fail with ``KafkaError/Code/cancelled``), but one suspension
    /// instead of two: the task does not wait for librdkafka to hold the records, only for their
    /// delivery reports, which come after that anyway.
    private func deliver(_ records: [KafkaProducerRecord]) async -> KafkaDeliveryResults {
        let batch = DeliveryBatch(records: records)
        if isShutDown.load(ordering: .acquiring) {
            batch.settleUnsent(0..<records.count, as: .shutdown)
        } else if let id = thread.submit(batch) {
            let thread = self.thread
            await withTaskCancellationHandler { await batch.wait() } onCancel: { thread.cancel(id) }
        }
        return KafkaDeliveryResults(batch: batch)
    }

    /// Hands `records` to the producer's thread and returns at once, without suspending: they are
    /// enqueued after every record handed over before (by any method) and before every record
    /// handed over after, so a caller can write more messages for the same partitions behind them
    /// without waiting for their delivery reports. The ticket's ``KafkaDeliveryTicket/wait()``
    /// yields the reports; records refused, or left when the producer is shut down, are failed in
    /// it (see ``enqueue(contentsOf:)``). Not cancellable: the records are delivered or failed
    /// whatever happens to the calling task.
    ///
    /// - Important: order within a partition holds in the log as long as every earlier message is
    ///   delivered; librdkafka's idempotent producer (Almanac's default) retries them in order.
    public func submit(contentsOf records: [KafkaProducerRecord]) -> KafkaDeliveryTicket {
        let batch = DeliveryBatch(records: records)
        if isShutDown.load(ordering: .acquiring) {
            batch.settleUnsent(0..<records.count, as: .shutdown)
        } else {
            _ = thread.submit(batch)
        }
        return KafkaDeliveryTicket(batch: batch, producer: self)
    }

    /// Hands every record to librdkafka, in order, and returns once librdkafka holds all of them —
    /// without waiting for delivery. The returned ticket's ``KafkaDeliveryTicket/wait()`` yields
    /// the reports. One task can so keep librdkafka's queue full (enqueue the next batch while the
    /// previous one is being delivered) at the cost of one hand-over per batch, not per message.
    ///
    /// The producer's thread enqueues the records (batches in the order the calls were made); the
    /// calling task suspends meanwhile, longer while librdkafka's local queue is full. Records
    /// librdkafka refuses, and those left when the producer is shut down or the calling task is
    /// cancelled, are failed in the ticket (``KafkaError/Code/shutdown``,
    /// ``KafkaError/Code/cancelled``); this method itself never throws.
    ///
    /// - Important: records are borrowed, not copied; runs of records with the same topic share
    ///   one topic lookup, so keep a batch's topic the same where you can.
    public func enqueue(contentsOf records: [KafkaProducerRecord]) async -> KafkaDeliveryTicket {
        let batch = DeliveryBatch(records: records)
        if isShutDown.load(ordering: .acquiring) {
            batch.settleUnsent(0..<records.count, as: .shutdown)
        } else {
            await thread.enqueue(batch)
        }
        return KafkaDeliveryTicket(batch: batch, producer: self)
    }

    /// Number of messages (and requests) in librdkafka's queues, not yet delivered.
    public var outstandingMessages: Int { Int(rd_kafka_outq_len(client.handle)) }

    /// Waits until every queued message has a delivery report, or `timeout` passes. Runs off the
    /// cooperative pool.
    /// - Returns: `true` if the queue was drained.
    @discardableResult
    public func flush(timeout: Duration = .seconds(10)) async -> Bool {
        let client = self.client
        return await BlockingExecutor.run {
            rd_kafka_flush(client.handle, Int32(timeout.milliseconds)) == RD_KAFKA_RESP_ERR_NO_ERROR
        }
    }

    /// Stops accepting messages, flushes (up to `timeout`), fails what is still queued or in flight
    /// with ``KafkaError/Code/delivery`` (librdkafka's purge), serves every remaining delivery
    /// report and stops the producer's thread. Idempotent.
    ///
    /// Every message handed over before gets its outcome before this returns; a message reported
    /// delivered was acknowledged by the broker (`acks`, default all) and is never lost. A
    /// message purged while in flight is reported failed even though the broker may still have
    /// stored it (at-least-once: resend it, idempotently, if it matters).
    ///
    /// A transactional producer's open transaction is aborted first, within up to `timeout` more
    /// (librdkafka `rd_kafka_abort_transaction`: its queued messages are purged and reported
    /// failed, nothing of it is committed); a transactional call already running (a commit)
    /// finishes before that, and calls made after `shutdown` throw ``KafkaError/Code/shutdown``.
    public func shutdown(timeout: Duration = .seconds(10)) async {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Queued batches and calls are failed and the thread's current pass ends: nothing
        // reaches librdkafka after this.
        await thread.quiesce()
        let client = self.client
        if configuration.transactionalID != nil {
            // `_STATE` when no transaction is open (or transactions were never initialized).
            await BlockingExecutor.run { _ = try? client.abortTransaction(timeout: timeout) }
        }
        await BlockingExecutor.run {
            if rd_kafka_flush(client.handle, Int32(timeout.milliseconds)) != RD_KAFKA_RESP_ERR_NO_ERROR {
                rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
                // Purged messages come back as delivery reports (_PURGE_QUEUE / _PURGE_INFLIGHT).
                let deadline = ContinuousClock.now + .seconds(5)
                while rd_kafka_outq_len(client.handle) > 0 && ContinuousClock.now < deadline {
                    rd_kafka_poll(client.handle, 50)
                }
            }
        }
        await thread.stop()
    }

    /// Partition count of `topic`, from cluster metadata (a blocking call, run off the pool).
    /// - Returns: `nil` if the cluster does not know the topic.
    /// - Throws: a ``KafkaError`` if no broker answered within `timeout`.
    public func partitionCount(topic: String, timeout: Duration = .seconds(5)) async throws -> Int? {
        let client = self.client
        return try await BlockingExecutor.run { try client.partitionCount(topic: topic, timeout: timeout) }
    }

    deinit {
        thread.stopWithoutWaiting()
    }
}
