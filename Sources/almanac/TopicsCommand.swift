import Almanac
import ArgumentParser
import Foundation
import Kafka

/// `almanac topics create`: Almanac's topics (docs/design.md §2) on a cluster.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Manage Almanac's topics on a Kafka cluster.",
        subcommands: [TopicsCreateCommand.self])
}

struct TopicsCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create Almanac's topics (partitions, replication, retention as ops/topics.yaml lists them).",
        discussion: """
            Topics that exist are left as they are and reported, with a warning when their partition \
            count differs. --partitions sets the keyed, high-volume topics (triggers, executions — which \
            must stay equal — and charges); config and control keep 6, ticks and dlq 1.
            Example: almanac topics create --brokers kafka-1:9092 --partitions 24 --replication 3
            """)

    @Option(help: "Partitions of triggers, executions and charges.")
    var partitions: Int = 12

    @Option(help: "Replication factor of every topic (1 for a single-broker cluster).")
    var replication: Int = 3

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var broker: BrokerOptions

    func validate() throws {
        guard (1...10_000).contains(partitions) else { throw ValidationError("--partitions \(partitions) is outside 1-10000") }
        guard (1...100).contains(replication) else { throw ValidationError("--replication \(replication) is outside 1-100") }
    }

    func run() async throws {
        let (kafka, dev) = try broker.resolve()
        let logger = makeLogger("almanac.topics")
        var topics = AlmanacTopics(prefix: broker.topicPrefix)
        for name in ["triggers", "executions", "charges"] { topics.partitions[name] = partitions }
        let specifications = topics.specifications.map {
            KafkaTopicSpecification(name: $0.name, partitions: $0.partitions, replicationFactor: replication, configs: $0.configs)
        }
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let before = try await admin.describeTopics()
        let missing = specifications.filter { before[$0.name] == nil }
        var created = Set<String>()
        if !missing.isEmpty {
            do {
                created = Set(try await admin.createTopics(missing, timeout: dev != nil ? .seconds(5) : .seconds(30)))
            } catch let error as KafkaError where error.code == .timedOut && dev != nil {
                // librdkafka's mock cluster does not serve CreateTopics; `almanac dev` creates its
                // topics through the mock API (and with its own prefix only).
                throw KafkaError(code: .timedOut, reason: "the embedded cluster of `almanac dev` does not serve CreateTopics: it creates its own topics (almanac.*) through the mock API (\(error.reason))")
            }
        }
        let existing = try await admin.describeTopics()
        var rows: [[String: Any]] = []
        var mismatched = false
        for spec in specifications {
            let actual = existing[spec.name]
            let state = created.contains(spec.name) ? "created" : "exists"
            if let actual, actual != spec.partitions { mismatched = true }
            rows.append(["topic": spec.name, "state": state, "partitions": actual ?? spec.partitions, "wanted": spec.partitions,
                         "replication": spec.replicationFactor, "retentionMs": Int(spec.configs["retention.ms"] ?? "-1") ?? -1,
                         "cleanupPolicy": spec.configs["cleanup.policy"] ?? "delete"])
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: ["brokers": kafka.bootstrapServers, "topics": rows], options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for row in rows {
                let note = (row["partitions"] as! Int) != (row["wanted"] as! Int) ? "  (wanted \(row["wanted"]!): partitions are not changed)" : ""
                print("\(row["state"]!)\t\(row["topic"]!)\t\(row["partitions"]!) partitions\treplication \(row["replication"]!)\tretention.ms \(row["retentionMs"]!)\(note)")
            }
        }
        if mismatched {
            FileHandle.standardError.write(Data("almanac topics: some existing topics have other partition counts than asked; triggers and executions must stay equal\n".utf8))
        }
    }
}
