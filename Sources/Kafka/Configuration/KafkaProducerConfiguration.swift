/// Producer settings. Defaults are the safe ones: idempotence on, `acks=all`, and the
/// Java-compatible `murmur2_random` partitioner (docs/design.md §2).
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
    /// `transactional.id`: makes the producer transactional. Default `nil` (not transactional).
    ///
    /// A transactional producer must call ``KafkaProducer/initTransactions(timeout:)`` once, and
    /// then sends only inside transactions
    /// (``KafkaProducer/withTransaction(commitAttempts:commitTimeout:isolation:_:)``, or
    /// ``KafkaProducer/beginTransaction()`` … ``KafkaProducer/commitTransaction(timeout:)``); a
    /// send outside one fails with librdkafka's `_STATE` error (-172). The id must be stable
    /// across restarts of the same logical producer and unique among live ones: a new instance's
    /// `initTransactions` aborts what the previous one left open and fences it (KIP-98).
    /// Requires ``enableIdempotence`` (the default; librdkafka refuses it off at start).
    public var transactionalID: String? = nil
    /// `transaction.timeout.ms`: how long a transaction may stay open before the coordinator
    /// aborts it; also the budget of a commit or abort called without a timeout. Default 60 s
    /// (librdkafka's); it must not exceed the broker's `transaction.max.timeout.ms` (15 min by
    /// default), nor be shorter than ``deliveryTimeout`` (librdkafka refuses that at start).
    /// Only used with ``transactionalID``.
    public var transactionTimeout: Duration = .seconds(60)
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
        if let transactionalID {
            result["transactional.id"] = transactionalID
            result["transaction.timeout.ms"] = String(transactionTimeout.milliseconds)
        }
        return result
    }
}
