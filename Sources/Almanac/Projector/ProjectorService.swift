import AlmanacCore
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// Projector role: reads config, control, ticks and executions from offset 0 (assign, no group)
/// and folds them into the ``ProjectionStore``; follows live until cancelled.
///
/// Bad messages (undecodable, or not applicable such as a pause for an unknown app) are copied to
/// the dlq as `event.rejected`; everything else keeps flowing.
public struct ProjectorService: Service {
    public let store: ProjectionStore
    let consumer: KafkaConsumer
    /// Separate handle for offset queries, so they never queue behind the fold's fetches.
    let offsets: KafkaAdmin
    let publisher: EventPublisher
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

    /// Runs until cancelled or graceful shutdown.
    /// - Throws: fatal Kafka errors.
    public func run() async throws {
        let partitions = try await self.partitions
        let watermarks = try await consumer.watermarks(partitions)
        for (tp, marks) in watermarks {
            store.setPosition(tp, atLeast: marks.low)
            if marks.low > 0 && tp.topic != topics.executions {
                logger.warning("\(tp) has lost its head: offsets before \(marks.low) are gone (retention or the embedded broker's size limit); the projection misses them")
            }
        }
        try consumer.assign(startingAt: Dictionary(uniqueKeysWithValues: partitions.map { ($0, watermarks[$0]?.low ?? 0) }))
        logger.info("projector reading \(partitions.count) partitions from the beginning")
        let deferred = DeferredControlEvents()
        await cancelWhenGracefulShutdownOrCancel {
            while !Task.isCancelled {
                do {
                    let messages = try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100))
                    for message in messages { await handle(message, deferred: deferred) }
                    await retry(deferred)
                    // Offsets the fold never sees (trimmed or compacted records, transaction
                    // markers) still count as read once the fetch position has passed them.
                    for (tp, position) in consumer.positions() { store.setPosition(tp, atLeast: position) }
                } catch {
                    if Task.isCancelled { break }
                    logger.error("projector poll failed: \(error)")
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        }
        await consumer.close()
    }

    /// Re-applies deferred control events whose app's config has now been read.
    private func retry(_ deferred: DeferredControlEvents) async {
        guard !deferred.isEmpty else { return }
        for (message, envelope) in deferred.takeReady(isCaughtUp: store.isCaughtUp(to:)) {
            var outcome = SchedulerState.ApplyOutcome.ignored
            store.apply { outcome = $0.apply(envelope) }
            if case .rejected(let error) = outcome { await reject(message, error) }
        }
        store.setHolds(deferred.holds)
    }

    private func handle(_ message: KafkaConsumerMessage, deferred: DeferredControlEvents) async {
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
        store.update(after: message) { outcome = $0.apply(envelope) }
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
        do {
            try await publisher.reject(message, error, by: "projector", at: clock.now())
        } catch {
            logger.error("could not write to the dlq: \(error)")
        }
    }
}
