/// A topic and partition.
public struct KafkaTopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
    public var description: String { "\(topic)[\(partition)]" }
}

/// A message header (Kafka record headers, KIP-82).
public struct KafkaHeader: Hashable, Sendable {
    public var key: String
    public var value: [UInt8]
    public init(key: String, value: [UInt8]) {
        self.key = key
        self.value = value
    }
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
    public var topic: String
    /// The key; the partitioner hashes it. `nil` spreads messages.
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    /// An explicit partition; `nil` (default) lets the configured partitioner choose.
    public var partition: Int32?

    public init(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [], partition: Int32? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
    }

    public init(topic: String, key: String, value: [UInt8], headers: [KafkaHeader] = []) {
        self.init(topic: topic, key: Array(key.utf8), value: value, headers: headers)
    }
}

/// Where a produced message was stored, from its delivery report.
public struct KafkaDeliveryReport: Hashable, Sendable {
    public var topicPartition: KafkaTopicPartition
    public var offset: Int64
}

/// A consumed message.
public struct KafkaConsumerMessage: Sendable {
    public var topicPartition: KafkaTopicPartition
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    /// Message timestamp, milliseconds since the Unix epoch (UTC), or `nil` if the broker sent none.
    public var timestampMilliseconds: Int64?

    public var topic: String { topicPartition.topic }
    public var partition: Int32 { topicPartition.partition }
    /// The key as UTF-8 text (lossy), or `nil`.
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
    public func header(_ key: String) -> [UInt8]? { headers.first { $0.key == key }?.value }
}

/// Low and high watermark of a partition. The high watermark is the offset the next message will get.
public struct KafkaWatermarks: Hashable, Sendable {
    public var low: Int64
    public var high: Int64
}

/// A consumer-group rebalance, delivered to the handler given to ``KafkaConsumer`` *before*
/// the rebalance completes (revocations before unassign, assignments right after assign).
public enum KafkaRebalanceEvent: Sendable {
    case assigned([KafkaTopicPartition])
    case revoked([KafkaTopicPartition])
}
