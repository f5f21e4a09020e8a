import AlmanacCore
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// Projector role: folds config, control, ticks and executions (assign, no group) into the
/// ``ProjectionStore`` and follows live until cancelled. It starts from the newest usable
/// snapshot on the `snapshots` topic and reads only from its positions; without one, from each
/// partition's low watermark (docs/snapshots.md). It writes snapshots as ``snapshots`` says.
///
/// Bad messages (undecodable, or not applicable such as a pause for an unknown app) are copied to
/// the dlq as `event.rejected`; everything else keeps flowing.
public struct ProjectorService: Service {
    public let store: ProjectionStore
    let consumer: KafkaConsumer
    /// Separate handle for offset queries, so they never queue behind the fold's fetches.
    let offsets: KafkaAdmin
    let publisher: EventPublisher
    let kafka: KafkaConfiguration
    let topics: AlmanacTopics
    let clock: any WallClock
    let logger: Logger

    public init(store: ProjectionStore, kafka: KafkaConfiguration, publisher: EventPublisher, topics: AlmanacTopics,
                clock: any WallClock, logger: Logger) throws {
        self.store = store
        var configuration = KafkaConsumerConfiguration(client: kafka)
        configuration.client.clientID = "almanac-projector"
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        offsets = try KafkaAdmin(configuration: kafka, logger: logger)
        self.publisher = publisher
        self.kafka = kafka
        self.topics = topics
        self.clock = clock
        self.logger = logger
    }

    /// Whether the projection folds `ticks` (the last ticked minute: tickers and `almanac dev`
    /// need it). Default true.
    public var foldsTicks = true
    /// Whether the projection folds `executions` (recent runs per job: the http role shows them).
    /// Default true. A worker-only process turns both off: it needs apps and pauses alone, and
    /// decoding every execution event of the cluster in every worker would cost more CPU than
    /// running the jobs (BENCHMARKS.md, worker.e2e_noop).
    public var foldsExecutions = true

    /// When the projector loads and writes snapshots (docs/snapshots.md).
    public struct SnapshotOptions: Sendable {
        /// Start from the newest usable snapshot. Default true.
        public var load = true
        /// Write snapshots at all. Default true; processes that fold only part of the log
        /// (worker, ticker) turn it off and load the full projection's snapshots, cut down.
        public var write = true
        /// Write one after this many messages read since the last (0: never by count).
        /// Default 100,000 (about a second of folding).
        public var everyMessages = 100_000
        /// Write one when this much real time has passed since the last and anything was read
        /// (nil: never by time). Default 10 minutes.
        public var interval: Duration? = .seconds(600)
        /// Write one at a clean shutdown when anything was read since the last. Default true.
        public var onShutdown = true
        /// Largest chunk of the state document, bytes (``SnapshotCodec/defaultChunkSize``).
        public var chunkSize = SnapshotCodec.defaultChunkSize
        public init() {}
    }
    public var snapshots = SnapshotOptions()
    /// Whether rejected messages and snapshots are copied to the dlq (default true); an audit
    /// replay only logs them.
    public var rejectsToDLQ = true
    /// Stop once every partition here has been read up to (excluding) its offset, ignoring
    /// messages at or past it; nil (default) follows live until cancelled.
    public var stopsAt: [KafkaTopicPartition: Int64]?
    /// Start from this snapshot instead of looking for one (``SnapshotOptions/load`` is then
    /// ignored): `almanac audit snapshot` rolls a given snapshot forward.
    public var startsFrom: (snapshot: ProjectionSnapshot, manifest: SnapshotManifest)?

    /// The short names of the folded topics (`config`, `control`, …), the projection's name parts.
    public var foldedTopicNames: [String] {
        ["config", "control"] + (foldsTicks ? ["ticks"] : []) + (foldsExecutions ? ["executions"] : [])
    }

    /// The topics the projector folds, in this order: config, control, then ticks and executions
    /// as ``foldsTicks`` and ``foldsExecutions`` say.
    public var foldedTopics: [String] {
        [topics.config, topics.control] + (foldsTicks ? [topics.ticks] : []) + (foldsExecutions ? [topics.executions] : [])
    }

    /// The partitions the projector folds.
    public var partitions: [KafkaTopicPartition] {
        get async throws {
            let counts = try await offsets.describeTopics()
            return foldedTopics.flatMap { topic in
                (0..<(counts[topic] ?? 0)).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
            }
        }
    }

    /// High watermarks of the partitions that decide a tick (config and control), for
    /// ``ProjectionStore/waitUntilCaughtUp(to:)``.
    public func controlHighWatermarks() async throws -> [KafkaTopicPartition: Int64] {
        let partitions = try await self.partitions.filter { $0.topic == topics.config || $0.topic == topics.control || $0.topic == topics.ticks }
        return try await offsets.endOffsets(partitions)
    }

    /// High watermarks of every partition the projector folds (config, control, ticks,
    /// executions): "caught up" for the `http` role's readiness.
    public func allHighWatermarks() async throws -> [KafkaTopicPartition: Int64] {
        try await offsets.endOffsets(try await partitions)
    }

