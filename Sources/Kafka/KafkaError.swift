/// An error raised by the `Kafka` module.
///
/// Errors are equal by ``code``; ``reason`` carries librdkafka's own text where there is one.
/// librdkafka's error classes (KIP-360 / librdkafka `rd_kafka_error_is_retriable`,
/// `…_txn_requires_abort`, `…_is_fatal`) are kept as ``isRetriable``, ``isAbortable`` and ``isFatal``.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A configuration property was rejected by librdkafka at start.
        public static let configuration = Code("configuration")
        /// A librdkafka call failed; ``KafkaError/rdKafkaCode`` tells which.
        public static let underlying = Code("underlying")
        /// A message could not be delivered (the delivery report carried an error).
        public static let delivery = Code("delivery")
        /// The client was shut down before the operation finished.
        public static let shutdown = Code("shutdown")
        /// A blocking call did not finish in its time budget.
        public static let timedOut = Code("timedOut")
        /// A topic or partition name was not found.
        public static let unknownTopic = Code("unknownTopic")
        /// A transactional call (``KafkaProducer/beginTransaction()`` and the others) failed;
        /// ``KafkaError/isRetriable``, ``KafkaError/isAbortable`` and ``KafkaError/isFatal`` say
        /// what to do next, ``KafkaError/rdKafkaCode`` why.
        public static let transaction = Code("transaction")
        /// A transactional call on a producer without
        /// ``KafkaProducerConfiguration/transactionalID``; nothing was sent to librdkafka.
        public static let notTransactional = Code("notTransactional")
        /// An offset commit failed; ``KafkaError/rdKafkaCode`` tells why.
        public static let commit = Code("commit")
        /// The calling task was cancelled before the operation could start (e.g. a message waiting
        /// for room in librdkafka's full queue was never enqueued).
        public static let cancelled = Code("cancelled")
    }

    /// What kind of failure this is.
    public var code: Code
    /// Human-readable reason, usually librdkafka's `rd_kafka_err2str`.
    public var reason: String
    /// librdkafka's numeric `rd_kafka_resp_err_t` (negative: local to the client; positive: the
    /// Kafka protocol's error code), when the error came from librdkafka.
    public var rdKafkaCode: Int32?
    /// The operation may succeed if tried again (a transient broker or network condition).
    public var isRetriable: Bool
    /// The current transaction must be aborted (librdkafka `rd_kafka_error_txn_requires_abort`):
    /// call ``KafkaProducer/abortTransaction(timeout:)``, then start a new transaction.
    public var isAbortable: Bool
    /// The client can no longer be used (librdkafka `RD_KAFKA_RESP_ERR__FATAL`,
    /// `rd_kafka_error_is_fatal`, e.g. a producer fenced by a newer one with the same
    /// `transactional.id`): shut it down and create a new one.
    public var isFatal: Bool
    /// For ``Code/delivery``: whether the broker may have stored the message anyway
    /// (librdkafka `rd_kafka_message_status`) — e.g. a message that timed out while in flight.
    public var persistence: MessagePersistence?
    /// The source file (`#fileID`) that raised the error.
    public var file: String
    /// The line in ``file``.
    public var line: UInt

    /// Whether a message whose delivery failed may be in the log all the same.
    public enum MessagePersistence: Sendable, Hashable {
        /// Never written: resending it cannot duplicate it.
        case notPersisted
        /// Sent, but no acknowledgement came back: it may or may not be in the log.
        case possiblyPersisted
        /// Written and acknowledged (the failure came after).
        case persisted
    }

    /// An error; the classes default to `false`.
    public init(
        code: Code, reason: String, rdKafkaCode: Int32? = nil,
        isRetriable: Bool = false, isAbortable: Bool = false, isFatal: Bool = false,
        persistence: MessagePersistence? = nil,
        file: String = #fileID, line: UInt = #line
    ) {
        self.code = code
        self.reason = reason
        self.rdKafkaCode = rdKafkaCode
        self.isRetriable = isRetriable
        self.isAbortable = isAbortable
        self.isFatal = isFatal
        self.persistence = persistence
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "KafkaError(\(code)): \(reason)"
        if let rdKafkaCode { text += " [rd_kafka code \(rdKafkaCode)]" }
        return text
    }
}

extension KafkaError: Equatable {
    public static func == (lhs: KafkaError, rhs: KafkaError) -> Bool {
        lhs.code == rhs.code && lhs.rdKafkaCode == rhs.rdKafkaCode
    }
}
