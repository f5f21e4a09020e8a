internal import CRdKafka

extension KafkaConsumer {
    /// The fetch position (next offset to be returned) of each assigned partition, as far as
    /// this consumer knows it; partitions with no position yet are left out.
    ///
    /// A position can pass offsets that never reach the application (transaction markers,
    /// compacted or trimmed records), which is why "caught up to the high watermark" must be
    /// judged by position rather than by the last message's offset + 1.
    public func positions() -> [KafkaTopicPartition: Int64] {
        let partitions = Array(assignment)
        guard !partitions.isEmpty else { return [:] }
        let list = RDKafkaTopicPartitionList(capacity: partitions.count)
        for tp in partitions { list.add(tp) }
        // Non-blocking: reads librdkafka's local state.
        rd_kafka_position(client.handle, list.pointer)
        var result: [KafkaTopicPartition: Int64] = [:]
        for (tp, offset, err) in RDKafkaTopicPartitionList.entries(of: list.pointer) where err == RD_KAFKA_RESP_ERR_NO_ERROR && offset >= 0 {
            result[tp] = offset
        }
        return result
    }
}
