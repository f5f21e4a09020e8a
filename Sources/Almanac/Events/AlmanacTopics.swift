import Kafka

/// Almanac's topics (docs/design.md §2), named `<prefix><name>` (default prefix `almanac.`).
public struct AlmanacTopics: Sendable {
    public var prefix: String
    /// Partition counts; triggers and executions must stay equal (co-partitioned).
    public var partitions: [String: Int] = [
        "config": 6, "control": 6, "triggers": 12, "ticks": 1, "executions": 12, "charges": 12, "dlq": 1, "snapshots": 1,
    ]
    public init(prefix: String = "almanac.") { self.prefix = prefix }

    public var config: String { prefix + "config" }
    public var control: String { prefix + "control" }
    public var triggers: String { prefix + "triggers" }
    public var ticks: String { prefix + "ticks" }
    public var executions: String { prefix + "executions" }
    public var charges: String { prefix + "charges" }
    public var dlq: String { prefix + "dlq" }
    /// Projection snapshots (docs/snapshots.md): compacted, one partition.
    public var snapshots: String { prefix + "snapshots" }

    /// Retention per topic in milliseconds (`-1` = forever), as ops/topics.yaml lists it: config,
    /// control, ticks and dlq forever (small; every start and audit reads them whole); triggers
    /// 14 days (a trigger is redelivered at most that long after it was written); executions and
    /// charges 62 days, so the previous calendar month is whole for its audit and billing report
    /// until the current one ends, and executions outlive every trigger a worker may still be
    /// handed (a worker's idempotency needs the completions of those). Older history is kept in
    /// `almanac export` archives, which the audit commands read with `--archive` (docs/events.md).
    /// `snapshots` is compacted instead (``specifications``).
    public var retentionMilliseconds: [String: Int64] = [
        "config": -1, "control": -1, "ticks": -1, "dlq": -1,
        "triggers": 14 * 86_400_000, "executions": 62 * 86_400_000, "charges": 62 * 86_400_000,
    ]

    /// Every topic with its partitions and retention (``retentionMilliseconds``); `snapshots` is
    /// compacted (`cleanup.policy=compact`: the newest value per key is kept).
    public var specifications: [KafkaTopicSpecification] {
        partitions.keys.sorted().map { name in
            if name == "snapshots" {
                return KafkaTopicSpecification(name: prefix + name, partitions: partitions[name]!, replicationFactor: 1,
                                               configs: ["cleanup.policy": "compact"])
            }
            return KafkaTopicSpecification(name: prefix + name, partitions: partitions[name]!, replicationFactor: 1,
                                           configs: ["retention.ms": String(retentionMilliseconds[name] ?? -1)])
        }
    }

    /// Every event topic: all but `snapshots`, which holds derived state rather than events (the
    /// export, the audit and the dev event log read these).
    public var all: [String] { partitions.keys.sorted().filter { $0 != "snapshots" }.map { prefix + $0 } }

    /// The full topic name for an event kind's topic (`config`, `control` …).
    public func name(_ shortName: String) -> String { prefix + shortName }
}
