import Kafka

/// Almanac's topics (DESIGN.md §2), named `<prefix><name>` (default prefix `almanac.`).
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

    /// Every topic with its partitions and retention (`-1` = forever; triggers 14 days);
    /// `snapshots` is compacted (`cleanup.policy=compact`: the newest value per key is kept).
    public var specifications: [KafkaTopicSpecification] {
        partitions.keys.sorted().map { name in
            if name == "snapshots" {
                return KafkaTopicSpecification(name: prefix + name, partitions: partitions[name]!, replicationFactor: 1,
                                               configs: ["cleanup.policy": "compact"])
            }
            let retention = name == "triggers" ? String(14 * 24 * 3600 * 1000) : "-1"
            return KafkaTopicSpecification(name: prefix + name, partitions: partitions[name]!, replicationFactor: 1,
                                           configs: ["retention.ms": retention])
        }
    }

    /// Every event topic: all but `snapshots`, which holds derived state rather than events (the
    /// export, the audit and the dev event log read these).
    public var all: [String] { partitions.keys.sorted().filter { $0 != "snapshots" }.map { prefix + $0 } }

    /// The full topic name for an event kind's topic (`config`, `control` …).
    public func name(_ shortName: String) -> String { prefix + shortName }
}
