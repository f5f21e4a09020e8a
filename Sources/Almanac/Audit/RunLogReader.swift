import AlmanacCore
import Foundation
import Kafka
import Logging

/// Reads what the log holds about runs: a run's whole story (``story(of:)``, `almanac runs show`)
/// and the completions of chosen triggers (``completions(of:)``, the API's `?tails=true`).
///
/// The one place Almanac looks runs up in the log: it replays `triggers`, `executions` and
/// `charges` (or just `executions`) as ``LogSnapshotReader`` does — from the beginning of every
/// partition to the end read at start, `assign`, no group — and keeps only the events asked for.
/// That costs a read of those topics per question; a bounded read (a time window around the run)
/// replaces the replay here, and only here.
///
/// - Important: blocking librdkafka calls run on the Kafka module's own queues.
public struct RunLogReader: Sendable {
    public let kafka: KafkaConfiguration
    public let topics: AlmanacTopics
    public let logger: Logger

    public init(kafka: KafkaConfiguration, topics: AlmanacTopics, logger: Logger) {
        self.kafka = kafka
        self.topics = topics
        self.logger = logger
    }

    /// The story of the run named by `id`: a trigger id (scheduled, manual, follow-up or retry) or
    /// an execution id. Two replays when it is an execution id (the second once its trigger id is
    /// known).
    /// - Throws: ``ChargeLogReaderError`` (missing topic, stalled partition), ``KafkaError``.
    public func story(of id: String) async throws -> RunStory {
        var story = try await replay(RunStory(lookingFor: id))
        if let found = story.foundTriggerId, found.rawValue != id {
            story = try await replay(RunStory(lookingFor: RunStory.base(of: found).rawValue))
        }
        return story
    }

    /// The first `job.completed` of each of `triggerIds` found in `executions`.
    public func completions(of triggerIds: Set<TriggerID>) async throws -> [TriggerID: JobCompleted] {
        guard !triggerIds.isEmpty else { return [:] }
        var found: [TriggerID: JobCompleted] = [:]
        let reader = LogSnapshotReader(kafka: kafka, topics: [topics.executions], logger: logger)
        _ = try await reader.replay { batch in
            for message in batch {
                guard let envelope = try? EventCodec.decode(message.value), case .jobCompleted(let completed) = envelope.event,
                      triggerIds.contains(completed.triggerId), found[completed.triggerId] == nil else { continue }
                found[completed.triggerId] = completed
            }
        }
        return found
    }

    private func replay(_ start: RunStory) async throws -> RunStory {
        var story = start
        let reader = LogSnapshotReader(kafka: kafka, topics: [topics.triggers, topics.executions, topics.charges], logger: logger)
        _ = try await reader.replay { batch in
            for message in batch {
                guard let envelope = try? EventCodec.decode(message.value) else { continue }
                story.add(envelope)
            }
        }
        return story
    }
}
