import Foundation
import Kafka
import Synchronization

extension LogSnapshotReader {
    /// Reads the snapshot with `lanes` consumers side by side, each assigned a share of the
    /// partitions (balanced by message count, ``LaneBalancer``) and each with its own connection
    /// and librdkafka threads, and collects one `Part` per lane.
    ///
    /// `handle` gets every message of the snapshot lent in place (``KafkaMessageView``, no copy),
    /// in offset order within its partition, and folds it into its lane's `Part`. It runs on the
    /// lane consumer's poll queue (a dispatch thread, never the cooperative pool), so the lanes'
    /// CPU work runs in parallel and overlaps librdkafka's fetching; one lane's calls never overlap.
    ///
    /// Low and end offsets are read in one ListOffsets round trip each (``KafkaAdmin``).
    /// `snapshot` is called once before the first message; `progress` about every 250 ms and at
    /// the end, on the calling task.
    ///
    /// - Parameter lanes: consumers (at least 1; fewer when there are fewer non-empty partitions).
    /// - Returns: the lanes' parts, in lane order (one empty part when the snapshot is empty).
    /// - Throws: ``ChargeLogReaderError`` when a topic does not exist or a lane's partitions make
    ///   no progress for ``stallTimeout``; ``KafkaError`` for broker failures.
    public func replay<Part: Sendable>(
        lanes: Int, makePart: @escaping @Sendable () -> Part,
        snapshot: (Snapshot) -> Void = { _ in }, progress: (Progress) -> Void = { _ in },
        handle: @escaping @Sendable (inout Part, KafkaMessageView) -> Void
    ) async throws -> [Part] {
        try await replay(lanes: lanes, makeLanePart: { _ in makePart() }, snapshot: snapshot, progress: progress, handle: handle)
    }

    /// Which offsets of each partition to read, from its low watermark and end offset: nil reads
    /// them all; a range is clamped to `[low, end)`. Runs once, before the first message.
    public typealias Bounds = @Sendable (_ low: [KafkaTopicPartition: Int64], _ ends: [KafkaTopicPartition: Int64])
        async throws -> [KafkaTopicPartition: Range<Int64>]?

    /// ``replay(lanes:makePart:snapshot:progress:handle:)``, with each lane's `Part` made knowing
    /// how many messages the lane will read from each topic (topic name → messages), so a part can
    /// reserve its storage once instead of growing (and rehashing) as it fills.
    /// - Parameter bounds: the part of each partition to read (a time window's offsets, found by
    ///   ``EventTimeSeeker``); default the whole snapshot. ``Snapshot`` still reports the
    ///   watermarks; progress counts the bounded reads.
    public func replay<Part: Sendable>(
        lanes: Int, makeLanePart: @escaping @Sendable (_ messagesByTopic: [String: Int64]) -> Part,
        bounds: Bounds? = nil,
        snapshot: (Snapshot) -> Void = { _ in }, progress: (Progress) -> Void = { _ in },
        handle: @escaping @Sendable (inout Part, KafkaMessageView) -> Void
    ) async throws -> [Part] {
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let partitions = try await self.partitions(admin)
        var endMarks = try await admin.endOffsets(partitions)
        var lowMarks = try await admin.startOffsets(partitions)
        snapshot(Snapshot(low: lowMarks, ends: endMarks))
        if let bounds, let ranges = try await bounds(lowMarks, endMarks) {
            for tp in partitions {
                guard let range = ranges[tp] else { continue }
                let first = max(lowMarks[tp] ?? 0, range.lowerBound)
                lowMarks[tp] = first
                endMarks[tp] = max(first, min(endMarks[tp] ?? 0, range.upperBound))
            }
        }
        let (low, ends) = (lowMarks, endMarks)
        let work = partitions.compactMap { tp -> (key: KafkaTopicPartition, weight: Int64)? in
            let count = (ends[tp] ?? 0) - (low[tp] ?? 0)
            return count > 0 ? (tp, count) : nil
        }
        let total = work.reduce(0) { $0 + $1.weight }
        let read = LaneCounter()
        func state() -> Progress { Progress(read: read.value, total: total, partitions: partitions.count) }
        progress(state())
        guard !work.isEmpty else { return [makeLanePart([:])] }
        let assignment = LaneBalancer.balance(work, lanes: lanes)
        let weights = Dictionary(uniqueKeysWithValues: work.map { ($0.key, $0.weight) })
        let parts = try await withThrowingTaskGroup(of: (Int, Part)?.self) { group in
            for (index, share) in assignment.enumerated() {
                let messagesByTopic = share.reduce(into: [String: Int64]()) { $0[$1.topic, default: 0] += weights[$1] ?? 0 }
                group.addTask { (index, try await readLane(share, starts: low, ends: ends, part: makeLanePart(messagesByTopic), read: read, handle: handle)) }
            }
            // A ticker child for `progress`, which is not Sendable and so is called here only.
            group.addTask { try? await Task.sleep(for: .milliseconds(250)); return nil }
            var parts = [Part?](repeating: nil, count: assignment.count)
            var finished = 0
            while let result = try await group.next() {
                if let (index, part) = result {
                    parts[index] = part
                    finished += 1
                    if finished == assignment.count { break }
                } else {
                    progress(state())
                    group.addTask { try? await Task.sleep(for: .milliseconds(250)); return nil }
                }
            }
            group.cancelAll()  // ends the ticker's sleep at once
            return parts.map { $0! }
        }
        progress(state())
        return parts
    }

