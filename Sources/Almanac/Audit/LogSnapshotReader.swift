import Foundation
import Kafka
import Logging

/// Replays topics from the beginning of every partition to the end offsets read when the replay
/// starts (a consistent snapshot), with `assign` — no consumer group, nothing committed. The
/// multi-topic form of ``ChargeLogReader``, used by `almanac audit` and `almanac export`.
///
/// ```swift
/// let reader = LogSnapshotReader(kafka: kafka, topics: AlmanacTopics().all, logger: logger)
/// let done = try await reader.replay(progress: { bar.show($0) }) { batch in for m in batch { … } }
/// ```
///
/// - Important: `handle` gets batches in offset order within each partition; partitions
///   interleave. Blocking librdkafka calls run on the Kafka module's own queues (`poll`,
///   `watermarks`), never on the cooperative pool. A partition that makes no progress for
///   ``stallTimeout`` fails the replay rather than returning a silent undercount.
public struct LogSnapshotReader: Sendable {
    /// Messages read so far and in the snapshot.
    public typealias Progress = ChargeLogReader.Progress

    /// What the snapshot held when the replay started.
    public struct Snapshot: Sendable {
        /// Partition → its low watermark (the first offset still kept) and the end read.
        public var low: [KafkaTopicPartition: Int64]
        public var ends: [KafkaTopicPartition: Int64]
    }

    public let kafka: KafkaConfiguration
    public let topics: [String]
    public let logger: Logger
    /// Longest time without a message before the replay gives up (default 30 s).
    public var stallTimeout: Duration = .seconds(30)
    /// Messages per poll.
    public var batchSize = 5000

    public init(kafka: KafkaConfiguration, topics: [String], logger: Logger) {
        self.kafka = kafka
        self.topics = topics
        self.logger = logger
    }

    /// Reads the snapshot, calling `handle` for every batch and `progress` after each.
    /// - Parameter snapshot: called once with the watermarks before the first message.
    /// - Returns: the final counts.
    /// - Throws: ``ChargeLogReaderError`` when a topic does not exist or a partition stalls;
    ///   ``KafkaError`` for broker failures; whatever `handle` throws.
    /// - Parameter bounds: the part of each partition to read (``Bounds``); default all of it.
    public func replay(bounds: Bounds? = nil, snapshot: (Snapshot) -> Void = { _ in }, progress: (Progress) -> Void = { _ in },
                       _ handle: ([KafkaConsumerMessage]) throws -> Void) async throws -> Progress {
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let partitions = try await self.partitions(admin)
        var ends = try await admin.endOffsets(partitions)
        let consumer = try makeConsumer()
        do {
            var marks = try await consumer.watermarks(partitions)
            snapshot(Snapshot(low: marks.mapValues(\.low), ends: ends))
            if let bounds, let ranges = try await bounds(marks.mapValues(\.low), ends) {
                for tp in partitions {
                    guard let range = ranges[tp], let mark = marks[tp] else { continue }
                    let first = max(mark.low, range.lowerBound)
                    marks[tp]?.low = first
                    ends[tp] = max(first, min(ends[tp] ?? 0, range.upperBound))
                }
            }
            var remaining = Set(partitions.filter { (ends[$0] ?? 0) > (marks[$0]?.low ?? 0) })
            var state = Progress(read: 0, total: remaining.reduce(0) { $0 + ends[$1]! - (marks[$1]?.low ?? 0) }, partitions: partitions.count)
            progress(state)
            try consumer.assign(startingAt: Dictionary(uniqueKeysWithValues: remaining.map { ($0, marks[$0]?.low ?? 0) }))
            var seen = Set<KafkaTopicPartition>()
            var lastMessage = ContinuousClock.now
            while !remaining.isEmpty {
                try Task.checkCancellation()
                let messages = try await consumer.poll(maxMessages: batchSize, timeout: .milliseconds(200))
                let now = ContinuousClock.now
                if messages.isEmpty {
                    if now - lastMessage > .seconds(2) {
                        // Transaction markers can end a partition: done once the position reached the high watermark.
                        let lag = await consumer.lag()
                        let finished = remaining.filter { seen.contains($0) && lag[$0] == 0 }
                        if !finished.isEmpty {
                            remaining.subtract(finished)
                            consumer.pause(Array(finished))
                            lastMessage = now
                        }
                    }
                    if !remaining.isEmpty, now - lastMessage > stallTimeout {
                        let names = remaining.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }.map(\.description).joined(separator: ", ")
                        throw ChargeLogReaderError(reason: "no progress for \(stallTimeout) on \(names) (read \(state.read) of \(state.total) messages)")
                    }
                    continue
                }
                lastMessage = now
                var batch: [KafkaConsumerMessage] = []
                batch.reserveCapacity(messages.count)
                var done: [KafkaTopicPartition] = []
                for message in messages {
                    let tp = message.topicPartition
                    guard remaining.contains(tp), let end = ends[tp], message.offset < end else { continue }
                    seen.insert(tp)
                    batch.append(message)
                    if message.offset + 1 >= end {
                        remaining.remove(tp)
                        done.append(tp)
                    }
                }
                if !done.isEmpty { consumer.pause(done) }
                try handle(batch)
                state.read += Int64(batch.count)
                progress(state)
            }
            await consumer.close()
            return state
        } catch {
            await consumer.close()
            throw error
        }
    }

    /// Every partition of ``topics``, topic by topic.
    /// - Throws: ``ChargeLogReaderError`` when a topic does not exist (or has no partitions).
    func partitions(_ admin: KafkaAdmin) async throws -> [KafkaTopicPartition] {
        let described = try await admin.describeTopics()
        var partitions: [KafkaTopicPartition] = []
        for topic in topics {
            guard let count = described[topic], count > 0 else {
                throw ChargeLogReaderError(reason: "topic \(topic) does not exist on \(kafka.bootstrapServers)")
            }
            partitions += (0..<count).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
        }
        return partitions
    }

    /// An assign-only consumer (no group) with client id `almanac-audit`.
    func makeConsumer() throws -> KafkaConsumer {
        var configuration = KafkaConsumerConfiguration(client: kafka)
        configuration.client.clientID = "almanac-audit"
        return try KafkaConsumer(configuration: configuration, logger: logger)
    }
}
