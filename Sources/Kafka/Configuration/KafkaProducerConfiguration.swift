/// Producer settings. Defaults are the safe ones: idempotence on, `acks=all`, and the
/// Java-compatible `murmur2_random` partitioner (DESIGN.md §2).
public struct KafkaProducerConfiguration: Sendable {
    /// Settings shared with consumers and admin clients (bootstrap servers, passthrough properties).
    public var client: KafkaConfiguration
    /// `enable.idempotence`. Default `true` (KIP-98).
    public var enableIdempotence: Bool = true
    /// `acks`. Default `all`.
    public var acks: String = "all"
    /// `linger.ms`. Default 5 ms.
    public var linger: Duration = .milliseconds(5)
    /// `compression.codec` (`none`, `gzip`, `snappy`, `lz4`, `zstd`). Default `none`.
    public var compression: String = "none"
    /// `partitioner`. Default `murmur2_random`, which places keys where Java clients do.
    public var partitioner: String = "murmur2_random"
    /// `delivery.timeout.ms` (`message.timeout.ms`): how long a send may be retried before its
    /// delivery report carries an error. Default 30 s.
    public var deliveryTimeout: Duration = .seconds(30)
    /// `transactional.id`. Transactions are not wrapped yet (issue 4); setting it makes librdkafka
    /// require `rd_kafka_init_transactions` before producing, so leave it `nil` for now.
    public var transactionalID: String? = nil
    /// `queue.buffering.max.messages`: messages librdkafka holds (queued or in flight) at most;
    /// enqueueing waits while it is full. Default 100,000.
    public var maxQueuedMessages: Int = 100_000

    /// Producer settings with the defaults above.
    public init(client: KafkaConfiguration) { self.client = client }

    func rdKafkaProperties() -> [String: String] {
        var result = client.rdKafkaProperties()
        result["enable.idempotence"] = enableIdempotence ? "true" : "false"
        result["acks"] = acks
        result["linger.ms"] = String(linger.milliseconds)
        result["compression.codec"] = compression
        result["partitioner"] = partitioner
        result["message.timeout.ms"] = String(deliveryTimeout.milliseconds)
        result["queue.buffering.max.messages"] = String(maxQueuedMessages)
        if let transactionalID { result["transactional.id"] = transactionalID }
        return result
    }
}
