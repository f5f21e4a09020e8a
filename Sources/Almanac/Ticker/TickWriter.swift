import AlmanacCore
import Foundation
import Kafka
import Logging

/// Whether a leading ticker writes each batch of minutes (their triggers, skips and
/// `tick.completed` markers) in one Kafka transaction (docs/design.md §5; KIP-98).
public enum TickerTransactionMode: String, Sendable, CaseIterable {
    /// Use transactions if the cluster accepts them (`initTransactions` succeeds), else write
    /// without and log why once per leadership term. The default.
    case auto
    /// Require transactions: a ticker whose cluster refuses them does not tick (it throws).
    case always
    /// Never use transactions.
    case never
}

/// Transaction settings of a ticker.
public struct TickerTransactions: Sendable {
    public var mode: TickerTransactionMode
    /// Client settings of the transactional producer (bootstrap servers, security, …).
    public var kafka: KafkaConfiguration
    /// `transactional.id` shared by every ticker of one election group, so that a new leader's
    /// `initTransactions` aborts what a dead leader left open and fences that leader if it comes
    /// back (a zombie). Default `<topic prefix>ticker.<group>`.
    public var transactionalID: String
    /// How long `initTransactions` may wait for the transaction coordinator. Default 10 s.
    public var initTimeout: Duration

    public init(mode: TickerTransactionMode = .auto, kafka: KafkaConfiguration, transactionalID: String,
                initTimeout: Duration = .seconds(10)) {
        self.mode = mode
        self.kafka = kafka
        self.transactionalID = transactionalID
        self.initTimeout = initTimeout
    }
}

/// Writes a leader's minutes for one leadership term: the triggers and skips first and, once the
/// broker acknowledged them, the `tick.completed` markers — inside one transaction when the term
/// has a transactional producer. The order is kept inside the transaction too, because
/// correctness must not depend on transactions (docs/design.md §5): a broker that shows aborted
/// records (librdkafka's mock cluster ignores `isolation.level`) never shows a tick whose
/// triggers were not stored, and a re-planned minute re-writes the same deterministic trigger ids.
struct TickWriter: Sendable {
    private let publisher: EventPublisher
    /// The term's transactional producer, if transactions are in use.
    private let transactional: KafkaProducer?

    var isTransactional: Bool { transactional != nil }

    private init(publisher: EventPublisher, transactional: KafkaProducer?) {
        self.publisher = publisher
        self.transactional = transactional
    }

    /// Opens the writer of a new leadership term.
    /// - Parameter publisher: the process's (non-transactional) publisher, used when transactions
    ///   are off or refused in `auto` mode; its topics and source are used for both.
    /// - Throws: in `always` mode, the error of producer creation or `initTransactions`.
    static func open(_ settings: TickerTransactions?, publisher: EventPublisher, logger: Logger) async throws -> TickWriter {
        guard let settings, settings.mode != .never else { return TickWriter(publisher: publisher, transactional: nil) }
        var configuration = KafkaProducerConfiguration(client: settings.kafka)
        configuration.transactionalID = settings.transactionalID
        configuration.linger = .milliseconds(1)
        let producer: KafkaProducer
        do {
            producer = try KafkaProducer(configuration: configuration, logger: logger)
        } catch {
            if settings.mode == .always { throw error }
            logger.warning("ticker writes without transactions: the transactional producer could not be created: \(error)")
            return TickWriter(publisher: publisher, transactional: nil)
        }
        do {
            try await producer.initTransactions(timeout: settings.initTimeout)
        } catch {
            await producer.shutdown(timeout: .seconds(2))
            if settings.mode == .always { throw error }
            logger.warning("ticker writes without transactions: the cluster refused initTransactions (\(error))")
            return TickWriter(publisher: publisher, transactional: nil)
        }
        logger.info("ticker writes each minute in a transaction (transactional.id \(settings.transactionalID))")
        let transactionalPublisher = EventPublisher(producer: producer, topics: publisher.topics, source: publisher.source)
        return TickWriter(publisher: transactionalPublisher, transactional: producer)
    }

    /// Writes `events` (triggers and skips), then `ticks`, each batch acknowledged before the next.
    /// - Throws: the first delivery error, or a `KafkaError` of the transaction (aborted unless
    ///   fatal; a fatal one — e.g. fenced by a newer leader — means this term is over).
    func write(events: [AlmanacEvent], ticks: [AlmanacEvent], at time: Date) async throws {
        let publisher = self.publisher
        guard let producer = transactional else {
            if !events.isEmpty { try await publisher.publish(events, at: time) }
            try await publisher.publish(ticks, at: time)
            return
        }
        try await producer.withTransaction {
            if !events.isEmpty { try await publisher.publish(events, at: time) }
            try await publisher.publish(ticks, at: time)
        }
    }

    /// Ends the term: shuts the transactional producer down (aborting an open transaction).
    func close() async {
        await transactional?.shutdown(timeout: .seconds(5))
    }
}
