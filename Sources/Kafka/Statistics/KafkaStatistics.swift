/// One snapshot of librdkafka's statistics (`statistics.interval.ms`, librdkafka's
/// `STATISTICS.md`), typed: queue depth, per-broker round-trip time, per-partition offsets and
/// consumer lag. Delivered to the handler given to ``KafkaProducer/setStatisticsHandler(_:)`` or
/// ``KafkaConsumer/setStatisticsHandler(_:)`` every ``KafkaConfiguration/statisticsInterval``.
///
/// Offsets are Kafka offsets (the next offset to be written or read); `nil` stands for
/// librdkafka's "unknown" (-1001 / -1). Durations come from librdkafka's microsecond figures.
/// ``json`` keeps the full document for fields not typed here.
public struct KafkaStatistics: Sendable, Hashable {
    /// The handle's instance name, e.g. `rdkafka#producer-1` (`name`).
    public var name: String
    /// The configured `client.id` (`client_id`).
    public var clientID: String
    /// `producer` or `consumer` (`type`).
    public var clientType: String
    /// Wall-clock time of the snapshot, seconds since the Unix epoch, UTC (`time`).
    public var timeSeconds: Int64
    /// Messages in the producer's local queues, waiting or in flight (`msg_cnt`): the producer's
    /// queue depth. Compare with `queue.buffering.max.messages` (``maxQueuedMessages``).
    public var queuedMessages: Int64
    /// Bytes of those messages (`msg_size`).
    public var queuedBytes: Int64
    /// The producer queue's limit in messages (`msg_max`).
    public var maxQueuedMessages: Int64
    /// Callbacks and events waiting for the application to poll them (`replyq`).
    public var pendingCallbacks: Int64
    /// Every broker the client knows, bootstrap entries included, ordered by name.
    public var brokers: [Broker]
    /// Every partition the client handles (producing to or fetching from), ordered by topic and
    /// partition; librdkafka's internal unassigned partition (-1) is left out.
    public var partitions: [Partition]
    /// The consumer group's state, for group members only (`cgrp`).
    public var consumerGroup: ConsumerGroup?
    /// The statistics document as librdkafka emitted it.
    public var json: String

    /// One broker connection (`brokers.*`).
    public struct Broker: Sendable, Hashable {
        /// `host:port/id` (`name`).
        public var name: String
        /// The broker id; -1 for a bootstrap entry not yet identified (`nodeid`).
        public var nodeID: Int32
        /// Connection state: `INIT`, `DOWN`, `CONNECT`, `AUTH`, `APIVERSION_QUERY`, `UP`, … (`state`).
        public var state: String
        /// Request round-trip time over the last window (`rtt`); `nil` when no request completed in it.
        public var roundTripTime: Latency?
        /// Time produced messages waited in librdkafka's queue before being sent (`int_latency`);
        /// `nil` when none were sent in the window.
        public var producerQueueLatency: Latency?
        /// Requests waiting to be written to the socket (`outbuf_cnt`).
        public var requestsQueued: Int64
        /// Requests sent and awaiting their response (`waitresp_cnt`).
        public var requestsInFlight: Int64
        /// Messages in requests awaiting their response (`waitresp_msg_cnt`).
        public var messagesInFlight: Int64
    }

    /// A rolling-window latency (librdkafka's window stats, microseconds, as `Duration`s).
    public struct Latency: Sendable, Hashable {
        /// Smallest sample (`min`).
        public var min: Duration
        /// Largest sample (`max`).
        public var max: Duration
        /// Mean (`avg`).
        public var average: Duration
        /// Median (`p50`).
        public var p50: Duration
        /// 95th percentile (`p95`).
        public var p95: Duration
        /// 99th percentile (`p99`).
        public var p99: Duration
        /// Number of samples in the window (`cnt`), at least 1.
        public var samples: Int64

        /// A window (e.g. for tests).
        public init(min: Duration, max: Duration, average: Duration, p50: Duration, p95: Duration, p99: Duration, samples: Int64) {
            self.min = min
            self.max = max
            self.average = average
            self.p50 = p50
            self.p95 = p95
            self.p99 = p99
            self.samples = samples
        }
    }

    /// One partition (`topics.*.partitions.*`).
    public struct Partition: Sendable, Hashable {
        /// Which partition.
        public var topicPartition: KafkaTopicPartition
        /// The leader broker id, or -1 if unknown (`leader`).
        public var leader: Int32
        /// Producer: messages waiting for this partition, first-level plus transmit queue
        /// (`msgq_cnt` + `xmit_msgq_cnt`).
        public var queuedMessages: Int64
        /// Consumer: messages fetched but not yet handed to the application (`fetchq_cnt`).
        public var fetchedMessages: Int64
        /// Low watermark on the broker (`lo_offset`).
        public var lowWatermark: Int64?
        /// High watermark on the broker (`hi_offset`).
        public var highWatermark: Int64?
        /// Last stable offset on the broker, what `read_committed` consumers may read up to (`ls_offset`).
        public var lastStableOffset: Int64?
        /// Offset after the last message handed to the application (`app_offset`).
        public var applicationOffset: Int64?
        /// The group's committed offset (`committed_offset`).
        public var committedOffset: Int64?
        /// Messages between the committed (or stored) offset and the end of the partition: librdkafka's
        /// `consumer_lag`, `nil` until this consumer has a committed offset for the partition.
        public var consumerLag: Int64?

        /// Messages between what the application has read (``applicationOffset``) and the end of
        /// the partition (last stable offset, else high watermark); known for assign-only readers
        /// too, which never commit. `nil` until both ends are known.
        public var unreadMessages: Int64? {
            guard let end = lastStableOffset ?? highWatermark, let read = applicationOffset else { return nil }
            return Swift.max(0, end - read)
        }
    }

    /// The consumer group handler (`cgrp`).
    public struct ConsumerGroup: Sendable, Hashable {
        /// e.g. `up`, `wait-coord` (`state`).
        public var state: String
        /// e.g. `steady`, `wait-join` (`join_state`).
        public var joinState: String
        /// Rebalances (assign or revoke) since start (`rebalance_cnt`).
        public var rebalanceCount: Int64
        /// Partitions currently assigned (`assignment_size`).
        public var assignmentSize: Int64

        /// A group state (e.g. for tests).
        public init(state: String, joinState: String, rebalanceCount: Int64, assignmentSize: Int64) {
            self.state = state
            self.joinState = joinState
            self.rebalanceCount = rebalanceCount
            self.assignmentSize = assignmentSize
        }
    }

    /// Sum of ``Partition/consumerLag`` over the partitions where it is known, in messages.
    public var totalConsumerLag: Int64 { partitions.reduce(0) { $0 + ($1.consumerLag ?? 0) } }

    /// The largest average round-trip time among brokers with samples, or `nil` if none has any.
    public var maxAverageRoundTripTime: Duration? { brokers.compactMap { $0.roundTripTime?.average }.max() }
}
