internal import CRdKafka

/// librdkafka's transactional producer API (rdkafka.h, "Transactional producer API"; KIP-98).
///
/// - Important: every call here may block (those with a timeout up to it); ``KafkaProducer``
///   makes them on its ``RDKafkaProducerThread``, never on Swift's cooperative pool. Errors keep
///   librdkafka's classes (``KafkaError/isRetriable``, ``KafkaError/isAbortable``,
///   ``KafkaError/isFatal``) and carry ``KafkaError/Code/transaction``.
extension RDKafkaClient {
    /// `rd_kafka_init_transactions`: gets the producer id and epoch for `transactional.id` from
    /// the transaction coordinator, completing or aborting what an earlier instance left open and
    /// fencing it. Blocks up to `timeout`.
    func initTransactions(timeout: Duration) throws {
        if let error = rd_kafka_init_transactions(handle, Self.transactionTimeout(timeout)) {
            throw KafkaError.rdKafka(consuming: error, code: .transaction, context: "init transactions")
        }
    }

    /// `rd_kafka_begin_transaction` (local: does not block).
    func beginTransaction() throws {
        if let error = rd_kafka_begin_transaction(handle) {
            throw KafkaError.rdKafka(consuming: error, code: .transaction, context: "begin transaction")
        }
    }

    /// `rd_kafka_send_offsets_to_transaction`: adds the group's offsets to the open transaction.
    /// Blocks up to `timeout`.
    func sendOffsetsToTransaction(
        _ offsets: [KafkaTopicPartition: Int64], group: RDKafkaConsumerGroupMetadata, timeout: Duration
    ) throws {
        let list = RDKafkaTopicPartitionList(capacity: offsets.count)
        for (tp, offset) in offsets.sorted(by: { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }) {
            list.add(tp, offset: offset)
        }
        if let error = rd_kafka_send_offsets_to_transaction(handle, list.pointer, group.pointer, Self.transactionTimeout(timeout)) {
            throw KafkaError.rdKafka(consuming: error, code: .transaction, context: "send offsets to transaction")
        }
    }

    /// `rd_kafka_commit_transaction`: flushes (serving delivery reports on the calling thread),
    /// then commits. Blocks up to `timeout`; `nil` passes -1, the transaction's remaining time.
    func commitTransaction(timeout: Duration?) throws {
        if let error = rd_kafka_commit_transaction(handle, Self.transactionTimeout(timeout)) {
            throw KafkaError.rdKafka(consuming: error, code: .transaction, context: "commit transaction")
        }
    }

    /// `rd_kafka_abort_transaction`: purges what is not yet delivered (reported failed with
    /// `_PURGE_QUEUE` / `_PURGE_INFLIGHT`), waits for what is in flight, then aborts. Blocks up to
    /// `timeout`; `nil` passes -1, the transaction's remaining time.
    func abortTransaction(timeout: Duration?) throws {
        if let error = rd_kafka_abort_transaction(handle, Self.transactionTimeout(timeout)) {
            throw KafkaError.rdKafka(consuming: error, code: .transaction, context: "abort transaction")
        }
    }

    /// Milliseconds for librdkafka; `nil` is -1 (librdkafka: the remaining transaction time).
    private static func transactionTimeout(_ timeout: Duration?) -> Int32 {
        guard let timeout else { return -1 }
        return Int32(clamping: max(0, timeout.milliseconds))
    }
}
