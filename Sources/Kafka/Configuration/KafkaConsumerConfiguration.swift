/// Consumer settings. Offsets are never committed automatically: callers commit explicit offsets.
public struct KafkaConsumerConfiguration: Sendable {
    /// `isolation.level`: whether messages of open or aborted transactions are read.
    public enum IsolationLevel: String, Sendable {
        case readCommitted = "read_committed"
        case readUncommitted = "read_uncommitted"
    }
    /// `auto.offset.reset`: where to start a partition that has no committed offset.
    public enum OffsetReset: String, Sendable {
        case earliest, latest
    }

    /// Settings shared with producers and admin clients (bootstrap servers, passthrough properties).
    public var client: KafkaConfiguration
    /// `group.id`. Required for ``KafkaConsumer/subscribe(topics:)`` and commits; `nil` for
    /// assign-only readers (projections, replays), which then never join a group.
    public var groupID: String?
    /// `isolation.level`. Default `read_committed`.
    public var isolationLevel: IsolationLevel = .readCommitted
    /// `auto.offset.reset`. Default `earliest`.
    public var autoOffsetReset: OffsetReset = .earliest
    /// `session.timeout.ms`. Default 10 s: a killed member is expired after this.
    public var sessionTimeout: Duration = .seconds(10)
    /// `heartbeat.interval.ms`. Default 1 s.
    public var heartbeatInterval: Duration = .seconds(1)
    /// `max.poll.interval.ms`. Default 5 min.
    public var maxPollInterval: Duration = .seconds(300)
    /// `fetch.wait.max.ms`: how long a broker may hold an empty fetch. Default 20 ms, for low
    /// latency (real brokers answer early when data arrives; librdkafka's mock cluster does not).
    public var fetchMaxWait: Duration = .milliseconds(20)
    /// `partition.assignment.strategy`. Default `range,roundrobin` (eager: every member gives up
    /// all its partitions in a rebalance). `cooperative-sticky` moves only the partitions that
    /// change owner, so members keep reading (and committing) the rest through a rebalance — see
    /// ``KafkaConsumer/commit(_:synchronous:timeout:)`` for why that matters for duplicates.
    public var assignmentStrategy: String = "range,roundrobin"
    /// `queued.min.messages`: how many prefetched messages stop further fetching. Default
    /// 1,000,000 (librdkafka's own default is 100,000).
    ///
    /// librdkafka 2.0.2 (`rd_kafka_toppar_fetch_decide`) compares this to the length of a
    /// partition's fetch queue, and a partition's queue is forwarded to the one consumer queue, so
    /// the count is that of every assigned partition together. A consumer with a backlog (a
    /// projection rebuilding from offset 0, a replay, workers catching up) then stops fetching
    /// altogether at 100,000 queued messages and resumes only when the broker thread next wakes,
    /// up to `socket.blocking.max.ms` (1 s) later: `kafka.consume` measured 0.48-0.84 M msg/s
    /// with the default against 2.56-2.85 M with 1,000,000 (BENCHMARKS.md). Memory stays bounded
    /// by `queued.max.messages.kbytes` (64 MiB, counted the same way).
    public var queuedMinMessages: Int = 1_000_000
    /// Whether polled messages carry their headers (``KafkaConsumerMessage/headers``). Default
    /// true. A consumer that never reads them sets false: librdkafka then does not parse each
    /// message's header block (it allocates a header list per message on first access), and
    /// ``KafkaConsumerMessage/headers`` is empty.
    public var readsHeaders: Bool = true

    /// Consumer settings with the defaults above; `groupID` `nil` makes an assign-only reader.
    public init(client: KafkaConfiguration, groupID: String? = nil) {
        self.client = client
        self.groupID = groupID
    }

    func rdKafkaProperties() -> [String: String] {
        var result = client.rdKafkaProperties()
        // A group id is mandatory for librdkafka consumers; assign-only readers get a private one
        // and never join (no subscribe, no commit).
        result["group.id"] = groupID ?? "almanac-reader-\(UInt64.random(in: 0...UInt64.max))"
        result["enable.auto.commit"] = "false"
        result["enable.auto.offset.store"] = "false"
        result["isolation.level"] = isolationLevel.rawValue
        result["auto.offset.reset"] = autoOffsetReset.rawValue
        result["session.timeout.ms"] = String(sessionTimeout.milliseconds)
        result["heartbeat.interval.ms"] = String(heartbeatInterval.milliseconds)
        result["max.poll.interval.ms"] = String(maxPollInterval.milliseconds)
        result["partition.assignment.strategy"] = assignmentStrategy
        result["fetch.wait.max.ms"] = String(fetchMaxWait.milliseconds)
        result["queued.min.messages"] = String(queuedMinMessages)
        return result
    }
}
