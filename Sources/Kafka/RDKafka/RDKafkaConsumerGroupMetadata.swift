internal import CRdKafka

/// Owner of an `rd_kafka_consumer_group_metadata_t` (group id, generation, member id), destroyed
/// in `deinit`.
///
/// `@unchecked Sendable`: the object is never changed after it is made, and librdkafka only reads
/// it (`rd_kafka_send_offsets_to_transaction` copies what it needs), so any thread may pass it.
final class RDKafkaConsumerGroupMetadata: @unchecked Sendable {
    let pointer: OpaquePointer

    /// The consumer's current membership (`rd_kafka_consumer_group_metadata`), or `nil` if the
    /// handle is not a consumer with a `group.id`.
    init?(consumer: RDKafkaClient) {
        guard let pointer = rd_kafka_consumer_group_metadata(consumer.handle) else { return nil }
        self.pointer = pointer
    }

    /// Metadata naming only the group (`rd_kafka_consumer_group_metadata_new`): no generation or
    /// member id, so the broker cannot fence a stale member's commits (pre-KIP-447 behaviour).
    init(groupID: String) {
        pointer = rd_kafka_consumer_group_metadata_new(groupID)
    }

    deinit { rd_kafka_consumer_group_metadata_destroy(pointer) }
}
