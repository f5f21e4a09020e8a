internal import CRdKafka
import Foundation
import Logging

/// A topic to create: name, partitions, replication factor and topic configs (`retention.ms`, …).
public struct KafkaTopicSpecification: Sendable, Hashable {
    /// The topic's name.
    public var name: String
    /// Number of partitions.
    public var partitions: Int
    /// Copies of each partition (at most the number of brokers).
    public var replicationFactor: Int
    /// Topic configs, e.g. `retention.ms` (milliseconds), `cleanup.policy`.
    public var configs: [String: String]
    /// A topic to create.
    public init(name: String, partitions: Int, replicationFactor: Int = 1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// Cluster administration through librdkafka's Admin API (KIP-4 CreateTopics, Metadata).
public final class KafkaAdmin: Sendable {
    private let client: RDKafkaClient

    /// Creates the admin client (a librdkafka handle of its own).
    /// - Throws: ``KafkaError/Code/configuration`` with librdkafka's message for properties it rejects.
    public init(configuration: KafkaConfiguration, logger: Logger) throws {
        client = try RDKafkaClient(kind: .producer, properties: configuration.rdKafkaProperties(), logger: logger)
    }

    /// High watermarks (the offset the next message will get) of many partitions, asked of their
    /// leaders in one round trip each.
    public func endOffsets(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartition: Int64] {
        let client = self.client
        return try await BlockingExecutor.run { try client.endOffsets(partitions, timeout: timeout) }
    }

    /// Low watermarks (the first offset the broker still keeps) of many partitions in one
    /// ListOffsets round trip per leader, rather than one watermark query per partition.
    public func startOffsets(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartition: Int64] {
        let client = self.client
        return try await BlockingExecutor.run { try client.startOffsets(partitions, timeout: timeout) }
    }

    /// For each partition, the first offset whose Kafka record timestamp is at or after
    /// `milliseconds` (ms since 1970), or nil when the broker knows none (ListOffsets by
    /// timestamp, KIP-79, one round trip per leader). A hint only: test brokers answer -1 or 0
    /// for every time, and a record's timestamp need not be the time of the event it holds.
    public func offsets(atOrAfterMilliseconds milliseconds: Int64, _ partitions: [KafkaTopicPartition],
                        timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartition: Int64?] {
        let client = self.client
        return try await BlockingExecutor.run { try client.offsets(atOrAfterMilliseconds: milliseconds, partitions, timeout: timeout) }
    }

    /// Topic name → partition count for every topic of the cluster.
    public func describeTopics(timeout: Duration = .seconds(10)) async throws -> [String: Int] {
        let client = self.client
        return try await BlockingExecutor.run { try client.metadata(timeout: timeout) }
    }

    /// Creates topics; topics that already exist are left unchanged and are not an error.
    /// - Returns: the names actually created.
    /// - Throws: the first per-topic error other than TOPIC_ALREADY_EXISTS.
    @discardableResult
    public func createTopics(_ topics: [KafkaTopicSpecification], timeout: Duration = .seconds(30)) async throws -> [String] {
        let client = self.client
        return try await BlockingExecutor.run {
            var errorBuffer = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
            for spec in topics {
                guard let topic = rd_kafka_NewTopic_new(spec.name, Int32(spec.partitions), Int32(spec.replicationFactor), &errorBuffer, errorBuffer.count) else {
                    throw KafkaError(code: .configuration, reason: "topic \(spec.name): \(String(cBuffer: errorBuffer))")
                }
                newTopics.append(topic)
                for (key, value) in spec.configs.sorted(by: { $0.key < $1.key }) {
                    let err = rd_kafka_NewTopic_set_config(topic, key, value)
                    guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, context: "topic \(spec.name) config \(key)") }
                }
            }
            let queue = rd_kafka_queue_new(client.handle)
            defer { rd_kafka_queue_destroy(queue) }
            let options = rd_kafka_AdminOptions_new(client.handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            rd_kafka_AdminOptions_set_operation_timeout(options, Int32(timeout.milliseconds), &errorBuffer, errorBuffer.count)
            newTopics.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_CreateTopics(client.handle, buffer.baseAddress, buffer.count, options, queue)
            }
            guard let event = rd_kafka_queue_poll(queue, Int32(timeout.milliseconds) + 1000) else {
                throw KafkaError(code: .timedOut, reason: "CreateTopics did not answer in time")
            }
            defer { rd_kafka_event_destroy(event) }
            let eventErr = rd_kafka_event_error(event)
            guard eventErr == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(eventErr, context: "CreateTopics") }
            let result = rd_kafka_event_CreateTopics_result(event)
            var count = 0
            guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return [] }
            var created: [String] = []
            for index in 0..<count {
                let topicResult = results[index]
                let name = String(cString: rd_kafka_topic_result_name(topicResult))
                let err = rd_kafka_topic_result_error(topicResult)
                if err == RD_KAFKA_RESP_ERR_NO_ERROR { created.append(name) }
                else if err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                    throw KafkaError.rdKafka(err, context: "create topic \(name)")
                }
            }
            return created
        }
    }
}
