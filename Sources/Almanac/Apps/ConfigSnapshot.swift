import AlmanacCore
import Foundation
import Kafka
import Logging

/// The apps configured right now, read from the `config` topic (assign, from the beginning to the
/// end offsets found at start, by ``LogSnapshotReader``): what CLI commands need to validate an
/// app and job before writing.
public enum ConfigSnapshot {
    /// - Parameter timeout: longest wait without a message before giving up (default 30 s).
    /// - Returns: app id → its configuration, folded in offset order (a removed app is absent).
    /// - Throws: ``ChargeLogReaderError`` when the topic does not exist or stops making progress;
    ///   `KafkaError` for broker failures.
    public static func read(kafka: KafkaConfiguration, topics: AlmanacTopics, logger: Logger,
                            timeout: Duration = .seconds(30)) async throws -> [String: AppConfiguration] {
        var reader = LogSnapshotReader(kafka: kafka, topics: [topics.config], logger: logger)
        reader.stallTimeout = timeout
        var state = SchedulerState()
        _ = try await reader.replay { batch in
            for message in batch {
                if let envelope = try? EventCodec.decode(message.value) { state.apply(envelope) }
            }
        }
        return state.apps.mapValues(\.config)
    }
}
