/// Producer transactions (KIP-98) over librdkafka's transactional API.
///
/// ```swift
/// var configuration = KafkaProducerConfiguration(client: client)
/// configuration.transactionalID = "almanac-ticker-1"
/// let producer = try KafkaProducer(configuration: configuration, logger: logger)
/// try await producer.initTransactions()                        // once
/// let reports = try await producer.withTransaction {
///     try await producer.sendAll(records)                       // delivered, not yet committed
/// }
/// ```
///
/// Error classes, as librdkafka documents them (rdkafka.h, "Transactional producer API"), are
/// kept on ``KafkaError`` with ``KafkaError/Code/transaction``:
/// - ``KafkaError/isRetriable`` (e.g. `_TIMED_OUT`): call the same method again — an init,
///   commit or abort that timed out goes on in the background and the new call resumes it.
/// - ``KafkaError/isAbortable`` (e.g. a partition or offsets refused, `UNKNOWN_PRODUCER_ID`):
///   nothing of the transaction will be committed; call ``abortTransaction(timeout:)``, then run
///   the transaction again from its inputs.
/// - ``KafkaError/isFatal`` (e.g. fenced by a newer producer with the same `transactional.id`,
///   `TRANSACTIONAL_ID_AUTHORIZATION_FAILED`): every later call fails; shut the producer down and
///   create a new one (its ``initTransactions(timeout:)`` aborts what this one left open).
/// - none of these (e.g. `_STATE`: begin inside a transaction, commit outside one): a usage
///   error; librdkafka recommends treating it as fatal.
///
/// - Important: the calls run on the producer's own thread, after the sends made before them,
///   never on Swift's cooperative pool; the calling task suspends. Within a transaction, a
///   delivery report means the broker stored the message, not that it is committed: only a
///   returned ``commitTransaction(timeout:)`` makes it visible to `read_committed` consumers.
extension KafkaProducer {
    /// Registers ``KafkaProducerConfiguration/transactionalID`` with the transaction coordinator
    /// (librdkafka `rd_kafka_init_transactions`): aborts or completes a transaction an earlier
    /// instance with the same id left open, and fences that instance. Call once, before the first
    /// transaction. Blocks the producer's thread up to `timeout`.
    ///
    /// - Throws: ``KafkaError/Code/notTransactional`` without a `transactionalID`;
    ///   ``KafkaError/Code/transaction`` — retriable `_TIMED_OUT` when the coordinator did not
    ///   answer within `timeout` (call again: it resumes), fatal e.g. for
    ///   `TRANSACTIONAL_ID_AUTHORIZATION_FAILED` (53), `_STATE` if already initialized;
    ///   ``KafkaError/Code/shutdown`` after ``shutdown(timeout:)``.
    public func initTransactions(timeout: Duration = .seconds(30)) async throws {
        try checkTransactional("initTransactions")
        let client = self.client
        try await thread.run { try client.initTransactions(timeout: timeout) }
    }

    /// Starts a transaction (librdkafka `rd_kafka_begin_transaction`, local and quick). Every
    /// message sent after it, and offsets added with ``sendOffsetsToTransaction(_:group:timeout:)``,
    /// belong to it until ``commitTransaction(timeout:)`` or ``abortTransaction(timeout:)``. One
    /// transaction at a time; end it within ``KafkaProducerConfiguration/transactionTimeout``.
    ///
    /// - Throws: ``KafkaError/Code/notTransactional``; ``KafkaError/Code/transaction`` with
    ///   `_STATE` (-172) before ``initTransactions(timeout:)`` or while a transaction is open,
    ///   fatal after a fatal error; ``KafkaError/Code/shutdown``.
    public func beginTransaction() async throws {
        try checkTransactional("beginTransaction")
        let client = self.client
        try await thread.run { try client.beginTransaction() }
    }

    /// Adds consumed offsets to the open transaction (librdkafka
    /// `rd_kafka_send_offsets_to_transaction`): they are committed for `group` if, and only if,
    /// the transaction commits — the consume-transform-produce loop's exactly-once step.
    /// Blocks the producer's thread up to `timeout`.
    ///
    /// - Parameters:
    ///   - offsets: per partition, the *next* offset to read (last processed + 1), as for
    ///     ``KafkaConsumer/commit(_:synchronous:timeout:)``. Empty: nothing is sent.
    ///   - group: the consuming member's ``KafkaConsumer/groupMetadata()`` (its consumer commits
    ///     nothing itself).
    /// - Throws: ``KafkaError/Code/notTransactional``; ``KafkaError/Code/transaction`` — retriable
    ///   (retry with the same offsets and group), abortable e.g. `GROUP_AUTHORIZATION_FAILED` (30),
    ///   fatal when fenced, `_STATE` outside a transaction; ``KafkaError/Code/shutdown``.
    public func sendOffsetsToTransaction(
        _ offsets: [KafkaTopicPartition: Int64], group: KafkaConsumerGroupMetadata, timeout: Duration = .seconds(30)
    ) async throws {
        try checkTransactional("sendOffsetsToTransaction")
        guard !offsets.isEmpty else { return }
        let client = self.client
        let metadata = group.metadata
        try await thread.run { try client.sendOffsetsToTransaction(offsets, group: metadata, timeout: timeout) }
    }

