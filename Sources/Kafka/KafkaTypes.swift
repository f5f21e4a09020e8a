/// A topic and partition.
public struct KafkaTopicPartition: Hashable, Sendable, CustomStringConvertible {
    /// The topic's name.
    public var topic: String
    /// The partition number, from 0.
    public var partition: Int32
    /// A topic and partition.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
    public var description: String { "\(topic)[\(partition)]" }
}

/// A message header (Kafka record headers, KIP-82).
public struct KafkaHeader: Hashable, Sendable {
    /// The header's name (UTF-8); names may repeat within a message.
    public var key: String
    /// The header's value, raw bytes.
    public var value: [UInt8]
    /// A header with a byte value.
    public init(key: String, value: [UInt8]) {
        self.key = key
        self.value = value
    }
    /// A header whose value is `string` in UTF-8.
    public init(key: String, string: String) {
        self.init(key: key, value: Array(string.utf8))
    }
}

/// Where to start reading a partition.
public enum KafkaOffset: Hashable, Sendable {
    /// The oldest retained message (low watermark).
    case beginning
    /// After the last message (high watermark).
    case end
    /// The group's committed offset, else `auto.offset.reset`.
    case committed
    /// An explicit offset.
    case offset(Int64)
}

/// A message to produce.
public struct KafkaProducerRecord: Sendable {
    /// The topic to write to.
    public var topic: String
    /// The key; the partitioner hashes it. `nil` spreads messages.
    public var key: [UInt8]?
    /// The value (payload), copied by librdkafka when the message is enqueued.
    public var value: [UInt8]
    /// Record headers, in order.
    public var headers: [KafkaHeader]
    /// An explicit partition; `nil` (default) lets the configured partitioner choose.
    public var partition: Int32?

    /// A record with a byte key (or none) and, optionally, an explicit partition.
    public init(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [], partition: Int32? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
    }

    /// A record whose key is `key` in UTF-8 (the partitioner hashes those bytes).
    public init(topic: String, key: String, value: [UInt8], headers: [KafkaHeader] = []) {
        self.init(topic: topic, key: Array(key.utf8), value: value, headers: headers)
    }
}

/// Where a produced message was stored, from its delivery report.
public struct KafkaDeliveryReport: Hashable, Sendable {
    /// The partition the message was written to.
    public var topicPartition: KafkaTopicPartition
    /// The message's offset in that partition.
    public var offset: Int64
}

/// A consumed message.
public struct KafkaConsumerMessage: Sendable {
    /// Where the message was read from.
    public var topicPartition: KafkaTopicPartition
    /// Its offset in the partition; commit `offset + 1` once it is processed.
    public var offset: Int64
    /// The key, or `nil` if the message has none.
    public var key: [UInt8]?
    /// The value (payload); empty for a null value.
    public var value: [UInt8]
    /// Record headers, in order; empty if the message has none.
    public var headers: [KafkaHeader]
    /// Message timestamp, milliseconds since the Unix epoch (UTC), or `nil` if the broker sent none.
    public var timestampMilliseconds: Int64?

    /// The topic's name.
    public var topic: String { topicPartition.topic }
    /// The partition number.
    public var partition: Int32 { topicPartition.partition }
    /// The key as UTF-8 text (lossy), or `nil`.
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
    /// The value of the first header named `key`, or `nil`.
    public func header(_ key: String) -> [UInt8]? { headers.first { $0.key == key }?.value }
}

/// Low and high watermark of a partition. The high watermark is the offset the next message will get.
public struct KafkaWatermarks: Hashable, Sendable {
    /// The oldest offset still in the log.
    public var low: Int64
    /// The offset the next message will get (`high - low` messages are in the log).
    public var high: Int64
}

/// A consumer-group rebalance, delivered to the handler given to ``KafkaConsumer`` *before*
/// the rebalance completes (revocations before unassign, assignments right after assign).
public enum KafkaRebalanceEvent: Sendable {
    case assigned([KafkaTopicPartition])
    case revoked([KafkaTopicPartition])
}
