internal import CRdKafka
import Foundation
import Kafka
import Synchronization

/// Prototypes of the leaner paths suggested for `Sources/Kafka` (BENCHMARKS.md, "Kafka wrapper
/// findings"), measured by `kafka-produce --api prototype` and `kafka-consume --api prototype`
/// with the same librdkafka settings as ``KafkaProducer`` / ``KafkaConsumer``. Not for use
/// outside the benchmark: no logging, no error mapping, no shutdown guarantees.
enum KafkaPrototype {
    static func configuration(_ properties: [String: String]) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var error = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &error, error.count) != RD_KAFKA_CONF_OK {
                Bench.fail("prototype config \(key)=\(value)")
            }
        }
        return conf
    }

    static func client(_ type: rd_kafka_type_t, _ conf: OpaquePointer) -> OpaquePointer {
        var error = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &error, error.count) else { Bench.fail("prototype rd_kafka_new") }
        return handle
    }
}

/// One slot per message of a batch, in one allocation: the message's `msg_opaque` points at its
/// slot, so the delivery callback needs no object, no retain and no dynamic cast per message.
private struct PrototypeSlot {
    var batch: UnsafeMutableRawPointer?
    var partition: Int32 = -1
    var error: Int32 = 0
    var offset: Int64 = -1
}

/// A batch in flight: results land in `slots`; the last report resumes the waiting sender.
private final class PrototypeBatch: Sendable {
    /// `nonisolated(unsafe)`: each slot is written once, by the thread serving delivery reports,
    /// and read by the sender only after `pending` reached 0 (acquire/release on the atomic).
    nonisolated(unsafe) let slots: UnsafeMutablePointer<PrototypeSlot>
    let count: Int
    /// Messages without a report yet, plus one held by the sender until every message is enqueued.
    let pending: Atomic<Int>
    let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: PrototypeSlot(), count: count)
        pending = Atomic(count + 1)
    }

    deinit { slots.deallocate() }

    /// Drops one pending count; the last one resumes the sender.
    func complete() {
        if pending.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
            waiter.withLock { $0.take() }?.resume()
        }
    }
}

/// `send(contentsOf:)` as suggested: one slot array, one continuation, one retain per batch;
/// a reused `rd_kafka_vu_t` array; the topic's C string made once per batch; compact results.
final class PrototypeProducer: Sendable {
    nonisolated(unsafe) private let handle: OpaquePointer
    private let running = PrototypeFlag()

