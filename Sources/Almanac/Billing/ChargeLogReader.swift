import Foundation
import Kafka
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

    public init(kafka: KafkaConfiguration, topic: String, logger: Logger) {
        self.kafka = kafka
        self.topic = topic
        self.logger = logger
    }

    /// Reads the snapshot, calling `handle` for every message, and `progress` after each batch.
    /// - Returns: the final counts.
    /// - Throws: ``ChargeLogReaderError`` when the topic does not exist or a partition stalls;
    ///   ``KafkaError`` for broker failures.
    public func replay(progress: (Progress) -> Void = { _ in },
                       _ handle: (KafkaConsumerMessage) throws -> Void) async throws -> Progress {
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        guard let count = try await admin.describeTopics()[topic], count > 0 else {
            throw ChargeLogReaderError(reason: "topic \(topic) does not exist on \(kafka.bootstrapServers)")
        }
        let partitions = (0..<count).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
        let ends = try await admin.endOffsets(partitions)
        var configuration = KafkaConsumerConfiguration(client: kafka)
        configuration.client.clientID = "almanac-billing"
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        do {
            let marks = try await consumer.watermarks(partitions)
            var remaining = Set(partitions.filter { (ends[$0] ?? 0) > (marks[$0]?.low ?? 0) })
            var state = Progress(read: 0, total: remaining.reduce(0) { $0 + ends[$1]! - (marks[$1]?.low ?? 0) }, partitions: count)
            progress(state)
            try consumer.assign(remaining.map { ($0, .beginning) })
            var seen = Set<KafkaTopicPartition>()
            var lastMessage = ContinuousClock.now
            while !remaining.isEmpty {
                try Task.checkCancellation()
                let messages = try await consumer.poll(maxMessages: 2000, timeout: .milliseconds(200))
                let now = ContinuousClock.now
                if messages.isEmpty {
                    if now - lastMessage > .seconds(2) {
                        // Transaction markers (or aborted records) can end a partition: done when
                        // the position has reached the current high watermark.
                        let lag = await consumer.lag()
                        let finished = remaining.filter { seen.contains($0) && lag[$0] == 0 }
                        if !finished.isEmpty {
                            remaining.subtract(finished)
                            consumer.pause(Array(finished))
                            lastMessage = now
                        }
                    }
                    if !remaining.isEmpty, now - lastMessage > stallTimeout {
                        let names = remaining.sorted { $0.partition < $1.partition }.map(\.description).joined(separator: ", ")
                        throw ChargeLogReaderError(reason: "no progress for \(stallTimeout) on \(names) (read \(state.read) of \(state.total) messages)")
                    }
                    continue
                }
                lastMessage = now
                var done: [KafkaTopicPartition] = []
                for message in messages {
                    let tp = message.topicPartition
                    guard remaining.contains(tp), let end = ends[tp], message.offset < end else { continue }
                    seen.insert(tp)
                    try handle(message)
                    state.read += 1
                    if message.offset + 1 >= end {
                        remaining.remove(tp)
                        done.append(tp)
                    }
                }
                if !done.isEmpty { consumer.pause(done) }
                progress(state)
            }
            await consumer.close()
            return state
        } catch {
            await consumer.close()
            throw error
        }
    }
}

/// A replay that could not read its snapshot to the end.
public struct ChargeLogReaderError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
