import Almanac
import AlmanacCore
import Foundation

/// Where an event published by the `http` role landed.
public struct PublishedEvent: Sendable, Equatable {
    public var time: Date
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public init(time: Date, topic: String, partition: Int32, offset: Int64) {
        self.time = time
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// What the `http` role reads and writes: the projection, the ledger, readiness, the clock, and
/// a way to publish control events and manual triggers. ``KafkaOperatorBackend`` is the real
/// one; tests pass a double.
public protocol OperatorBackend: Sendable {
    /// A copy of the projector's state.
    var state: SchedulerState { get }
    /// A copy of the charges/dlq ledger.
    var ledger: OperatorLedger { get }
    /// Whether the projector has caught up with the log as it was at start.
    var isReady: Bool { get }
    /// The scheduler clock (dev's simulated one under `almanac dev`).
    func now() -> Date
    /// Publishes `event` stamped with ``now()`` and waits for the broker's acknowledgement.
    /// - Throws: the delivery error.
    func publish(_ event: AlmanacEvent) async throws -> PublishedEvent
    /// The completions of `triggerIds` as the log holds them, tails included (``RunLogReader``):
    /// the projection keeps no output. Empty when the backend cannot read the log.
    /// - Throws: Kafka failures.
    func completions(of triggerIds: Set<TriggerID>) async throws -> [TriggerID: JobCompleted]
}

extension OperatorBackend {
    public func completions(of triggerIds: Set<TriggerID>) async throws -> [TriggerID: JobCompleted] { [:] }
}

/// The backend of a running process: its ``ProjectionStore``, ``LedgerStore``, readiness latch,
/// clock and ``EventPublisher`` (the same path `almanac pause` and `almanac trigger` use).
public struct KafkaOperatorBackend: OperatorBackend {
    let store: ProjectionStore
    let ledgerStore: LedgerStore
    let readiness: ReadinessLatch
    let clock: any WallClock
    let publisher: EventPublisher
    /// Reads runs' completions for `?tails=true`; nil: none are read.
    let runLog: RunLogReader?

    public init(store: ProjectionStore, ledgerStore: LedgerStore, readiness: ReadinessLatch, clock: any WallClock, publisher: EventPublisher,
                runLog: RunLogReader? = nil) {
        self.store = store
        self.ledgerStore = ledgerStore
        self.readiness = readiness
        self.clock = clock
        self.publisher = publisher
        self.runLog = runLog
    }

    public func completions(of triggerIds: Set<TriggerID>) async throws -> [TriggerID: JobCompleted] {
        try await runLog?.completions(of: triggerIds) ?? [:]
    }

    public var state: SchedulerState { store.state }
    public var ledger: OperatorLedger { ledgerStore.ledger }
    public var isReady: Bool { readiness.isReady }
    public func now() -> Date { clock.now() }

    public func publish(_ event: AlmanacEvent) async throws -> PublishedEvent {
        let time = clock.now()
        let report = try await publisher.publish(event, at: time)
        return PublishedEvent(time: time, topic: report.topicPartition.topic, partition: report.topicPartition.partition, offset: report.offset)
    }
}
