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
        /// A transaction step failed.
        public static let transaction = Code("transaction")
    }

    public var code: Code
    /// Human-readable reason, usually librdkafka's `rd_kafka_err2str`.
    public var reason: String
    /// librdkafka's numeric `rd_kafka_resp_err_t`, when the error came from librdkafka.
    public var rdKafkaCode: Int32?
    public var isRetriable: Bool
    public var isAbortable: Bool
    public var isFatal: Bool
    public var file: String
    public var line: UInt

    public init(
        code: Code, reason: String, rdKafkaCode: Int32? = nil,
        isRetriable: Bool = false, isAbortable: Bool = false, isFatal: Bool = false,
        file: String = #fileID, line: UInt = #line
    ) {
        self.code = code
        self.reason = reason
        self.rdKafkaCode = rdKafkaCode
        self.isRetriable = isRetriable
        self.isAbortable = isAbortable
        self.isFatal = isFatal
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
