internal import CRdKafka
import Foundation
import Logging

/// librdkafka's in-process mock cluster (`rdkafka_mock.h`), reachable over loopback TCP by any
/// Kafka client (kcat, Java, confluent-kafka), with fault injection for tests.
///
/// - Important: the mock cluster keeps only the newest ~5 MiB (at most 100,000 batches) of each
///   partition, ignores `isolation.level`, keeps no `TxnOffsetCommit` offsets and fences no zombie
///   producers. Size partitions so nothing is dropped; see ``hasLostHead(topic:partition:)``.
///   Everything is in memory and gone when this object is released.
public final class EmbeddedKafkaCluster: Sendable {
    private let owner: RDKafkaClient
    private let cluster: OpaquePointerBox
    /// `bootstrap.servers` for clients, e.g. `127.0.0.1:39123`.
    public let bootstrapServers: String
    /// Number of brokers (ids 1…`brokerCount`).
    public let brokerCount: Int

    /// Starts `brokers` mock brokers on ephemeral loopback ports.
    /// - Throws: ``KafkaError/Code/underlying`` if librdkafka cannot create the cluster.
    public init(brokers: Int = 1, logger: Logger) throws {
        // The mock cluster runs on the threads of a (never used) producer handle.
        owner = try RDKafkaClient(kind: .producer, properties: ["client.id": "almanac-embedded"], logger: logger)
        guard let cluster = rd_kafka_mock_cluster_new(owner.handle, Int32(brokers)) else {
            throw KafkaError(code: .underlying, reason: "rd_kafka_mock_cluster_new failed")
        }
        self.cluster = OpaquePointerBox(cluster)
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        brokerCount = brokers
    }

    deinit {
        // `rd_kafka_mock_cluster_destroy` joins the brokers' thread: off the releasing thread, which
        // may be the cooperative pool's (``BlockingExecutor/detach(named:_:)``). The owning handle
        // is released after the cluster it runs.
        let cluster = self.cluster, owner = self.owner
        BlockingExecutor.detach(named: "almanac.destroy") {
            rd_kafka_mock_cluster_destroy(cluster.pointer)
            withExtendedLifetime(owner) {}
        }
    }

    /// Creates a topic (idempotent: an existing topic is left as it is).
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        let err = rd_kafka_mock_topic_create(cluster.pointer, name, Int32(partitions), Int32(min(replicationFactor, brokerCount)))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS else {
            throw KafkaError.rdKafka(err, context: "create topic \(name)")
        }
    }

    /// Takes a broker down (connections closed, requests refused) until ``setBrokerUp(_:)``.
    /// Broker ids are 1-based.
    public func setBrokerDown(_ brokerID: Int32) {
        rd_kafka_mock_broker_set_down(cluster.pointer, brokerID)
    }

    /// Brings a broker taken down with ``setBrokerDown(_:)`` back; clients reconnect after their
    /// `reconnect.backoff.ms` (up to `reconnect.backoff.max.ms`, librdkafka's default 10 s).
    public func setBrokerUp(_ brokerID: Int32) {
        rd_kafka_mock_broker_set_up(cluster.pointer, brokerID)
    }

    /// Adds round-trip time to every response of a broker.
    public func setRoundTripTime(_ brokerID: Int32, _ rtt: Duration) {
        rd_kafka_mock_broker_set_rtt(cluster.pointer, brokerID, Int32(rtt.milliseconds))
    }

    /// Kafka protocol API keys usable with ``injectRequestErrors(apiKey:errorCodes:)``.
    public enum APIKey: Int16, Sendable {
        case produce = 0, fetch = 1, listOffsets = 2, metadata = 3, offsetCommit = 8, offsetFetch = 9
        case findCoordinator = 10, joinGroup = 11, heartbeat = 12, syncGroup = 14
        case initProducerId = 22, addPartitionsToTxn = 24, endTxn = 26, txnOffsetCommit = 28
    }

    /// Makes the next `errorCodes.count` requests of `apiKey` fail with those Kafka error codes
    /// (e.g. 6 = NOT_LEADER_FOR_PARTITION, 7 = REQUEST_TIMED_OUT, 87 = INVALID_RECORD).
    public func injectRequestErrors(apiKey: APIKey, errorCodes: [Int32]) {
        var errors = errorCodes.map { rd_kafka_resp_err_t(rawValue: $0) }
        rd_kafka_mock_push_request_errors_array(cluster.pointer, apiKey.rawValue, errors.count, &errors)
    }

    /// Sets a partition's leader broker.
    public func setPartitionLeader(topic: String, partition: Int32, brokerID: Int32) {
        rd_kafka_mock_partition_set_leader(cluster.pointer, topic, partition, brokerID)
    }
}
