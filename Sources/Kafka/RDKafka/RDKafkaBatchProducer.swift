internal import CRdKafka

/// The produce loop of ``RDKafkaProducerThread``.
enum RDKafkaBatchProducer {
    /// Hands `batch.records[start...]` to librdkafka until all are enqueued or its queue is full.
    /// Returns the index of the first record not handled (`batch.count` when done).
    ///
    /// Per message: one `rd_kafka_produceva` over a reused `rd_kafka_vu_t` buffer, the topic
    /// handle looked up once per run of equal topics, the record borrowed in place; nothing is
    /// allocated on the Swift side unless the record has headers. Refused records are settled at
    /// once with their error. Ready delivery reports are served inline every 1024 messages.
    static func produce(_ batch: DeliveryBatch, from start: Int, client: RDKafkaClient) -> Int {
        let handle = client.handle
        return batch.records.withUnsafeBufferPointer { records in
            withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7) { vus in
                vus.initialize(repeating: rd_kafka_vu_t())
                vus[0].vtype = RD_KAFKA_VTYPE_RKT
                vus[1].vtype = RD_KAFKA_VTYPE_MSGFLAGS; vus[1].u.i = RD_KAFKA_MSG_F_COPY
                vus[2].vtype = RD_KAFKA_VTYPE_VALUE
                vus[3].vtype = RD_KAFKA_VTYPE_KEY
                vus[4].vtype = RD_KAFKA_VTYPE_OPAQUE
                var topic: String? = nil
                var index = start
                while index < records.count {
                    // Borrowed in place: no copy (and no retains) of the record per message.
                    let record = records.baseAddress! + index
                    if record.pointee.topic != topic {
                        topic = record.pointee.topic
                        vus[0].u.rkt = client.topicHandle(record.pointee.topic)
                    }
                    vus[4].u.ptr = UnsafeMutableRawPointer(batch.slots + index)
                    var used = 5
                    if let partition = record.pointee.partition {
                        vus[used] = rd_kafka_vu_t()
                        vus[used].vtype = RD_KAFKA_VTYPE_PARTITION; vus[used].u.i32 = partition
                        used += 1
                    }
                    var headers: OpaquePointer? = nil
                    if !record.pointee.headers.isEmpty {
                        headers = makeHeaders(record.pointee.headers)
                        vus[used] = rd_kafka_vu_t()
                        vus[used].vtype = RD_KAFKA_VTYPE_HEADERS; vus[used].u.headers = headers
                        used += 1
                    }
                    let error: OpaquePointer? = record.pointee.value.withUnsafeBytes { value in
                        vus[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                        vus[2].u.mem.size = value.count
                        return withOptionalBytes(record.pointee.key) { key in
                            vus[3].u.mem.ptr = key.flatMap { UnsafeMutableRawPointer(mutating: $0.baseAddress) }
                            vus[3].u.mem.size = key?.count ?? 0
                            return rd_kafka_produceva(handle, vus.baseAddress, used)
                        }
                    }
                    if let error {
                        let code = rd_kafka_error_code(error)
                        rd_kafka_error_destroy(error)
                        // On failure the headers are still ours.
                        if let headers { rd_kafka_headers_destroy(headers) }
                        if code == RD_KAFKA_RESP_ERR__QUEUE_FULL { return index }
                        batch.settleUnsent(index..<(index + 1), as: .enqueueFailed, error: code.rawValue)
                    }
                    index += 1
                    if index & 1023 == 0 { rd_kafka_poll(handle, 0) }
                }
                return index
            }
        }
    }

    /// A librdkafka header list for `headers` (owned by librdkafka once the produce succeeds).
    private static func makeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer? {
        let list = rd_kafka_headers_new(headers.count)
        for header in headers {
            // The name with its length, in place: passing the String as `const char *` made a
            // NUL-terminated copy of it per header.
            var name = header.key
            name.withUTF8 { name in
                header.value.withUnsafeBytes { bytes in
                    _ = name.withMemoryRebound(to: CChar.self) { name in
                        rd_kafka_header_add(list, name.baseAddress, name.count, bytes.baseAddress, bytes.count)
                    }
                }
            }
        }
        return list
    }
}

/// Calls `body` with the bytes of `value`, or with `nil`.
func withOptionalBytes<R>(_ value: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let value else { return body(nil) }
    return value.withUnsafeBytes { body($0) }
}
