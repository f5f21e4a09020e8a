import Foundation
import Kafka
import AlmanacCore
import Logging

/// Replays one topic (the `charges` topic for billing) from the beginning of every partition to
/// the end offsets read when the replay starts: a consistent snapshot, however fast the topic
/// grows meanwhile. No consumer group is joined and nothing is committed.
///
/// ```swift
/// let reader = ChargeLogReader(kafka: kafka, topic: topics.charges, logger: logger)
/// let done = try await reader.replay(progress: { print($0.read, "of", $0.total) }) { report.add(message: $0.value) }
/// ```
///
/// - Important: messages reach `handle` in offset order within each partition (the order that
///   decides which copy of a duplicated charge is the first); partitions interleave. The consumer
///   reads with `isolation.level=read_committed`, so the end of a partition can be a transaction
///   marker that is never delivered: such a partition counts as done once the consumer's position
///   reaches the broker's high watermark. A partition that makes no progress for
///   ``stallTimeout`` fails the replay rather than returning a silent undercount.
public struct ChargeLogReader: Sendable {
    /// Messages read so far and in the snapshot.
    public struct Progress: Sendable, Hashable {
        public var read: Int64
        public var total: Int64
        public var partitions: Int
    }

    public let kafka: KafkaConfiguration
    public let topic: String
    public let logger: Logger
    /// Longest time without a message before the replay gives up (default 30 s).
    public var stallTimeout: Duration = .seconds(30)
    /// Only the events stamped in this range (CloudEvents `time`) need be read: the replay starts
    /// and ends each partition where ``EventTimeSeeker`` finds the range (widened by ``margin``
    /// both ways, ``AuditWindow``). Nil (default): every partition from its beginning.
    public var timeRange: Range<Date>?
    /// Seconds an event may be stamped before one written ahead of it in its partition.
    public var margin: TimeInterval = AuditWindow.defaultMargin

    public init(kafka: KafkaConfiguration, topic: String, logger: Logger) {
        self.kafka = kafka
        self.topic = topic
        self.logger = logger
    }

    /// Reads the snapshot, calling `handle` for every message, and `progress` after each batch.
    /// The single-topic form of ``LogSnapshotReader``, which does the reading.
    /// - Returns: the final counts.
    /// - Throws: ``ChargeLogReaderError`` when the topic does not exist or a partition stalls;
    ///   ``KafkaError`` for broker failures.
    public func replay(progress: (Progress) -> Void = { _ in },
                       _ handle: (KafkaConsumerMessage) throws -> Void) async throws -> Progress {
        var reader = LogSnapshotReader(kafka: kafka, topics: [topic], logger: logger)
        reader.stallTimeout = stallTimeout
        reader.batchSize = 2000
        var bounds: LogSnapshotReader.Bounds?
        if let timeRange {
            let window = AuditWindow(from: timeRange.lowerBound, to: timeRange.upperBound, margin: margin, lookahead: 0)
            let seeker = EventTimeSeeker(kafka: kafka, logger: logger)
            bounds = { low, ends in
                let start = window.startThreshold(timeRange)
                let end = window.endThreshold(timeRange)
                let first = try await seeker.offsets(thresholds: ends.mapValues { _ in start }, low: low, ends: ends, unknownIsBelow: false)
                let last = try await seeker.offsets(thresholds: ends.mapValues { _ in end }, low: first.offsets, ends: ends, unknownIsBelow: true)
                return first.offsets.reduce(into: [:]) { ranges, entry in ranges[entry.key] = entry.value..<max(entry.value, last.offsets[entry.key] ?? entry.value) }
            }
        }
        return try await reader.replay(bounds: bounds, progress: progress) { batch in
            for message in batch { try handle(message) }
        }
    }
}

/// A replay that could not read its snapshot to the end.
public struct ChargeLogReaderError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
