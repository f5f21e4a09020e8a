internal import CRdKafka
import Foundation
import Logging
import Synchronization

/// Owner of one `rd_kafka_t` handle and its callback box.
///
/// `@unchecked Sendable`: the stored state is the handle (librdkafka documents `rd_kafka_t`
/// as thread-safe for every API we call on it), immutable references, and the topic-handle cache
/// behind a `Mutex`; the handle and its topic handles are destroyed exactly once, in `deinit`,
/// when no other reference can exist.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind { case producer, consumer }

    let handle: OpaquePointer
    let callbacks: RDKafkaCallbacks
    private let retainedCallbacks: Unmanaged<RDKafkaCallbacks>
    let kind: Kind
    /// `rd_kafka_topic_t` per topic name, made on first use (producers): producing by handle
    /// skips librdkafka's per-message lookup of the topic by name.
    private let topics = Mutex<[String: RDKafkaTopicHandle]>([:])

    /// Creates the handle.
    ///
    /// - Throws: ``KafkaError/Code/configuration`` with librdkafka's message for an unknown key or
    ///   invalid value, or if `rd_kafka_new` fails.
    init(
        kind: Kind, properties: [String: String], logger: Logger,
        deliveryReports: Bool = false, rebalance: Bool = false
    ) throws {
        let conf = rd_kafka_conf_new()!
        var errorBuffer = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &errorBuffer, errorBuffer.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(code: .configuration, reason: "\(key)=\(value): \(String(cBuffer: errorBuffer))")
            }
        }
        let callbacks = RDKafkaCallbacks(logger: logger)
        let retained = Unmanaged.passRetained(callbacks)
        rd_kafka_conf_set_opaque(conf, retained.toOpaque())
        rd_kafka_conf_set_log_cb(conf, RDKafkaCallbackTrampolines.log)
        rd_kafka_conf_set_error_cb(conf, RDKafkaCallbackTrampolines.error)
        if deliveryReports { rd_kafka_conf_set_dr_msg_cb(conf, RDKafkaProducerDelivery.callback) }
        if rebalance { rd_kafka_conf_set_rebalance_cb(conf, RDKafkaCallbackTrampolines.rebalance) }
        // Only called when `statistics.interval.ms` > 0.
        rd_kafka_conf_set_stats_cb(conf, RDKafkaCallbackTrampolines.statistics)

        guard let handle = rd_kafka_new(kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf, &errorBuffer, errorBuffer.count) else {
            // rd_kafka_new destroys conf only on success.
            rd_kafka_conf_destroy(conf)
            retained.release()
            throw KafkaError(code: .configuration, reason: String(cBuffer: errorBuffer))
        }
        self.handle = handle
        self.callbacks = callbacks
        self.retainedCallbacks = retained
        self.kind = kind
    }

    deinit {
        // No other reference exists, so the handle is handed to a thread of its own for the
        // blocking `rd_kafka_destroy` (see ``BlockingExecutor/detach(named:_:)``). The callback
        // box outlives the handle: librdkafka may still log while it shuts down.
        let topics = Array(topics.withLock { $0.values })
        let handle = OpaquePointerBox(handle)
        let callbacks = retainedCallbacks
        BlockingExecutor.detach(named: "almanac.destroy") {
            for topic in topics { rd_kafka_topic_destroy(topic.pointer) }
            rd_kafka_destroy(handle.pointer)
            callbacks.release()
        }
    }

    /// The handle's `rd_kafka_topic_t` for `name`, created (with the handle's default topic
    /// configuration, as producing by name would) on first use and kept until `deinit`.
    func topicHandle(_ name: String) -> OpaquePointer? {
        topics.withLock { topics in
            if let topic = topics[name] { return topic.pointer }
            guard let topic = rd_kafka_topic_new(handle, name, nil) else { return nil }
            topics[name] = RDKafkaTopicHandle(pointer: topic)
            return topic
        }
    }

    /// Low/high watermark from the broker (blocking, up to `timeout`).
    func queryWatermarks(_ tp: KafkaTopicPartition, timeout: Duration) throws -> KafkaWatermarks {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(handle, tp.topic, tp.partition, &low, &high, Int32(timeout.milliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, context: "watermarks of \(tp)") }
        return KafkaWatermarks(low: low, high: high)
    }

    /// Partition count of `topic` from cluster metadata (blocking), or nil if the topic does not exist.
    func partitionCount(topic: String, timeout: Duration) throws -> Int? {
        try metadata(timeout: timeout)[topic]
    }

    /// Topic name → partition count, for every topic in the cluster (blocking).
    func metadata(timeout: Duration) throws -> [String: Int] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 1, nil, &metadata, Int32(timeout.milliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw KafkaError.rdKafka(err, context: "metadata") }
        defer { rd_kafka_metadata_destroy(metadata) }
        var result: [String: Int] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            if topic.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                result[String(cString: topic.topic)] = Int(topic.partition_cnt)
            }
        }
        return result
    }
}