    init(bootstrapServers: String) {
        let conf = KafkaPrototype.configuration([
            "bootstrap.servers": bootstrapServers, "client.id": "almanac", "enable.idempotence": "true",
            "acks": "all", "linger.ms": "5", "compression.codec": "none", "partitioner": "murmur2_random",
            "message.timeout.ms": "30000", "queue.buffering.max.messages": "100000",
        ])
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, _ in
            guard let message, let opaque = message.pointee._private else { return }
            let slot = opaque.assumingMemoryBound(to: PrototypeSlot.self)
            slot.pointee.partition = message.pointee.partition
            slot.pointee.offset = message.pointee.offset
            slot.pointee.error = message.pointee.err.rawValue
            Unmanaged<PrototypeBatch>.fromOpaque(slot.pointee.batch!).takeUnretainedValue().complete()
        }
        handle = KafkaPrototype.client(RD_KAFKA_PRODUCER, conf)
        let handle = PrototypeHandle(self.handle)
        let running = self.running
        Thread {
            while running.value.load(ordering: .acquiring) { rd_kafka_poll(handle.pointer, 100) }
        }.start()
    }

    func waitForMetadata() {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        guard rd_kafka_metadata(handle, 1, nil, &metadata, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR else { Bench.fail("prototype metadata") }
        rd_kafka_metadata_destroy(metadata)
    }

    /// A batch handed to librdkafka whose delivery reports are still arriving.
    struct Ticket: Sendable {
        fileprivate let batch: PrototypeBatch
        let enqueueFailures: Int

        /// Waits for the last delivery report; returns how many messages failed.
        func wait() async -> Int {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                batch.waiter.withLock { $0 = continuation }
                batch.complete()  // the sender's own count
            }
            var failures = enqueueFailures
            for i in 0..<batch.count where batch.slots[i].error != 0 { failures += 1 }
            return failures
        }
    }

    /// Sends every record; returns how many failed (delivery error or enqueue error).
    func send(contentsOf records: [KafkaProducerRecord]) async -> Int {
        await enqueue(contentsOf: records).wait()
    }

    /// Hands every record to librdkafka (waiting only while its queue is full) without waiting for
    /// delivery: the caller enqueues the next batch from the same task while reports arrive.
    func enqueue(contentsOf records: [KafkaProducerRecord]) async -> Ticket {
        let batch = PrototypeBatch(count: records.count)
        guard let first = records.first else { return Ticket(batch: batch, enqueueFailures: 0) }
        let batchPointer = Unmanaged.passUnretained(batch).toOpaque()
        var index = 0
        var failures = 0
        while index < records.count {
            // Enqueue synchronously until librdkafka's queue is full, then wait a little.
            let (enqueued, failed, full) = enqueue(records, from: index, topic: first.topic, batch: batch, batchPointer: batchPointer)
            index = enqueued
            failures += failed
            if full { try? await Task.sleep(for: .milliseconds(1)) }
        }
        return Ticket(batch: batch, enqueueFailures: failures)
    }

    private func enqueue(
        _ records: [KafkaProducerRecord], from start: Int, topic: String, batch: PrototypeBatch, batchPointer: UnsafeMutableRawPointer
    ) -> (next: Int, failed: Int, full: Bool) {
        topic.withCString { topicName in
            withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 5) { vus in
                vus.initialize(repeating: rd_kafka_vu_t())
                vus[0].vtype = RD_KAFKA_VTYPE_TOPIC; vus[0].u.cstr = topicName
                vus[1].vtype = RD_KAFKA_VTYPE_MSGFLAGS; vus[1].u.i = RD_KAFKA_MSG_F_COPY
                vus[2].vtype = RD_KAFKA_VTYPE_VALUE
                vus[3].vtype = RD_KAFKA_VTYPE_KEY
                vus[4].vtype = RD_KAFKA_VTYPE_OPAQUE
                var index = start
                var failed = 0
                while index < records.count {
                    let slot = batch.slots + index
                    slot.pointee.batch = batchPointer
                    let error: OpaquePointer? = records[index].value.withUnsafeBytes { value in
                        vus[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress); vus[2].u.mem.size = value.count
                        return withOptionalBytes(records[index].key) { key in
                            vus[3].u.mem.ptr = key.map { UnsafeMutableRawPointer(mutating: $0.baseAddress) } ?? nil
                            vus[3].u.mem.size = key?.count ?? 0
                            vus[4].u.ptr = UnsafeMutableRawPointer(slot)
                            return rd_kafka_produceva(handle, vus.baseAddress, 5)
                        }
                    }
                    if let error {
                        let code = rd_kafka_error_code(error)
                        rd_kafka_error_destroy(error)
                        if code == RD_KAFKA_RESP_ERR__QUEUE_FULL { return (index, failed, true) }
                        slot.pointee.error = code.rawValue
                        failed += 1
                        batch.complete()
                    }
                    index += 1
                    // Serve delivery reports inline now and then, as librdkafka's examples do: fewer
                    // wake-ups of the poll thread (callbacks are short and never block).
                    if index % 1000 == 0 { rd_kafka_poll(handle, 0) }
                }
                return (index, failed, false)
            }
        }
    }

    func shutdown() {
        rd_kafka_flush(handle, 10_000)
        running.value.store(false, ordering: .releasing)
        // The poll thread ends within 100 ms; the handle is left to process exit (benchmark only).
    }
}

private func withOptionalBytes<R>(_ value: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let value else { return body(nil) }
    return value.withUnsafeBytes { body($0) }
}

/// The consumer side: the same poll as ``KafkaConsumer/poll(maxMessages:timeout:)`` (first message
/// with a timeout, the rest without), building the same message values, but with a reused pointer
/// buffer, the topic name converted once per topic handle instead of once per message, and
/// headers read only when the message has some (`rd_kafka_message_headers` parses them).
final class PrototypeConsumer: Sendable {
    /// The fields of ``KafkaConsumerMessage`` (whose initializer is internal to `Kafka`).
    struct Message: Sendable {
        var topicPartition: KafkaTopicPartition
        var offset: Int64
        var key: [UInt8]?
        var value: [UInt8]
        var headers: [KafkaHeader]
        var timestampMilliseconds: Int64?
    }

