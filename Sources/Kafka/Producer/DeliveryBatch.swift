internal import CRdKafka
import Synchronization

/// Where one message of a ``DeliveryBatch`` stands; written once, when it is settled.
enum DeliveryStage: UInt8 {
    /// Handed to librdkafka (or about to be); no delivery report yet.
    case pending
    /// The broker stored it at `partition` / `offset`.
    case delivered
    /// The delivery report carried `error` (retries exhausted, `delivery.timeout.ms`, purged).
    case deliveryFailed
    /// librdkafka refused to enqueue it with `error` (unknown partition, message too large, …).
    case enqueueFailed
    /// Never enqueued: the producer was shut down first.
    case shutdown
    /// Never enqueued: the enqueuing task was cancelled while librdkafka's queue was full.
    case cancelled
}

/// The result of one message, in the batch's slot buffer. Its address is the message's
/// `msg_opaque`, so the delivery callback finds it without an object, a retain or a cast.
struct DeliverySlot {
    /// The owning ``DeliveryBatch`` (unretained: the batch holds itself while reports are due).
    var batch: UnsafeMutableRawPointer
    var offset: Int64 = -1
    var partition: Int32 = -1
    /// `rd_kafka_resp_err_t` of a failed enqueue or delivery.
    var error: Int32 = 0
    var stage: DeliveryStage = .pending
    /// `rd_kafka_msg_status_t` of a failed delivery.
    var persistence: UInt8 = 0
}

/// The messages of one ``KafkaProducer/enqueue(contentsOf:)`` call and their results: one slot
/// buffer, one pending counter and one completion per batch, nothing per message.
///
/// Lifetime: while any message still lacks a report, the batch holds one reference to itself
/// (taken in `init`, dropped by whoever settles the last message), so a ticket that is dropped
/// unread never leaves librdkafka pointing at freed slots.
final class DeliveryBatch: Sendable {
    let records: [KafkaProducerRecord]
    /// `nonisolated(unsafe)`: slot `i` is written by one party only — whoever settles message `i`
    /// (the delivery callback; or the producer thread or the caller when it is refused or never
    /// enqueued), exactly once, before that party decrements `pending` (release). Slots are read
    /// only after `completion` says the batch is done, which the last decrement (acquire)
    /// published under the mutex. The enqueuing side writes only `batch` back pointers, in `init`.
    nonisolated(unsafe) let slots: UnsafeMutablePointer<DeliverySlot>
    /// Messages not settled yet.
    private let pending: Atomic<Int>
    private let completion = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    init(records: [KafkaProducerRecord]) {
        self.records = records
        pending = Atomic(records.count)
        slots = .allocate(capacity: max(records.count, 1))
        let count = records.count
        if count == 0 {
            completion.withLock { $0.done = true }
        }
        // `self` is complete here: fill the back pointers, then hold the batch for librdkafka.
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        slots.initialize(repeating: DeliverySlot(batch: opaque), count: max(count, 1))
        if count > 0 { _ = Unmanaged.passRetained(self) }
    }

    deinit {
        slots.deinitialize(count: max(records.count, 1))
        slots.deallocate()
    }

    var count: Int { records.count }

    /// Settles `n` messages whose slots were written. Returns `true` if these were the last: the
    /// waiters were resumed and the caller must drop the batch's self-reference
    /// (``releaseSelfReference(_:)``) once it no longer touches the batch.
    func settle(_ n: Int) -> Bool {
        guard pending.subtract(n, ordering: .acquiringAndReleasing).newValue == 0 else { return false }
        let waiters = completion.withLock { state in
            state.done = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
        return true
    }

    /// Drops the reference the batch held on itself while reports were due.
    static func releaseSelfReference(_ opaque: UnsafeMutableRawPointer) {
        Unmanaged<DeliveryBatch>.fromOpaque(opaque).release()
    }

    /// Marks messages `range` as never enqueued and settles them.
    func settleUnsent(_ range: Range<Int>, as stage: DeliveryStage, error: Int32 = 0) {
        guard !range.isEmpty else { return }
        for index in range {
            slots[index].stage = stage
            slots[index].error = error
        }
        // The caller holds the batch, so dropping the self-reference cannot free it here.
        if settle(range.count) { Unmanaged.passUnretained(self).release() }
    }

    /// Waits until every message is settled. Any number of callers may wait.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = completion.withLock { state in
                if !state.done { state.waiters.append(continuation) }
                return state.done
            }
            if done { continuation.resume() }
        }
    }

    /// `true` once every message is settled.
    var isComplete: Bool { completion.withLock { $0.done } }

    /// Message `index`'s result. Only after ``wait()`` returned (or ``isComplete``).
    func result(at index: Int) -> Result<KafkaDeliveryReport, KafkaError> {
        let slot = slots[index]
        let topic = records[index].topic
        switch slot.stage {
        case .delivered:
            return .success(KafkaDeliveryReport(topicPartition: KafkaTopicPartition(topic: topic, partition: slot.partition), offset: slot.offset))
        case .deliveryFailed:
            var error = KafkaError.rdKafka(rd_kafka_resp_err_t(rawValue: slot.error), code: .delivery, context: "delivery to \(topic)")
            error.persistence = switch rd_kafka_msg_status_t(rawValue: UInt32(slot.persistence)) {
            case RD_KAFKA_MSG_STATUS_PERSISTED: .persisted
            case RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED: .possiblyPersisted
            default: .notPersisted
            }
            return .failure(error)
        case .enqueueFailed:
            return .failure(.rdKafka(rd_kafka_resp_err_t(rawValue: slot.error), context: "produce to \(topic)"))
        case .shutdown:
            return .failure(KafkaError(code: .shutdown, reason: "producer is shut down"))
        case .cancelled:
            return .failure(KafkaError(code: .cancelled, reason: "the enqueuing task was cancelled while librdkafka's queue was full"))
        case .pending:
            preconditionFailure("result(at:) read before the batch completed")
        }
    }

    /// Whether message `index` was delivered. Only after completion.
    func isDelivered(_ index: Int) -> Bool { slots[index].stage == .delivered }
}
