import AlmanacCore
import Synchronization

/// The ``OperatorLedger`` (credits per day, dlq) that a ``LedgerService`` folds, shared with the
/// `http` role's readers. Reads return copies; only the service writes.
public final class LedgerStore: Sendable {
    private let inner = Mutex(OperatorLedger())

    public init() {}

    /// A copy of the current ledger.
    public var ledger: OperatorLedger { inner.withLock { $0 } }

    /// Folds `envelope` into the ledger (see ``OperatorLedger/apply(_:)``).
    public func apply(_ envelope: EventEnvelope) {
        inner.withLock { _ = $0.apply(envelope) }
    }
}