    nonisolated(unsafe) private let handle: OpaquePointer
    nonisolated(unsafe) private let queue: OpaquePointer
    private let dispatchQueue = DispatchQueue(label: "prototype.consumer")
    nonisolated(unsafe) private var buffer: [UnsafeMutablePointer<rd_kafka_message_t>?] = []
    nonisolated(unsafe) private var lastTopic: (OpaquePointer?, String) = (nil, "")

    init(bootstrapServers: String) {
        let conf = KafkaPrototype.configuration([
            "bootstrap.servers": bootstrapServers, "client.id": "almanac", "group.id": "almanac-reader-\(UInt64.random(in: 0...UInt64.max))",
            "enable.auto.commit": "false", "enable.auto.offset.store": "false", "isolation.level": "read_committed",
            "auto.offset.reset": "earliest", "session.timeout.ms": "10000", "heartbeat.interval.ms": "1000",
            "max.poll.interval.ms": "300000", "partition.assignment.strategy": "range,roundrobin", "fetch.wait.max.ms": "20",
        ])
        handle = KafkaPrototype.client(RD_KAFKA_CONSUMER, conf)
        rd_kafka_poll_set_consumer(handle)
        queue = rd_kafka_queue_get_consumer(handle)!
    }

    func waitForMetadata() {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        guard rd_kafka_metadata(handle, 1, nil, &metadata, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR else { Bench.fail("prototype metadata") }
        rd_kafka_metadata_destroy(metadata)
    }

    func assign(topic: String, partitions: Int) {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions))!
        for p in 0..<partitions { rd_kafka_topic_partition_list_add(list, topic, Int32(p)).pointee.offset = Int64(RD_KAFKA_OFFSET_BEGINNING) }
        rd_kafka_assign(handle, list)
        rd_kafka_topic_partition_list_destroy(list)
    }

    func poll(maxMessages: Int, timeoutMilliseconds: Int32) async -> [Message] {
        await withCheckedContinuation { continuation in
            dispatchQueue.async { continuation.resume(returning: self.pollNow(maxMessages: maxMessages, timeout: timeoutMilliseconds)) }
        }
    }

    /// Runs on `dispatchQueue` only (so `buffer` and `lastTopic` have one user at a time).
    private func pollNow(maxMessages: Int, timeout: Int32) -> [Message] {
        if buffer.count < maxMessages { buffer = Array(repeating: nil, count: maxMessages) }
        guard let first = rd_kafka_consume_queue(queue, timeout) else { return [] }
        let count = buffer.withUnsafeMutableBufferPointer { buffer in
            buffer[0] = first
            let more = maxMessages > 1 ? rd_kafka_consume_batch_queue(queue, 0, buffer.baseAddress! + 1, maxMessages - 1) : 0
            return 1 + max(0, more)
        }
        var messages: [Message] = []
        messages.reserveCapacity(count)
        for index in 0..<count {
            guard let message = buffer[index] else { continue }
            defer { rd_kafka_message_destroy(message) }
            let m = message.pointee
            guard m.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            if m.rkt != lastTopic.0 { lastTopic = (m.rkt, m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "") }
            var headers: [KafkaHeader] = []
            var hdrs: OpaquePointer?
            if rd_kafka_message_headers(message, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs, rd_kafka_header_cnt(hdrs) > 0 {
                var i = 0
                var name: UnsafePointer<CChar>?
                var valuePointer: UnsafeRawPointer?
                var size = 0
                while rd_kafka_header_get_all(hdrs, i, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                    headers.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []))
                    i += 1
                }
            }
            var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            let timestamp = rd_kafka_message_timestamp(message, &timestampType)
            messages.append(Message(
                topicPartition: KafkaTopicPartition(topic: lastTopic.1, partition: m.partition), offset: m.offset,
                key: m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) },
                value: m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? [],
                headers: headers, timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp))
        }
        return messages
    }

    func close() {
        dispatchQueue.sync {
            rd_kafka_consumer_close(handle)
            rd_kafka_queue_destroy(queue)
            rd_kafka_destroy(handle)
        }
    }
}

/// `rd_kafka_t` is thread-safe for the calls made here (poll, produce).
private struct PrototypeHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

private final class PrototypeFlag: Sendable {
    let value = Atomic<Bool>(true)
}
