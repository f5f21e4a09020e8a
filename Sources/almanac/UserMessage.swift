import ArgumentParser
import Foundation
import Kafka

/// The text a user reads for an error the CLI did not expect to handle itself: what went wrong
/// and what to try, never a Swift type's debug description (`KafkaError(underlying): …`,
/// `keyNotFound(CodingKeys(…))`).
///
/// ```swift
/// UserMessage.describe(KafkaError(code: .underlying, reason: "Local: Broker transport failure", rdKafkaCode: -195))
/// // cannot reach Kafka (broker transport failure): check --brokers / ALMANAC_BROKERS and that the brokers run
/// ```
enum UserMessage {
    /// librdkafka's local error codes (`rd_kafka_resp_err_t`, rdkafka.h) that mean "no broker answered".
    static let unreachableCodes: Set<Int32> = [
        -195,  // RD_KAFKA_RESP_ERR__TRANSPORT
        -187,  // RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN
        -185,  // RD_KAFKA_RESP_ERR__TIMED_OUT
        -193,  // RD_KAFKA_RESP_ERR__RESOLVE
        -160,  // RD_KAFKA_RESP_ERR__WAIT_COORD
    ]

    static let brokerHint = "check --brokers / ALMANAC_BROKERS and that the brokers run"

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as KafkaError: return describe(error)
        case let error as DecodingError: return describe(error)
        case let error as CocoaError:
            let path = error.filePath ?? error.url?.path
            return path.map { "cannot read \($0): \(error.localizedDescription)" } ?? error.localizedDescription
        case let error as any CustomStringConvertible & Error:
            // Almanac's own errors (ConfigError, ScheduleError, PricingFileError, …) describe
            // themselves for users.
            return error.description
        default:
            return error.localizedDescription
        }
    }

    static func describe(_ error: KafkaError) -> String {
        // librdkafka marks client-side errors "Local: "; a user needs the rest.
        let reason = error.reason.replacingOccurrences(of: "Local: ", with: "")
        let lowered = reason.prefix(1).lowercased() + reason.dropFirst()
        if let code = error.rdKafkaCode, unreachableCodes.contains(code) {
            return "cannot reach Kafka (\(lowered)): \(brokerHint)"
        }
        switch error.code {
        case .timedOut: return "Kafka did not answer in time (\(lowered)): \(brokerHint)"
        case .unknownTopic: return "\(reason): create the topics with `almanac topics create` (or check --topic-prefix)"
        case .configuration: return "Kafka client configuration: \(reason)"
        case .shutdown, .cancelled: return "interrupted: \(reason)"
        default: return "Kafka: \(reason)"
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let text = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "the document" : String(text.drop(while: { $0 == "." }))
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context)): missing \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "invalid data"
        }
    }
}
