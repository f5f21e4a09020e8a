import AlmanacCore
import Foundation
import Kafka
import Logging

/// Reads and writes projection snapshots on the compacted `snapshots` topic (docs/snapshots.md):
/// manifest at key `<projection>/<slot>`, the state document's chunks at
/// `<projection>/<slot>/<index>`, slot = sequence % 2, so compaction keeps the newest two
/// snapshots of each projection whole.
///
/// ```swift
/// let log = ProjectionSnapshotLog(kafka: kafka, topics: topics, logger: logger)
/// // The config and control state at the start of a window (a time → offsets index):
/// if let snapshot = try await log.newest(topics: ["config", "control"], atOrBefore: windowStart).snapshot {
///     // fold config/control from snapshot.positions, events with time <= windowStart
/// }
/// ```
///
/// - Important: reads the whole topic with `assign` (no group, nothing committed); Kafka calls run
///   on the Kafka module's queues, never on the cooperative pool.
public struct ProjectionSnapshotLog: Sendable {
    public let kafka: KafkaConfiguration
    public let topics: AlmanacTopics
    public let logger: Logger
    /// Longest wait without a message while reading (default 30 s).
    public var stallTimeout: Duration = .seconds(30)

    public init(kafka: KafkaConfiguration, topics: AlmanacTopics, logger: Logger) {
        self.kafka = kafka
        self.topics = topics
        self.logger = logger
    }

    /// The snapshots topic as compaction leaves it: the newest message per key.
    public struct Records: Sendable {
        public var latest: [String: KafkaConsumerMessage] = [:]
        /// Messages read (compaction not yet run keeps older values too).
        public var messagesRead = 0
        public var values: [String: [UInt8]] { latest.mapValues(\.value) }
    }

    /// Reads every message of the snapshots topic. A missing topic reads as empty (logged).
    /// - Throws: ``ChargeLogReaderError`` when the topic stalls; `KafkaError` for broker failures.
    public func read() async throws -> Records {
        var records = Records()
        var reader = LogSnapshotReader(kafka: kafka, topics: [topics.snapshots], logger: logger)
        reader.stallTimeout = stallTimeout
        reader.batchSize = 64
        do {
            _ = try await reader.replay { batch in
                for message in batch {
                    records.messagesRead += 1
                    if let key = message.keyString { records.latest[key] = message }
                }
            }
        } catch let error as ChargeLogReaderError where error.reason.contains("does not exist") || error.reason.contains("no partitions") {
            logger.warning("no snapshots topic \(topics.snapshots) (\(error.reason)): `almanac topics create` makes it")
        }
        return records
    }

    /// The newest usable snapshot for a projection of `folded` (short topic names), and the
    /// snapshots passed over (see ``SnapshotSelection``); checked against the log's current
    /// watermarks.
    /// - Parameter atOrBefore: only snapshots covering no event after it.
    public func newest(topics folded: [String], atOrBefore: Date? = nil) async throws -> (selection: SnapshotSelection, records: Records) {
        let records = try await read()
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let counts = try await admin.describeTopics()
        let partitions = folded.flatMap { name in
            (0..<(counts[topics.name(name)] ?? 0)).map { KafkaTopicPartition(topic: topics.name(name), partition: Int32($0)) }
        }
        let low = try await admin.startOffsets(partitions)
        let high = try await admin.endOffsets(partitions)
        let selection = SnapshotSelection.choose(records: records.values, topics: folded, prefix: topics.prefix, atOrBefore: atOrBefore) { topic, partition in
            let tp = KafkaTopicPartition(topic: topic, partition: partition)
            guard let l = low[tp], let h = high[tp] else { return nil }
            return (l, h)
        }
        return (selection, records)
    }

    /// Writes `snapshot` as number `sequence` of its projection: the chunks, then the manifest,
    /// to partition 0 in that order, and waits for every delivery.
    /// - Throws: the first delivery error (the manifest is then not written, so a torn snapshot
    ///   is never named by a manifest); `EncodingError` never for a folded state.
    @discardableResult
    public func write(_ snapshot: ProjectionSnapshot, sequence: Int64, producer: KafkaProducer,
                      chunkSize: Int = SnapshotCodec.defaultChunkSize) async throws -> SnapshotManifest {
        let encoded = try SnapshotCodec.encode(snapshot, sequence: sequence, chunkSize: chunkSize)
        let chunks = encoded.chunks.enumerated().map { index, chunk in
            KafkaProducerRecord(topic: topics.snapshots, key: Array(encoded.manifest.chunkKey(index).utf8), value: chunk, partition: 0)
        }
        for result in await producer.send(contentsOf: chunks) { _ = try result.get() }
        _ = try await producer.send(KafkaProducerRecord(topic: topics.snapshots, key: Array(encoded.manifest.key.utf8),
                                                        value: encoded.manifestBytes, partition: 0))
        AlmanacMetrics.snapshotWritten()
        return encoded.manifest
    }
}
