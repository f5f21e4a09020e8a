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
/// - Important: one dedicated poll thread serves the handle (delivery reports, statistics, log
///   lines); sends never block the caller's thread: they enqueue synchronously into librdkafka's
///   local queue and suspend only while that queue is full (`queue.buffering.max.messages`).
public final class KafkaProducer: Sendable {
    let client: RDKafkaClient
    private let pollThread: RDKafkaPollThread
    let isShutDown = Atomic<Bool>(false)
    /// Enqueue passes running right now; ``shutdown(timeout:)`` waits for them before flushing,
    /// so no message can slip into librdkafka after the last delivery reports were served.
    let activeEnqueuers = Atomic<Int>(0)
    public let configuration: KafkaProducerConfiguration

    /// Creates the producer and starts its poll thread.
    /// - Throws: ``KafkaError/Code/configuration`` with librdkafka's message for properties it rejects.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        client = try RDKafkaClient(kind: .producer, properties: configuration.rdKafkaProperties(), logger: logger, deliveryReports: true)
        pollThread = RDKafkaPollThread(name: "almanac.kafka.producer") { [client] in
            rd_kafka_poll(client.handle, 100)
        }
    }

    /// Sets the handler of librdkafka statistics (every ``KafkaConfiguration/statisticsInterval``).
    /// It runs on the producer's poll thread: keep it short and non-blocking.
    public func setStatisticsHandler(_ handler: (@Sendable (KafkaStatistics) -> Void)?) {
        client.callbacks.setStatisticsHandler(handler)
    }

    /// Sends one message and returns once its delivery report arrives (at most about
    /// `delivery.timeout.ms`, default 30 s, after librdkafka accepted it).
    ///
    /// The message is enqueued synchronously on the calling task (no task is spawned); the call
    /// suspends only while librdkafka's local queue is full, then until the report arrives.
    ///
    /// - Returns: the partition and offset the broker stored it at.
    /// - Throws: ``KafkaError/Code/delivery`` (retries exhausted, `delivery.timeout.ms` passed,
    ///   purged at shutdown), ``KafkaError/Code/shutdown`` after ``shutdown(timeout:)``,
    ///   ``KafkaError/Code/cancelled`` if the task was cancelled while the queue was full, or the
    ///   enqueue error (``KafkaError/Code/unknownTopic``, ``KafkaError/Code/underlying`` e.g. for
    ///   a message larger than `message.max.bytes`).
    public func send(_ record: KafkaProducerRecord) async throws -> KafkaDeliveryReport {
        try await enqueue(contentsOf: [record]).wait()[0].get()
    }

    /// Sends many messages, in order, and returns each one's delivery result (same order).
    /// Cheaper than `send` per message: one wait for the whole batch. Equivalent to
    /// ``enqueue(contentsOf:)`` followed by ``KafkaDeliveryTicket/wait()``.
    public func send(contentsOf records: [KafkaProducerRecord]) async -> [Result<KafkaDeliveryReport, KafkaError>] {
        Array(await enqueue(contentsOf: records).wait())
    }

    /// Like ``send(contentsOf:)`` but throws the first failure (after every report arrived).
    /// - Returns: the delivery reports, in the order of `records`.
    /// - Throws: the first failed message's ``KafkaError`` (see ``send(_:)`` for the codes).
    @discardableResult
    public func sendAll(_ records: [KafkaProducerRecord]) async throws -> [KafkaDeliveryReport] {
        try await enqueue(contentsOf: records).wait().get()
    }

    /// Hands every record to librdkafka, in order, and returns once librdkafka holds all of them —
    /// without waiting for delivery. The returned ticket's ``KafkaDeliveryTicket/wait()`` yields
    /// the reports. One task can so keep librdkafka's queue full (enqueue the next batch while the
    /// previous one is being delivered) without several tasks contending on its locks.
    ///
    /// Records are enqueued synchronously on the calling task; it suspends (about 1 ms at a
    /// time) only while librdkafka's local queue is full. Records librdkafka refuses, and those
    /// left when the producer is shut down or the task is cancelled during such a wait, are
    /// failed in the ticket; this method itself never throws.
    ///
    /// - Important: keep the records' topic the same across a batch where you can: the topic
    ///   handle is looked up once per run of equal topics, not per message.
    public func enqueue(contentsOf records: [KafkaProducerRecord]) async -> KafkaDeliveryTicket {
        let batch = DeliveryBatch(records: records)
        var next = 0
        while next < records.count {
            next = enqueuePass(batch, from: next)
            guard next < records.count else { break }
            // librdkafka's queue is full: the poll thread is draining it with delivery reports.
            do {
                try await Task.sleep(for: .milliseconds(1))
            } catch {
                batch.settleUnsent(next..<records.count, as: .cancelled)
                break
            }
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
    /// report and stops the poll thread. Idempotent.
    ///
    /// Every message handed over before gets its outcome before this returns; a message reported
    /// delivered was acknowledged by the broker (`acks`, default all) and is never lost. A
    /// message purged while in flight is reported failed even though the broker may still have
    /// stored it (at-least-once: resend it, idempotently, if it matters).
    public func shutdown(timeout: Duration = .seconds(10)) async {
        guard !isShutDown.exchange(true, ordering: .sequentiallyConsistent) else { return }
        await BlockingExecutor.run { [self] in
            // Passes that saw the producer open finish first (they are short and never block).
            while activeEnqueuers.load(ordering: .sequentiallyConsistent) > 0 { sched_yield() }
            if rd_kafka_flush(client.handle, Int32(timeout.milliseconds)) != RD_KAFKA_RESP_ERR_NO_ERROR {
                rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
                // Purged messages come back as delivery reports (_PURGE_QUEUE / _PURGE_INFLIGHT).
                let deadline = ContinuousClock.now + .seconds(5)
                while rd_kafka_outq_len(client.handle) > 0 && ContinuousClock.now < deadline {
                    rd_kafka_poll(client.handle, 50)
                }
            }
        }
        await pollThread.stop()
    }

    /// Partition count of `topic`, from cluster metadata (a blocking call, run off the pool).
    /// - Returns: `nil` if the cluster does not know the topic.
    /// - Throws: a ``KafkaError`` if no broker answered within `timeout`.
    public func partitionCount(topic: String, timeout: Duration = .seconds(5)) async throws -> Int? {
        let client = self.client
        return try await BlockingExecutor.run { try client.partitionCount(topic: topic, timeout: timeout) }
    }

    deinit {
        pollThread.stopWithoutWaiting()
    }
}
