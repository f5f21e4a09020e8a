import Kafka

/// One lane's bookkeeping in a snapshot replay: which of its partitions are still to be read up to
/// their end offset, which have delivered a message, and the lane's collected `Part`. Pure (no
/// Kafka call), so the filtering rules are unit-tested without a broker.
struct SnapshotLaneState<Part: Sendable>: Sendable {
    /// What the lane has collected so far.
    var part: Part
    /// Partitions not yet read to their end offset.
    private(set) var remaining: Set<KafkaTopicPartition>
    /// Partitions that delivered at least one message of the snapshot.
    private(set) var seen: Set<KafkaTopicPartition> = []
    /// Partition → the end offset of the snapshot (exclusive).
    let ends: [KafkaTopicPartition: Int64]

    init(part: Part, partitions: [KafkaTopicPartition], ends: [KafkaTopicPartition: Int64]) {
        self.part = part
        remaining = Set(partitions)
        self.ends = ends
    }

    var isDone: Bool { remaining.isEmpty }

    /// Hands every message of a polled batch that lies inside the snapshot (partition still
    /// remaining, offset below its end) to `handle`, in batch order.
    /// - Returns: how many were handed over, and the partitions this batch read to their end
    ///   (the caller pauses them).
    mutating func take<Message>(_ messages: [Message], position: (Message) -> (KafkaTopicPartition, Int64),
                                _ handle: (inout Part, Message) -> Void) -> (taken: Int, finished: [KafkaTopicPartition]) {
        var taken = 0
        var finished: [KafkaTopicPartition] = []
        // Messages of a partition come in runs: look its state up once per run.
        var current: KafkaTopicPartition?
        var end: Int64 = 0
        var live = false
        var marked = false
        for message in messages {
            let (tp, offset) = position(message)
            if tp != current {
                current = tp
                live = remaining.contains(tp)
                end = ends[tp] ?? 0
                marked = false
            }
            guard live, offset < end else { continue }
            if !marked {
                seen.insert(tp)
                marked = true
            }
            handle(&part, message)
            taken += 1
            if offset + 1 >= end {
                remaining.remove(tp)
                finished.append(tp)
                live = false
            }
        }
        return (taken, finished)
    }

    /// Marks partitions done without reading further (transaction markers can end a partition
    /// below its end offset: done once the consumer's position reached it).
    mutating func finish(_ partitions: some Sequence<KafkaTopicPartition>) {
        remaining.subtract(partitions)
    }
}
