import AlmanacCore
import Foundation
import Kafka
import Logging

/// Finds offsets by event time: for each partition and a threshold θ, the offset
/// ``OffsetBisection`` answers (its first record at or after the offset has a `time` of at least θ,
/// the record before it is older), comparing each probed record's CloudEvents `time`.
///
/// Kafka's ListOffsets by timestamp (KIP-33/KIP-79, ``KafkaAdmin/offsets(atOrAfterMilliseconds:_:timeout:)``)
/// is asked first and used as a hint only: it compares record timestamps, which under a simulated
/// clock are not the events' times, and test brokers answer nonsense (librdkafka 2.0.2's mock -1,
/// Tansu 0.6 0). A right hint costs two probes per partition; a wrong one two extra probes.
/// Every partition's search runs in lockstep: one fetch round per step for all of them.
///
/// ```swift
/// let seeker = EventTimeSeeker(kafka: kafka, logger: logger)
/// let starts = try await seeker.offsets(thresholds: [tp: from], low: low, ends: ends, unknownIsBelow: false)
/// ```
public struct EventTimeSeeker: Sendable {
    /// Hints for a threshold: partition → an offset, or nil. The default asks the brokers.
    public typealias Hints = @Sendable (_ threshold: Date, _ partitions: [KafkaTopicPartition]) async throws -> [KafkaTopicPartition: Int64?]

    public let kafka: KafkaConfiguration
    public let logger: Logger
    /// Where hints come from; nil: no hints (pure bisection). Default: the brokers' ListOffsets.
    public var hints: Hints?
    /// What the last ``offsets(thresholds:low:ends:unknownIsBelow:)`` fetched, for reports.
    public struct Stats: Sendable, Hashable {
        public var rounds = 0
        public var probes = 0
        public init(rounds: Int = 0, probes: Int = 0) {
            self.rounds = rounds
            self.probes = probes
        }
    }

    public init(kafka: KafkaConfiguration, logger: Logger) {
        self.kafka = kafka
        self.logger = logger
        hints = Self.brokerHints(kafka: kafka, logger: logger)
    }

    /// ListOffsets by timestamp on the cluster (ms of the threshold).
    public static func brokerHints(kafka: KafkaConfiguration, logger: Logger) -> Hints {
        { threshold, partitions in
            let admin = try KafkaAdmin(configuration: kafka, logger: logger)
            let ms = Int64((threshold.timeIntervalSince1970 * 1000).rounded(.down))
            return try await admin.offsets(atOrAfterMilliseconds: ms, partitions)
        }
    }

    /// The event time of each partition's last record before its end (partitions that are empty,
    /// end in transaction markers or whose last record is not a valid event are left out).
    /// - Throws: ``KafkaError``.
    public func lastTimes(low: [KafkaTopicPartition: Int64], ends: [KafkaTopicPartition: Int64]) async throws -> [KafkaTopicPartition: Date] {
        var asked: [KafkaTopicPartition: (offset: Int64, end: Int64)] = [:]
        for (tp, end) in ends where end > (low[tp] ?? 0) { asked[tp] = (end - 1, end) }
        guard !asked.isEmpty else { return [:] }
        var configuration = KafkaConsumerConfiguration(client: kafka)
        configuration.client.clientID = "almanac-seek"
        let firsts = try await KafkaRecordProbe.first(atOrAfter: asked, configuration: configuration, logger: logger)
        var result: [KafkaTopicPartition: Date] = [:]
        for (tp, record) in firsts {
            if let record, let time = try? EventCodec.decode(record.value).time { result[tp] = time }
        }
        return result
    }

    /// The offset per partition for its threshold, searched within `[low, end)`.
    /// - Parameters:
    ///   - thresholds: partition → θ (event time).
    ///   - low: partition → first offset to consider (its low watermark or a known lower bound).
    ///   - ends: partition → end offset (exclusive).
    ///   - unknownIsBelow: how to treat a probed record that is not a valid event (no `time`):
    ///     as older than θ (true: a search for an end reads further) or not (false: a search for a
    ///     start reads from earlier). Either way the window read covers it.
    /// - Returns: partition → offset in `[low, end]`, and what the search fetched.
    /// - Throws: ``KafkaError`` from the brokers (a failed hint is logged and ignored).
    public func offsets(thresholds: [KafkaTopicPartition: Date], low: [KafkaTopicPartition: Int64], ends: [KafkaTopicPartition: Int64],
                        unknownIsBelow: Bool) async throws -> (offsets: [KafkaTopicPartition: Int64], stats: Stats) {
        var searches: [KafkaTopicPartition: OffsetBisection] = [:]
        var hinted: [KafkaTopicPartition: Int64?] = [:]
        if let hints {
            let byThreshold = Dictionary(grouping: thresholds.keys, by: { thresholds[$0]! })
            for (threshold, partitions) in byThreshold {
                do {
                    hinted.merge(try await hints(threshold, partitions)) { a, _ in a }
                } catch {
                    logger.info("no ListOffsets-by-time hint, bisecting", metadata: ["error": "\(error)"])
                }
            }
        }
        for tp in thresholds.keys {
            searches[tp] = OffsetBisection(low: low[tp] ?? 0, end: ends[tp] ?? 0, hint: hinted[tp] ?? nil)
        }
        var stats = Stats()
        var configuration = KafkaConsumerConfiguration(client: kafka)
        configuration.client.clientID = "almanac-seek"
        let probe = try KafkaRecordProbe(configuration: configuration, logger: logger)
        do {
            while true {
                var asked: [KafkaTopicPartition: (offset: Int64, end: Int64)] = [:]
                for (tp, search) in searches {
                    if case .probe(let p) = search.next { asked[tp] = (p, ends[tp] ?? 0) }
                }
                if asked.isEmpty { break }
                stats.rounds += 1
                let firsts = try await probe.first(atOrAfter: asked)
                for (tp, (p, _)) in asked {
                    let record = firsts[tp] ?? nil
                    let isBelow: Bool
                    if let record {
                        if let time = try? EventCodec.decode(record.value).time {
                            isBelow = time < thresholds[tp]!
                        } else {
                            isBelow = unknownIsBelow
                        }
                    } else {
                        isBelow = false
                    }
                    searches[tp]!.record(probe: p, at: record?.offset, isBelow: isBelow)
                    stats.probes += 1
                }
            }
            await probe.close()
        } catch {
            await probe.close()
            throw error
        }
        var result: [KafkaTopicPartition: Int64] = [:]
        for (tp, search) in searches {
            guard case .found(let offset) = search.next else { preconditionFailure("a finished search has an answer") }
            result[tp] = offset
        }
        return (result, stats)
    }
}
