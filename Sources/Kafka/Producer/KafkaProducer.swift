internal import CRdKafka
import Foundation
import Logging
import Synchronization

/// A Kafka producer over librdkafka.
///
/// ```swift
/// let producer = try KafkaProducer(configuration: .init(client: .init(bootstrapServers: "127.0.0.1:9092")), logger: logger)
/// let report = try await producer.send(KafkaProducerRecord(topic: "almanac.control", key: "app-1", value: bytes))
/// await producer.shutdown()
/// ```
///
/// - Important: one dedicated poll thread serves the handle (delivery reports, callbacks); sends
///   never block the caller's thread: a full local queue is waited out asynchronously.
public final class KafkaProducer: Sendable {
    let client: RDKafkaClient
    private let pollThread: RDKafkaPollThread
    private let isShutDown = Atomic<Bool>(false)
    public let configuration: KafkaProducerConfiguration

    /// - Throws: ``KafkaError/Code/configuration`` for properties librdkafka rejects.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        client = try RDKafkaClient(kind: .producer, properties: configuration.rdKafkaProperties(), logger: logger, deliveryReports: true)
        pollThread = RDKafkaPollThread(name: "almanac.kafka.producer") { [client] in
            rd_kafka_poll(client.handle, 100)
        }
    }

    /// Sends one message and returns once its delivery report arrives.
    ///
    /// - Returns: the partition and offset the broker stored it at.
    /// - Throws: ``KafkaError/Code/delivery`` (retries exhausted, `delivery.timeout.ms` passed),
    ///   ``KafkaError/Code/shutdown`` after ``shutdown(timeout:)``, or the enqueue error.
    public func send(_ record: KafkaProducerRecord) async throws -> KafkaDeliveryReport {
        try await withCheckedThrowingContinuation { continuation in
            let receiver = SingleDelivery(continuation)
            Task { [self] in
                do {
                    try await enqueue(record, receiver: receiver)
                } catch let error as KafkaError {
                    receiver.deliver(.failure(error))
                } catch {
                    receiver.deliver(.failure(KafkaError(code: .underlying, reason: "\(error)")))
                }
            }
        }
    }

    /// Sends many messages, in order, and returns each one's delivery result (same order).
    /// Cheaper than `send` per message: one wait for the whole batch.
    public func send(contentsOf records: [KafkaProducerRecord]) async -> [Result<KafkaDeliveryReport, KafkaError>] {
        let batch = BatchDelivery(count: records.count)
        for (index, record) in records.enumerated() {
            do {
                try await enqueue(record, receiver: BatchSlot(batch: batch, index: index))
            } catch let error as KafkaError {
                batch.fail(index: index, error)
            } catch {
                batch.fail(index: index, KafkaError(code: .underlying, reason: "\(error)"))
            }
        }
        return await batch.wait()
    }

    /// Like ``send(contentsOf:)`` but throws the first failure.
    @discardableResult
    public func sendAll(_ records: [KafkaProducerRecord]) async throws -> [KafkaDeliveryReport] {
        try await send(contentsOf: records).map { try $0.get() }
    }

    private func enqueue(_ record: KafkaProducerRecord, receiver: any RDKafkaDeliveryReceiver) async throws {
        while true {
            if isShutDown.load(ordering: .acquiring) {
                throw KafkaError(code: .shutdown, reason: "producer is shut down")
            }
            let err = produce(record, receiver: receiver)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                // Local queue full: wait for delivery reports to drain it (served by the poll thread).
                try await Task.sleep(for: .milliseconds(2))
                continue
            }
            throw KafkaError.rdKafka(err, context: "produce to \(record.topic)")
        }
    }

    private func produce(_ record: KafkaProducerRecord, receiver: any RDKafkaDeliveryReceiver) -> rd_kafka_resp_err_t {
        let opaque = Unmanaged<AnyObject>.passRetained(receiver).toOpaque()
        let err: rd_kafka_resp_err_t = record.topic.withCString { topic in
            record.value.withUnsafeBytes { value in
                withOptionalBytes(record.key) { key in
                    var vus: [rd_kafka_vu_t] = []
                    vus.reserveCapacity(6 + record.headers.count)
                    var vu = rd_kafka_vu_t()
                    vu.vtype = RD_KAFKA_VTYPE_TOPIC; vu.u.cstr = topic; vus.append(vu)
                    vu = rd_kafka_vu_t()
                    vu.vtype = RD_KAFKA_VTYPE_VALUE
                    vu.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress); vu.u.mem.size = value.count
                    vus.append(vu)
                    if let key {
                        vu = rd_kafka_vu_t()
                        vu.vtype = RD_KAFKA_VTYPE_KEY
                        vu.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress); vu.u.mem.size = key.count
                        vus.append(vu)
                    }
                    if let partition = record.partition {
                        vu = rd_kafka_vu_t(); vu.vtype = RD_KAFKA_VTYPE_PARTITION; vu.u.i32 = partition; vus.append(vu)
                    }
                    vu = rd_kafka_vu_t(); vu.vtype = RD_KAFKA_VTYPE_MSGFLAGS; vu.u.i = RD_KAFKA_MSG_F_COPY; vus.append(vu)
                    vu = rd_kafka_vu_t(); vu.vtype = RD_KAFKA_VTYPE_OPAQUE; vu.u.ptr = opaque; vus.append(vu)
                    var headers: OpaquePointer? = nil
                    if !record.headers.isEmpty {
                        headers = rd_kafka_headers_new(record.headers.count)
                        for header in record.headers {
                            header.value.withUnsafeBytes { bytes in
                                _ = rd_kafka_header_add(headers, header.key, -1, bytes.baseAddress, bytes.count)
                            }
                        }
                        vu = rd_kafka_vu_t(); vu.vtype = RD_KAFKA_VTYPE_HEADERS; vu.u.headers = headers; vus.append(vu)
                    }
                    let error = rd_kafka_produceva(client.handle, vus, vus.count)
                    var code = RD_KAFKA_RESP_ERR_NO_ERROR
                    if let error {
                        code = rd_kafka_error_code(error)
                        rd_kafka_error_destroy(error)
                        // On failure the headers are still ours.
                        if let headers { rd_kafka_headers_destroy(headers) }
                    }
                    return code
                }
            }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            Unmanaged<AnyObject>.fromOpaque(opaque).release()
        }
        return err
    }

    /// Number of messages waiting in librdkafka's queues (not yet delivered).
    public var outstandingMessages: Int { Int(rd_kafka_outq_len(client.handle)) }

    /// Waits until every queued message has a delivery report, or `timeout` passes.
    /// - Returns: `true` if the queue was drained.
    @discardableResult
    public func flush(timeout: Duration = .seconds(10)) async -> Bool {
        let client = self.client
        return await BlockingExecutor.run {
            rd_kafka_flush(client.handle, Int32(timeout.milliseconds)) == RD_KAFKA_RESP_ERR_NO_ERROR
        }
    }

    /// Flushes (up to `timeout`), fails what is left with a delivery error, and stops the poll thread.
    /// Messages whose delivery was reported before this returns are never lost. Idempotent.
    public func shutdown(timeout: Duration = .seconds(10)) async {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let client = self.client
        await BlockingExecutor.run {
            if rd_kafka_flush(client.handle, Int32(timeout.milliseconds)) != RD_KAFKA_RESP_ERR_NO_ERROR {
                rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
                rd_kafka_poll(client.handle, 0)
            }
        }
        await pollThread.stop()
    }

    /// Partition count of `topic`, from cluster metadata.
    public func partitionCount(topic: String, timeout: Duration = .seconds(5)) async throws -> Int? {
        let client = self.client
        return try await BlockingExecutor.run { try client.partitionCount(topic: topic, timeout: timeout) }
    }

    deinit {
        pollThread.stopWithoutWaiting()
    }
}

/// Calls `body` with the bytes of `value`, or with `nil`.
func withOptionalBytes<R>(_ value: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let value else { return body(nil) }
    return value.withUnsafeBytes { body($0) }
}
