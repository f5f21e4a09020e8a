import AlmanacCore
import Foundation
import Kafka

/// Writes ``EventEnvelope``s to their topics: key = subject, headers `ce_type`, `ce_id`,
/// `ce_specversion` (CloudEvents Kafka protocol binding), value = structured JSON.
public struct EventPublisher: Sendable {
    public let producer: KafkaProducer
    public let topics: AlmanacTopics
    public let source: String

    /// The full topic name of each event kind (``AlmanacTopics/name(_:)``), by
    /// ``AlmanacEvent/Kind/ordinal``, built once.
    private let topicNames: [String]

    public init(producer: KafkaProducer, topics: AlmanacTopics, source: String) {
        self.producer = producer
        self.topics = topics
        self.source = source
        topicNames = AlmanacEvent.Kind.allCases.map { topics.name($0.topic) }
    }

    public func record(_ envelope: EventEnvelope) throws -> KafkaProducerRecord {
        let kind = envelope.event.kind
        return KafkaProducerRecord(
            topic: topicNames[kind.ordinal], key: envelope.subject, value: try EventCodec.encode(envelope),
            headers: [Self.typeHeaders[kind.ordinal], KafkaHeader(key: "ce_id", string: envelope.id), Self.specVersionHeader])
    }

    /// The `ce_type` header of each kind and the `ce_specversion` header, built once (their bytes
    /// are shared by every record).
    private static let typeHeaders = AlmanacEvent.Kind.allCases.map { KafkaHeader(key: "ce_type", string: $0.rawValue) }
    private static let specVersionHeader = KafkaHeader(key: "ce_specversion", string: "1.0")

    /// Publishes events in order and waits until all are acknowledged.
    /// - Throws: the first delivery error.
    @discardableResult
    public func publish(_ events: [AlmanacEvent], at time: Date) async throws -> [KafkaDeliveryReport] {
        let reports = try await producer.sendAll(events.map { try record(EventEnvelope(source: source, time: time, event: $0)) })
        AlmanacMetrics.published(events)
        return reports
    }

    /// Publishes events that each carry their own time (the envelope's `time`, UTC) in one
    /// hand-over to the producer and one wait, and reports each one's delivery: for a caller that
    /// records many runs together (the worker), where one event's failure must not fail the rest.
    /// Events for the same key keep their order, as with ``publish(_:at:)``.
    /// - Returns: one result per event, in order (``KafkaProducer/send(_:)`` lists the errors).
    /// - Throws: `EncodingError` only if an event cannot be represented in JSON (never for valid
    ///   events); nothing is sent then.
    public func publishEach(_ events: [(event: AlmanacEvent, time: Date)]) async throws -> [Result<KafkaDeliveryReport, KafkaError>] {
        await (try submitEach(events)).wait()
    }

    /// Events handed to the producer by ``submitEach(_:)``, whose delivery reports are due.
    public struct Submission: Sendable {
        let events: [AlmanacEvent]
        let ticket: KafkaDeliveryTicket

        /// Waits for every delivery report (not cancellable; see ``KafkaDeliveryTicket/wait()``).
        /// - Returns: one result per event, in order.
        public func wait() async -> [Result<KafkaDeliveryReport, KafkaError>] {
            let results = Array(await ticket.wait())
            var delivered: [AlmanacEvent] = []
            delivered.reserveCapacity(events.count)
            for (index, result) in results.enumerated() { if case .success = result { delivered.append(events[index]) } }
            AlmanacMetrics.published(delivered)
            return results
        }
    }

    /// Like ``publishEach(_:)``, but returns as soon as the events are handed to the producer
    /// (``KafkaProducer/submit(contentsOf:)``), before any is delivered: events written after
    /// this returns follow them in their partitions.
    /// - Throws: `EncodingError` only if an event cannot be represented in JSON; nothing is sent then.
    public func submitEach(_ events: [(event: AlmanacEvent, time: Date)]) throws -> Submission {
        let records = try events.map { try record(EventEnvelope(source: source, time: $0.time, event: $0.event)) }
        return Submission(events: events.map(\.event), ticket: producer.submit(contentsOf: records))
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
