import Foundation
import Logging

/// Fetches single records by position: for each partition asked, the first record at or after an
/// offset. The fetch half of a seek by time (``KafkaAdmin/offsets(atOrAfterMilliseconds:_:timeout:)``
/// gives a hint; the caller bisects on what the records hold).
///
/// One assign-only consumer (no group, nothing committed), reused for every round: each call
/// re-assigns the partitions asked at their offsets and polls until each has delivered one record
/// or shown it has none left before its end.
///
/// ```swift
/// let probe = try KafkaRecordProbe(configuration: KafkaConsumerConfiguration(client: kafka), logger: logger)
/// let firsts = try await probe.first(atOrAfter: [tp: (offset: 512, end: 1024)])
/// await probe.close()
/// ```
///
/// - Important: not for concurrent use (one round at a time). Blocking librdkafka calls run on the
///   consumer's own queue, never on the cooperative pool.
public final class KafkaRecordProbe: Sendable {
    private let consumer: KafkaConsumer
    /// Longest a round may take before it fails (default 30 s).
    public let timeout: Duration

    /// - Throws: ``KafkaError/Code/configuration`` when librdkafka rejects the configuration.
    public init(configuration: KafkaConsumerConfiguration, timeout: Duration = .seconds(30), logger: Logger) throws {
        var configuration = configuration
        configuration.groupID = nil
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        self.timeout = timeout
    }

    /// For each partition, the first record at an offset in `[offset, end)`, or nil when there is
    /// none (only transaction markers or nothing left before `end`).
    /// - Throws: ``KafkaError/Code/timedOut`` when a partition neither delivers a record nor
    ///   reaches its end within ``timeout``; ``KafkaError`` from the consumer.
    public func first(atOrAfter asked: [KafkaTopicPartition: (offset: Int64, end: Int64)]) async throws -> [KafkaTopicPartition: KafkaConsumerMessage?] {
        var result: [KafkaTopicPartition: KafkaConsumerMessage?] = [:]
        var open: [KafkaTopicPartition: (offset: Int64, end: Int64)] = [:]
        for (tp, range) in asked {
            if range.offset >= range.end { result[tp] = .some(nil) } else { open[tp] = range }
        }
        guard !open.isEmpty else { return result }
        try consumer.assign(startingAt: open.mapValues(\.offset))
        let started = ContinuousClock.now
        var lastMessage = started
        while !open.isEmpty {
            let messages = try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100))
            for message in messages {
                guard let range = open[message.topicPartition], message.offset >= range.offset, message.offset < range.end else { continue }
                result[message.topicPartition] = message
                open[message.topicPartition] = nil
                lastMessage = .now
            }
            guard !open.isEmpty else { break }
            let now = ContinuousClock.now
            if messages.isEmpty, now - lastMessage > .milliseconds(500) {
                // Only transaction markers left: the position reached the high watermark.
                let positions = consumer.positions()
                for (tp, range) in open where (positions[tp] ?? -1) >= range.end {
                    result[tp] = .some(nil)
                    open[tp] = nil
                }
                lastMessage = now
            }
            if now - started > timeout {
                let names = open.keys.map(\.description).sorted().joined(separator: ", ")
                throw KafkaError(code: .timedOut, reason: "no record fetched in \(timeout) from \(names)")
            }
        }
        return result
    }

    /// Closes the consumer (idempotent).
    public func close() async { await consumer.close() }

    /// One probe for one question: makes a probe with `configuration`, asks
    /// ``first(atOrAfter:)`` and closes it, whether the question was answered or threw.
    /// - Throws: ``KafkaError`` from creating the probe or from the fetch.
    public static func first(atOrAfter asked: [KafkaTopicPartition: (offset: Int64, end: Int64)],
                             configuration: KafkaConsumerConfiguration, logger: Logger) async throws -> [KafkaTopicPartition: KafkaConsumerMessage?] {
        let probe = try KafkaRecordProbe(configuration: configuration, logger: logger)
        do {
            let firsts = try await probe.first(atOrAfter: asked)
            await probe.close()
            return firsts
        } catch {
            await probe.close()
            throw error
        }
    }
}
