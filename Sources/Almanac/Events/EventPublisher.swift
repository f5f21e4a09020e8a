import AlmanacCore
import Foundation
import Kafka

/// Writes ``EventEnvelope``s to their topics: key = subject, headers `ce_type`, `ce_id`,
/// `ce_specversion` (CloudEvents Kafka protocol binding), value = structured JSON.
public struct EventPublisher: Sendable {
    public let producer: KafkaProducer
    public let topics: AlmanacTopics
    public let source: String

    public init(producer: KafkaProducer, topics: AlmanacTopics, source: String) {
        self.producer = producer
        self.topics = topics
        self.source = source
    }

    public func record(_ envelope: EventEnvelope) throws -> KafkaProducerRecord {
        KafkaProducerRecord(
            topic: topics.name(envelope.event.kind.topic), key: envelope.subject, value: try EventCodec.encode(envelope),
            headers: [KafkaHeader(key: "ce_type", string: envelope.type), KafkaHeader(key: "ce_id", string: envelope.id),
                      KafkaHeader(key: "ce_specversion", string: "1.0")])
    }

    /// Publishes events in order and waits until all are acknowledged.
    /// - Throws: the first delivery error.
    @discardableResult
    public func publish(_ events: [AlmanacEvent], at time: Date) async throws -> [KafkaDeliveryReport] {
        let reports = try await producer.sendAll(events.map { try record(EventEnvelope(source: source, time: time, event: $0)) })
        AlmanacMetrics.published(events)
        return reports
    }

    @discardableResult
    public func publish(_ event: AlmanacEvent, at time: Date) async throws -> KafkaDeliveryReport {
        let report = try await producer.send(try record(EventEnvelope(source: source, time: time, event: event)))
        AlmanacMetrics.published([event])
        return report
    }

    /// Copies a message that could not be applied to the dlq as `event.rejected`, and counts it in
    /// `almanac_dlq_total{consumer, reason}`.
    public func reject(_ message: KafkaConsumerMessage, _ error: EventDecodingError, by consumer: String, at time: Date) async throws {
        AlmanacMetrics.rejected(by: consumer, reason: error.reason)
        let rejected = EventRejected(topic: message.topic, partition: message.partition, offset: message.offset,
                                     key: message.keyString, raw: message.value, reason: error.reason,
                                     detail: error.detail, rejectedBy: consumer)
        try await publish(.eventRejected(rejected), at: time)
    }
}
