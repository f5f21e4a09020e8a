internal import CRdKafka
import Foundation

/// The consumer side of ``KafkaConsumer/poll(maxMessages:timeout:)`` and
/// ``KafkaConsumer/poll(maxMessages:timeout:lending:)``: pulls a batch from the consumer queue into
/// a reused pointer buffer and converts the messages (or lends them in place).
///
/// `@unchecked Sendable`: its mutable state (the pointer buffer, the topic-name cache) is touched
/// only by the two `poll`s (through `fill` and `topicName`), which ``KafkaConsumer`` runs on its
/// serial dispatch queue, one call at a time.
final class RDKafkaMessageReader: @unchecked Sendable {
    private let queue: OpaquePointerBox
    let callbacks: RDKafkaCallbacks
    var buffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    var capacity: Int
    /// The topic names met so far, per `rd_kafka_topic_t`: a name is made into a `String` once per
    /// topic handle, not once per message (topic names of 16 bytes or more allocate).
    private var topicNames: [OpaquePointer: String] = [:]
    private var lastTopic: (handle: OpaquePointer?, name: String) = (nil, "")

    /// ``KafkaConsumerConfiguration/readsHeaders``.
    private let readsHeaders: Bool

    init(queue: OpaquePointerBox, callbacks: RDKafkaCallbacks, readsHeaders: Bool = true) {
        self.queue = queue
        self.callbacks = callbacks
        self.readsHeaders = readsHeaders
        capacity = 0
        buffer = .allocate(capacity: 1)
    }

    deinit { buffer.deallocate() }

    /// Blocks up to `timeoutMilliseconds` for the first message, then takes what else is ready.
    func poll(maxMessages: Int, timeoutMilliseconds: Int32) throws -> [KafkaConsumerMessage] {
        let count = fill(maxMessages: maxMessages, timeoutMilliseconds: timeoutMilliseconds)
        guard count > 0 else { return [] }
        var messages: [KafkaConsumerMessage] = []
        messages.reserveCapacity(count)
        var fatal: KafkaError?
        for index in 0..<count {
            guard let message = buffer[index] else { continue }
            defer { rd_kafka_message_destroy(message) }
            let err = message.pointee.err
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                messages.append(convert(message))
            } else if err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                let error = KafkaError.rdKafka(err, context: "consume")
                if err == RD_KAFKA_RESP_ERR__FATAL { fatal = error }
                callbacks.logger.warning("consumer error: \(error.reason)")
            }
        }
        if let fatal { throw fatal }
        return messages
    }

    /// Takes up to `maxMessages` from the consumer queue into ``buffer``, waiting up to
    /// `timeoutMilliseconds` for the first; returns how many it took. The caller destroys them.
    func fill(maxMessages: Int, timeoutMilliseconds: Int32) -> Int {
        if capacity < maxMessages {
            buffer.deallocate()
            buffer = .allocate(capacity: maxMessages)
            capacity = maxMessages
        }
        // `consume_batch_queue` alone would wait the whole timeout for a full batch.
        guard let first = rd_kafka_consume_queue(queue.pointer, timeoutMilliseconds) else { return 0 }
        buffer[0] = first
        var count = 1
        if maxMessages > 1 {
            let more = rd_kafka_consume_batch_queue(queue.pointer, 0, buffer + 1, maxMessages - 1)
            if more > 0 { count += more }
        }
        return count
    }

    private func convert(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaConsumerMessage {
        let m = message.pointee
        let value: [UInt8] = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        let key: [UInt8]? = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return KafkaConsumerMessage(
            topicPartition: KafkaTopicPartition(topic: topicName(m.rkt), partition: m.partition),
            offset: m.offset, key: key, value: value, headers: readsHeaders ? headers(of: message) : [],
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp)
    }

    /// The topic's name, from the cache. A cached entry is checked against librdkafka's name
    /// (`strcmp`, no allocation), so a topic handle freed and its address reused cannot mislabel.
    func topicName(_ handle: OpaquePointer?) -> String {
        guard let handle, let cName = rd_kafka_topic_name(handle) else { return "" }
        if handle == lastTopic.handle, lastTopic.name.withCString({ strcmp($0, cName) == 0 }) { return lastTopic.name }
        let name: String
        if let cached = topicNames[handle], cached.withCString({ strcmp($0, cName) == 0 }) {
            name = cached
        } else {
            name = String(cString: cName)
            topicNames[handle] = name
        }
        lastTopic = (handle, name)
        return name
    }

    /// The message's headers; none parsed (nor allocated) when it has none.
    private func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        let count = rd_kafka_header_cnt(list)
        guard count > 0 else { return [] }
        var headers: [KafkaHeader] = []
        headers.reserveCapacity(count)
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        for index in 0..<count where rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            headers.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: bytes))
        }
        return headers
    }
}