    /// Runs until cancelled or graceful shutdown (or, with ``stopsAt``, until caught up to it).
    /// - Throws: fatal Kafka errors.
    public func run() async throws {
        let partitions = try await self.partitions
        let watermarks = try await consumer.watermarks(partitions)
        var start = Dictionary(uniqueKeysWithValues: partitions.map { ($0, watermarks[$0]?.low ?? 0) })
        let (loaded, nextSequence): (LoadedSnapshot?, Int64) = if let startsFrom {
            (LoadedSnapshot(snapshot: startsFrom.snapshot, manifest: startsFrom.manifest), startsFrom.manifest.sequence + 1)
        } else if snapshots.load {
            await loadSnapshot()
        } else {
            (nil, 1)
        }
        if let loaded {
            store.restore(loaded.snapshot, messagesRead: loaded.messagesRead)
            for position in loaded.snapshot.positions {
                let tp = KafkaTopicPartition(topic: position.topic, partition: position.partition)
                if start[tp] != nil { start[tp] = max(start[tp]!, position.offset) }
            }
        }
        for (tp, marks) in watermarks {
            store.setPosition(tp, atLeast: marks.low)
            if marks.low > 0, start[tp] == marks.low, loaded == nil, tp.topic != topics.executions {
                logger.warning("\(tp) has lost its head: offsets before \(marks.low) are gone (retention or the embedded broker's size limit); the projection misses them")
            }
        }
        try consumer.assign(startingAt: start)
        let behind = partitions.reduce(Int64(0)) { $0 + max(0, (watermarks[$1]?.high ?? 0) - (start[$1] ?? 0)) }
        if let loaded {
            logger.notice("projector reading \(partitions.count) partitions from snapshot \(loaded.manifest.key) #\(loaded.manifest.sequence) (events up to \(loaded.snapshot.eventTime.map(RFC3339.utcMilliseconds) ?? "none"), \(loaded.snapshot.state.apps.count) apps): \(behind) messages behind it")
        } else {
            logger.info("projector reading \(partitions.count) partitions from the beginning: \(behind) messages")
        }
        let deferred = DeferredControlEvents()
        let messagesAtStart = store.messagesRead
        await cancelWhenGracefulShutdownOrCancel {
            var writer = SnapshotWriter(sequence: nextSequence, messagesAtLast: messagesAtStart)
            while !Task.isCancelled {
                do {
                    let messages = try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100))
                    for message in messages { await handle(message, deferred: deferred) }
                    await retry(deferred)
                    // Offsets the fold never sees (trimmed or compacted records, transaction
                    // markers) still count as read once the fetch position has passed them.
                    for (tp, position) in consumer.positions() { store.setPosition(tp, atLeast: position) }
                    if let stopsAt, store.isCaughtUp(to: stopsAt) { break }
                    if writer.isDue(messagesRead: store.messagesRead, options: snapshots) { writer = await writeSnapshot(writer) }
                } catch {
                    if Task.isCancelled { break }
                    logger.error("projector poll failed: \(error)")
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            // This task is cancelled by now, and the producer refuses to enqueue for a cancelled
            // task: the shutdown snapshot is written from a task of its own, awaited here.
            if snapshots.onShutdown, snapshots.write, store.messagesRead > writer.messagesAtLast {
                let last = writer
                _ = await Task { await self.writeSnapshot(last) }.value
            }
        }
        await consumer.close()
    }

    /// Re-applies deferred control events whose app's config has now been read.
    private func retry(_ deferred: DeferredControlEvents) async {
        guard !deferred.isEmpty else { return }
        for (message, envelope) in deferred.takeReady(isCaughtUp: store.isCaughtUp(to:)) {
            var outcome = SchedulerState.ApplyOutcome.ignored
            store.apply(eventTime: envelope.time) { outcome = $0.apply(envelope) }
            if case .rejected(let error) = outcome { await reject(message, error) }
        }
        store.setHolds(deferred.holds)
    }

    private func handle(_ message: KafkaConsumerMessage, deferred: DeferredControlEvents) async {
        if let stop = stopsAt?[message.topicPartition], message.offset >= stop { return }
        let envelope: EventEnvelope
        do {
            envelope = try EventCodec.decode(message.value)
        } catch {
            await reject(message, error)
            store.update(after: message) { _ in }
            return
        }
        if let key = message.keyString, key != envelope.subject {
            await reject(message, EventDecodingError(.schemaViolation, "Kafka key \"\(key)\" is not the event's key \"\(envelope.subject)\""))
            store.update(after: message) { _ in }
            return
        }
        if envelope.event.kind.topic != String(message.topic.dropFirst(topics.prefix.count)) {
            await reject(message, EventDecodingError(.wrongTopic, "\(envelope.type) does not belong on \(message.topic)"))
            store.update(after: message) { _ in }
            return
        }
        // Events of a partition keep their order: behind a held event, wait with it.
        if let target = deferred.target(heldOn: message.topicPartition) {
            store.update(after: message) { _ in }
            deferred.add(message, envelope, until: target)
            store.setHolds(deferred.holds)
            return
        }
        var outcome = SchedulerState.ApplyOutcome.ignored
        store.update(after: message, eventTime: envelope.time) { outcome = $0.apply(envelope) }
        guard case .rejected(let error) = outcome else { return }
        // config and control are separate topics, read in parallel: a pause may be read before the
        // configuration of its app although it was written after it. Hold it until config has been
        // read as far as it reaches now; only then is an unknown app really unknown.
        if error.reason == .unknownApp, message.topic == topics.control,
           let configEnds = try? await offsets.endOffsets(try await partitions.filter { $0.topic == topics.config }),
           !store.isCaughtUp(to: configEnds) {
            deferred.add(message, envelope, until: configEnds)
            store.setHolds(deferred.holds)
            return
        }
        await reject(message, error)
    }

    private func reject(_ message: KafkaConsumerMessage, _ error: EventDecodingError) async {
        logger.warning("rejected \(message.topic)[\(message.partition)]@\(message.offset): \(error.reason.rawValue): \(error.detail)")
        guard rejectsToDLQ else { return }
        do {
            try await publisher.reject(message, error, by: "projector", at: clock.now())
        } catch {
            logger.error("could not write to the dlq: \(error)")
        }
    }
}
