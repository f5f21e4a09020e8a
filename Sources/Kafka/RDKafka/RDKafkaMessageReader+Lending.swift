internal import CRdKafka

extension RDKafkaMessageReader {
    /// Like ``poll(maxMessages:timeoutMilliseconds:)`` but lends the messages to `body` in place
    /// (values point into librdkafka's buffers; no copy) and destroys them when `body` returns.
    /// `body` gets an empty array when nothing arrived in time. Partition-EOF and transient errors
    /// are logged and skipped; a fatal error is thrown after `body` saw the messages before it.
    func poll<R>(maxMessages: Int, timeoutMilliseconds: Int32, lending body: ([KafkaMessageView]) throws -> R) throws -> R {
        let count = fill(maxMessages: maxMessages, timeoutMilliseconds: timeoutMilliseconds)
        let buffer = self.buffer
        defer { for index in 0..<count { if let message = buffer[index] { rd_kafka_message_destroy(message) } } }
        var views: [KafkaMessageView] = []
        views.reserveCapacity(count)
        var fatal: KafkaError?
        // Messages of one partition come in runs: its `KafkaTopicPartition` is made once per run.
        var run: (handle: OpaquePointer?, partition: Int32, tp: KafkaTopicPartition)?
        for index in 0..<count {
            guard let message = buffer[index] else { continue }
            let m = message.pointee
            guard m.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                if m.err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    let error = KafkaError.rdKafka(m.err, context: "consume")
                    if m.err == RD_KAFKA_RESP_ERR__FATAL { fatal = error }
                    callbacks.logger.warning("consumer error: \(error.reason)")
                }
                continue
            }
            let tp: KafkaTopicPartition
            if let run, run.handle == m.rkt, run.partition == m.partition {
                tp = run.tp
            } else {
                tp = KafkaTopicPartition(topic: topicName(m.rkt), partition: m.partition)
                run = (m.rkt, m.partition, tp)
            }
            let value = m.payload.map { UnsafeRawBufferPointer(start: $0, count: m.len) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
            views.append(KafkaMessageView(topicPartition: tp, offset: m.offset, value: value))
        }
        let result = try body(views)
        if let fatal { throw fatal }
        return result
    }
}
