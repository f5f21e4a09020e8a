/// A consumed message lent in place by ``KafkaConsumer/poll(maxMessages:timeout:lending:)``: its
/// value points into librdkafka's fetch buffer, so reading it costs no copy.
///
/// - Important: ``value`` is valid only inside the `lending` body that received the view; the
///   message is destroyed when the body returns. Copy what must outlive it (`Array(view.value)`).
///   Not `Sendable`, so it cannot be handed to another task.
public struct KafkaMessageView {
    /// Where the message was read from.
    public let topicPartition: KafkaTopicPartition
    /// Its offset in the partition.
    public let offset: Int64
    /// The value (payload) bytes; empty for a null value. Valid only during the `lending` body.
    public let value: UnsafeRawBufferPointer

    /// The topic's name.
    public var topic: String { topicPartition.topic }
    /// The partition number.
    public var partition: Int32 { topicPartition.partition }
}