    /// One lane: its own consumer, assigned `partitions` from `starts` (their low offsets), read to `ends`.
    private func readLane<Part: Sendable>(
        _ partitions: [KafkaTopicPartition], starts: [KafkaTopicPartition: Int64], ends: [KafkaTopicPartition: Int64], part: Part, read: LaneCounter,
        handle: @escaping @Sendable (inout Part, KafkaMessageView) -> Void
    ) async throws -> Part {
        let consumer = try makeConsumer()
        do {
            let lane = LaneBox(SnapshotLaneState(part: part, partitions: partitions, ends: ends))
            try consumer.assign(startingAt: Dictionary(uniqueKeysWithValues: partitions.map { ($0, starts[$0] ?? 0) }))
            var lastMessage = ContinuousClock.now
            while !lane.state.withLock({ $0.isDone }) {
                try Task.checkCancellation()
                let (taken, finished) = try await consumer.poll(maxMessages: batchSize, timeout: .milliseconds(200)) { messages in
                    lane.state.withLock { $0.take(messages, position: { ($0.topicPartition, $0.offset) }, handle) }
                }
                let now = ContinuousClock.now
                if !finished.isEmpty { consumer.pause(finished) }
                if taken > 0 {
                    read.add(Int64(taken))
                    lastMessage = now
                    continue
                }
                if now - lastMessage > .seconds(2) {
                    // Transaction markers can end a partition: done once the position reached the high watermark.
                    let lag = await consumer.lag()
                    let done = lane.state.withLock { state in
                        let done = state.remaining.filter { state.seen.contains($0) && lag[$0] == 0 }
                        state.finish(done)
                        return Array(done)
                    }
                    if !done.isEmpty {
                        consumer.pause(done)
                        lastMessage = now
                    }
                }
                let remaining = lane.state.withLock { $0.remaining }
                if !remaining.isEmpty, now - lastMessage > stallTimeout {
                    let names = remaining.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }.map(\.description).joined(separator: ", ")
                    throw ChargeLogReaderError(reason: "no progress for \(stallTimeout) on \(names) (read \(read.value) messages)")
                }
            }
            let result = lane.state.withLock { $0.part }
            await consumer.close()
            return result
        } catch {
            await consumer.close()
            throw error
        }
    }
}

/// A lane's state, shared between the lane's task and its consumer's poll queue. The mutex is
/// never contended (a lane's polls run one at a time); it makes the hand-over explicit.
private final class LaneBox<Part: Sendable>: Sendable {
    let state: Mutex<SnapshotLaneState<Part>>
    init(_ state: SnapshotLaneState<Part>) { self.state = Mutex(state) }
}

/// Messages read by every lane so far.
private final class LaneCounter: Sendable {
    private let count = Atomic<Int64>(0)
    var value: Int64 { count.load(ordering: .relaxed) }
    func add(_ n: Int64) { count.add(n, ordering: .relaxed) }
}
