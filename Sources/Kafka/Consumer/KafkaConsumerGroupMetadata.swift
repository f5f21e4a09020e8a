/// A consumer group member's identity at one moment — group id, generation and member id — as a
/// transactional producer needs it to commit the group's offsets inside a transaction
/// (``KafkaProducer/sendOffsetsToTransaction(_:group:timeout:)``, KIP-447: the broker refuses
/// the commit of a member that has since lost its generation, so a zombie cannot commit).
///
/// Take it with ``KafkaConsumer/groupMetadata()`` after the poll whose messages the transaction
/// processes; it is a snapshot, and a rebalance after it makes it stale.
public struct KafkaConsumerGroupMetadata: Sendable {
    /// The consumer group (`group.id`).
    public let groupID: String
    let metadata: RDKafkaConsumerGroupMetadata

    /// Metadata naming only `groupID` (`rd_kafka_consumer_group_metadata_new`), for offsets read
    /// by something other than a ``KafkaConsumer`` of this process. Without a generation and
    /// member id the broker cannot fence stale commits: prefer ``KafkaConsumer/groupMetadata()``.
    public init(groupID: String) {
        self.groupID = groupID
        metadata = RDKafkaConsumerGroupMetadata(groupID: groupID)
    }

    init(groupID: String, metadata: RDKafkaConsumerGroupMetadata) {
        self.groupID = groupID
        self.metadata = metadata
    }
}

extension KafkaConsumer {
    /// This member's current group metadata (librdkafka `rd_kafka_consumer_group_metadata`), for
    /// ``KafkaProducer/sendOffsetsToTransaction(_:group:timeout:)``. Does not block.
    ///
    /// - Throws: ``KafkaError/Code/configuration`` if the consumer has no
    ///   ``KafkaConsumerConfiguration/groupID`` (assign-only readers commit no offsets).
    public func groupMetadata() throws -> KafkaConsumerGroupMetadata {
        guard let groupID = configuration.groupID, let metadata = RDKafkaConsumerGroupMetadata(consumer: client) else {
            throw KafkaError(code: .configuration, reason: "group metadata needs a consumer with a groupID (group.id)")
        }
        return KafkaConsumerGroupMetadata(groupID: groupID, metadata: metadata)
    }
}
