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
        return result
    }
}