    /// Commits the open transaction (librdkafka `rd_kafka_commit_transaction`): waits for every
    /// message sent in it to be delivered (their delivery reports complete meanwhile), then has
    /// the coordinator commit it. Blocks the producer's thread up to `timeout`.
    ///
    /// - Parameter timeout: `nil` (default, librdkafka's recommendation) is the transaction's
    ///   remaining time, at most ``KafkaProducerConfiguration/transactionTimeout``.
    /// - Throws: ``KafkaError/Code/notTransactional``; ``KafkaError/Code/transaction`` —
    ///   retriable `_TIMED_OUT` (the commit goes on: call `commitTransaction` again to resume it),
    ///   abortable when a message or partition failed (call ``abortTransaction(timeout:)``), fatal
    ///   e.g. `_FENCED` (-144) or `TRANSACTIONAL_ID_AUTHORIZATION_FAILED` (53), `_STATE` outside a
    ///   transaction; ``KafkaError/Code/shutdown``.
    public func commitTransaction(timeout: Duration? = nil) async throws {
        try checkTransactional("commitTransaction")
        let client = self.client
        try await thread.run { try client.commitTransaction(timeout: timeout) }
    }

    /// Aborts the open transaction (librdkafka `rd_kafka_abort_transaction`): messages not yet
    /// delivered are purged (their sends fail with ``KafkaError/Code/delivery``), those stored are
    /// marked aborted, and offsets sent to it are dropped. Also the way out of an abortable
    /// error. Blocks the producer's thread up to `timeout`.
    ///
    /// - Parameter timeout: `nil` (default) is the transaction's remaining time.
    /// - Throws: ``KafkaError/Code/notTransactional``; ``KafkaError/Code/transaction`` —
    ///   retriable `_TIMED_OUT` (call again to resume), fatal, `_STATE` when no transaction is
    ///   open; ``KafkaError/Code/shutdown``.
    public func abortTransaction(timeout: Duration? = nil) async throws {
        try checkTransactional("abortTransaction")
        let client = self.client
        try await thread.run { try client.abortTransaction(timeout: timeout) }
    }

    /// Runs `body` in a transaction: begins it, runs `body` — which sends (e.g. ``sendAll(_:)``,
    /// awaiting delivery) and may add offsets (``sendOffsetsToTransaction(_:group:timeout:)``) —
    /// and commits it. ``initTransactions(timeout:)`` must have succeeded before.
    ///
    /// ```swift
    /// try await producer.withTransaction {
    ///     try await producer.sendAll(outputs)
    ///     try await producer.sendOffsetsToTransaction(nextOffsets, group: try consumer.groupMetadata())
    /// }
    /// ```
    ///
    /// When it returns, the transaction is committed. When it throws:
    /// - `body` threw: the transaction was aborted and `body`'s error is rethrown (unless that
    ///   error ``KafkaError/isFatal``, when no abort is tried). If the abort fails, its error is
    ///   thrown instead (retriable: call ``abortTransaction(timeout:)`` again; fatal: recreate).
    /// - the commit failed with an ``KafkaError/isAbortable`` error: the transaction was aborted
    ///   and the commit's error is thrown; nothing of it is visible — run it again.
    /// - the commit failed with ``KafkaError/isRetriable`` errors `commitAttempts` times in a row
    ///   (each call resumes the previous one): the last is thrown and the transaction is *still
    ///   committing* — call ``commitTransaction(timeout:)`` again (the rule for retriable commit
    ///   errors), or recreate the producer.
    /// - ``KafkaError/isFatal`` (e.g. fenced): thrown as is; this producer can do nothing more —
    ///   shut it down and create a new one with the same `transactionalID`.
    /// - beginning failed (``KafkaError/Code/notTransactional``, `_STATE`, fatal): thrown before
    ///   `body` runs.
    ///
    /// - Parameters:
    ///   - commitAttempts: commit calls made while they fail retriably (default 3, at least 1).
    ///   - commitTimeout: each commit call's budget; `nil` (default, librdkafka's recommendation)
    ///     is the transaction's remaining time.
    ///   - isolation: where `body` runs (the caller's actor, by default).
    ///   - body: the transaction's work; its result is returned after the commit.
    public func withTransaction<Value: Sendable>(
        commitAttempts: Int = 3,
        commitTimeout: Duration? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Value
    ) async throws -> Value {
        try await beginTransaction()
        let result: Value
        do {
            result = try await body()
        } catch {
            if let kafkaError = error as? KafkaError, kafkaError.isFatal { throw error }
            try await abortTransaction()
            throw error
        }
        var attempt = 1
        while true {
            do {
                try await commitTransaction(timeout: commitTimeout)
                return result
            } catch let error as KafkaError where error.isRetriable && !error.isFatal && attempt < max(1, commitAttempts) {
                attempt += 1
            } catch let error as KafkaError where error.isAbortable && !error.isFatal {
                try await abortTransaction()
                throw error
            }
        }
    }

    private func checkTransactional(_ operation: String) throws {
        guard configuration.transactionalID != nil else {
            throw KafkaError(
                code: .notTransactional,
                reason: "\(operation) needs a transactional producer: set KafkaProducerConfiguration.transactionalID (transactional.id)"
            )
        }
    }
}
