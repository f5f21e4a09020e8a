import AlmanacCore
import Foundation
import Kafka
import Logging

/// What one `executions` partition says about the triggers of its co-partitioned `triggers`
/// partition: which are finished (the worker's idempotency set, docs/design.md §5).
///
/// Completions are kept with their outcome (tails dropped), because a trigger that is delivered
/// again after its completion may still lack the events derived from it (charge, retry): the
/// worker that wrote the completion can have died before writing them. ``WorkerService`` then
/// re-derives them from the stored completion — deterministically, so a duplicate is identical.
struct PartitionIndex: Sendable {
    /// Triggers finished for good: skipped, or completed with their derived events written.
    private(set) var finished: Set<TriggerID> = []
    /// Completions read from the log (tails, follow-ups and error text left out) whose derived
    /// events this worker has not written itself.
    private(set) var recoverable: [TriggerID: JobCompleted] = [:]

    init() {}

    /// Adds an event read from `executions`; the first completion of a trigger wins (the log's
    /// order is the truth).
    mutating func add(_ event: AlmanacEvent) {
        switch event {
        case .jobCompleted(let completed):
            guard !finished.contains(completed.triggerId), recoverable[completed.triggerId] == nil else { return }
            var outcome = completed
            outcome.stdoutTail = ""
            outcome.stderrTail = ""
            outcome.error = nil
            outcome.followUps = []
            recoverable[completed.triggerId] = outcome
        case .jobSkipped(let skipped):
            if recoverable[skipped.triggerId] == nil { finished.insert(skipped.triggerId) }
        default:
            break
        }
    }

    /// This worker wrote the completion and its derived events.
    mutating func add(recorded id: TriggerID) {
        recoverable[id] = nil
        finished.insert(id)
    }

    mutating func add(skipped id: TriggerID) { finished.insert(id) }

    /// The stored completion of a trigger whose derived events must be written again; from now on
    /// the trigger counts as finished.
    mutating func takeRecoverable(_ id: TriggerID) -> JobCompleted? {
        guard let completion = recoverable.removeValue(forKey: id) else { return nil }
        finished.insert(id)
        return completion
    }

    func contains(_ id: TriggerID) -> Bool { finished.contains(id) || recoverable[id] != nil }

    var count: Int { finished.count + recoverable.count }
}

/// Builds ``PartitionIndex``es by reading `executions` partitions to their current end.
enum ExecutionsIndex {
    /// Reads the `executions` partitions with these numbers from their start to the end they have
    /// now, all at once (one assign-only consumer, no group).
    ///
    /// - Parameters:
    ///   - horizon: events older than this (their CloudEvents `time`) are left out: a trigger
    ///     cannot be delivered again after the `triggers` topic's retention (14 days), so older
    ///     completions cannot matter. `nil` keeps everything.
    ///   - starts: per partition, the event time from which completions can still matter
    ///     (``WorkerHorizon``): the partition is read from the offset ``EventTimeSeeker`` finds for
    ///     it (widened by ``AuditWindow/defaultMargin`` for late events) instead of its low
    ///     watermark, and older events are left out. Partitions not named are read whole.
    ///   - read: called with the number of messages read.
    /// - Throws: Kafka errors (metadata, fetch).
    static func build(partitions: [Int32], topics: AlmanacTopics, kafka: KafkaConfiguration, horizon: Date?,
                      starts: [Int32: Date] = [:], logger: Logger, read count: (Int) -> Void = { _ in }) async throws -> [Int32: PartitionIndex] {
        var result: [Int32: PartitionIndex] = [:]
        for partition in partitions { result[partition] = PartitionIndex() }
        guard !partitions.isEmpty else { return result }
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka), logger: logger)
        do {
            let tps = partitions.map { KafkaTopicPartition(topic: topics.executions, partition: $0) }
            let marks = try await consumer.watermarks(tps)
            var from = marks.mapValues(\.low)
            var thresholds: [KafkaTopicPartition: Date] = [:]
            for tp in tps {
                if let start = starts[tp.partition] { thresholds[tp] = start.addingTimeInterval(-AuditWindow.defaultMargin) }
            }
            if !thresholds.isEmpty {
                let found = try await EventTimeSeeker(kafka: kafka, logger: logger)
                    .offsets(thresholds: thresholds, low: from, ends: marks.mapValues(\.high), unknownIsBelow: false)
                from.merge(found.offsets) { _, seek in seek }
            }
            let messages = try await read(consumer, partitions: tps, marks: marks, from: from, horizon: horizon, starts: starts, into: &result)
            count(messages)
            await consumer.close()
            return result
        } catch {
            await consumer.close()
            throw error
        }
    }

    /// Reads each partition from `from` to its high watermark; returns the messages read.
    private static func read(_ consumer: KafkaConsumer, partitions tps: [KafkaTopicPartition], marks: [KafkaTopicPartition: KafkaWatermarks],
                             from: [KafkaTopicPartition: Int64], horizon: Date?, starts: [Int32: Date],
                             into result: inout [Int32: PartitionIndex]) async throws -> Int {
        let wanted = tps.filter { (marks[$0]?.high ?? 0) > (from[$0] ?? 0) }
        guard !wanted.isEmpty else { return 0 }
        try consumer.assign(startingAt: Dictionary(uniqueKeysWithValues: wanted.map { ($0, from[$0] ?? 0) }))
        var remaining = Set(wanted)
        var messages = 0
        while !remaining.isEmpty {
            try Task.checkCancellation()
            for message in try await consumer.poll(maxMessages: 2000, timeout: .milliseconds(100)) {
                messages += 1
                guard let envelope = try? EventCodec.decode(message.value) else { continue }
                if let horizon, envelope.time < horizon { continue }
                if let start = starts[message.partition], envelope.time < start { continue }
                result[message.partition]?.add(envelope.event)
            }
            // Judged by fetch position, not the last offset seen: transaction markers never arrive.
            let positions = consumer.positions()
            remaining = remaining.filter { (positions[$0] ?? -1) < marks[$0]!.high }
        }
        return messages
    }
}