/// An `rd_kafka_topic_t` pointer; `@unchecked Sendable` because topic handles are thread-safe in
/// librdkafka and this one is only destroyed by its owning ``RDKafkaClient``'s `deinit`.
struct RDKafkaTopicHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

extension String {
    /// Decodes a NUL-terminated C string held in a buffer.
    init(cBuffer buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}

extension RDKafkaClient {
    /// End offsets (high watermarks) of many partitions in one ListOffsets round trip per leader
    /// (`rd_kafka_offsets_for_times` with timestamp -1 = latest, KIP-79). Blocking.
    func endOffsets(_ partitions: [KafkaTopicPartition], timeout: Duration) throws -> [KafkaTopicPartition: Int64] {
        try listOffsets(partitions, timestamp: -1, what: "end", timeout: timeout)
    }

    /// Low watermarks (the first offset still kept) of many partitions, one ListOffsets round
    /// trip per leader (blocking).
    func startOffsets(_ partitions: [KafkaTopicPartition], timeout: Duration) throws -> [KafkaTopicPartition: Int64] {
        try listOffsets(partitions, timestamp: -2, what: "start", timeout: timeout)
    }

    /// For each partition, the first offset whose record timestamp (milliseconds since 1970, the
    /// Kafka record timestamp, not an event's own time) is at or after `milliseconds`, or nil when
    /// the broker has none that late or did not answer with an offset (KIP-33, KIP-79; librdkafka
    /// 2.0.2's mock cluster answers -1 for every time, Tansu 0.6 answers 0). Blocking.
    func offsets(atOrAfterMilliseconds milliseconds: Int64, _ partitions: [KafkaTopicPartition], timeout: Duration) throws -> [KafkaTopicPartition: Int64?] {
        try listOffsets(partitions, timestamp: max(0, milliseconds), what: "by-time", timeout: timeout).mapValues { $0 >= 0 ? $0 : nil }
    }

    /// ListOffsets for a record timestamp (ms), or the special timestamps -1 (latest: the high
    /// watermark) or -2 (earliest).
    private func listOffsets(_ partitions: [KafkaTopicPartition], timestamp: Int64, what: String, timeout: Duration) throws -> [KafkaTopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        let list = RDKafkaTopicPartitionList(capacity: partitions.count)
        for tp in partitions { list.add(tp, offset: timestamp) }
        let err = rd_kafka_offsets_for_times(handle, list.pointer, Int32(timeout.milliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, context: "list \(what) offsets") }
        var result: [KafkaTopicPartition: Int64] = [:]
        for (tp, offset, partitionErr) in RDKafkaTopicPartitionList.entries(of: list.pointer) {
            guard partitionErr == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(partitionErr, context: "\(what) offset of \(tp)") }
            result[tp] = offset
        }
        return result
    }
}

extension RDKafkaClient {
    /// Commits `list` (blocking up to `timeout` when `synchronous`): the result comes back as an
    /// `RD_KAFKA_EVENT_OFFSET_COMMIT` on a queue of its own, so the wait is bounded, unlike
    /// `rd_kafka_commit`'s.
    func commit(_ list: RDKafkaTopicPartitionList, synchronous: Bool, timeout: Duration) throws {
        guard synchronous else {
            let err = rd_kafka_commit(handle, list.pointer, 1)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET else {
                throw KafkaError.rdKafka(err, code: .commit, context: "commit")
            }
            return
        }
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        let err = rd_kafka_commit_queue(handle, list.pointer, queue, nil, nil)
        if err == RD_KAFKA_RESP_ERR__NO_OFFSET { return }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, code: .commit, context: "commit") }
        guard let event = rd_kafka_queue_poll(queue, Int32(clamping: timeout.milliseconds)) else {
            throw KafkaError(code: .timedOut, reason: "commit: no answer within \(timeout)", isRetriable: true)
        }
        defer { rd_kafka_event_destroy(event) }
        let eventErr = rd_kafka_event_error(event)
        guard eventErr == RD_KAFKA_RESP_ERR_NO_ERROR || eventErr == RD_KAFKA_RESP_ERR__NO_OFFSET else {
            throw KafkaError.rdKafka(eventErr, code: .commit, context: "commit")
        }
        if let partitions = rd_kafka_event_topic_partition_list(event) {
            for (tp, _, partitionErr) in RDKafkaTopicPartitionList.entries(of: partitions) where partitionErr != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError.rdKafka(partitionErr, code: .commit, context: "commit \(tp)")
            }
        }
    }
}
