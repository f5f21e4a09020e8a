import AlmanacCore
import Foundation
import Kafka
import Logging

extension WorkerService {
    /// Makes assigned partitions ready: waits (bounded) until the projection has read `config` to its
    /// end, so overlap decisions see every configured job, rebuilds each partition's idempotency
    /// index from `executions`, admits what was held meanwhile, and resumes fetching of the
    /// partitions that were paused for holding too much meanwhile (``WorkerCoordinatorState/take(_:)``).
    func prepare(_ assignments: AsyncStream<(partitions: [KafkaTopicPartition], epoch: Int)>, _ context: Context) async {
        var announcedReady = false
        for await (partitions, epoch) in assignments where !partitions.isEmpty {
            _ = await context.config.waitForEnd(timeout: options.unknownJobWait)
            let horizon = clock.now().addingTimeInterval(-options.idempotencyHorizonSeconds)
            let starts = options.boundedIdempotencyIndex ? await indexStarts(partitions, context) : [:]
            var delay = 0.2
            var indexes: [Int32: PartitionIndex]?
            while indexes == nil && !Task.isCancelled {
                do {
                    indexes = try await ExecutionsIndex.build(partitions: partitions.map(\.partition), topics: topics, kafka: kafka,
                                                              horizon: horizon, starts: starts, logger: logger)
                } catch {
                    logger.error("could not rebuild the idempotency index of \(partitions.count) partition(s) (retrying): \(error)")
                    try? await Task.sleep(for: .seconds(delay))
                    delay = min(delay * 2, 5)
                }
            }
            guard let indexes else { return }
            for tp in partitions {
                let index = indexes[tp.partition] ?? PartitionIndex()
                // nil: revoked while the index was being built.
                guard let held = context.coordinator.ready(tp, index: index, epoch: epoch) else { continue }
                await accept(held, context)
                if context.coordinator.resumesWhenReady(tp) { context.consumer.resume([tp]) }
                logger.debug("worker ready on \(tp): \(index.count) finished triggers")
            }
            if !announcedReady {
                announcedReady = true
                onReady()
            }
        }
    }

    /// Per assigned `triggers` partition, the event time from which its `executions` partition is
    /// read (``IdempotencyHorizon``): from the CloudEvents `time` of the first trigger at or after
    /// the group's committed offset (the low watermark when none is committed; now when the
    /// partition is read to its end), less the longest run of any job the projection knows, with
    /// its retries and backoffs, and ``Options/idempotencyGraceSeconds``. A partition whose first
    /// trigger is not a valid event, or any Kafka failure, leaves partitions out: they are read
    /// from the low watermark, as before.
    func indexStarts(_ partitions: [KafkaTopicPartition], _ context: Context) async -> [Int32: Date] {
        do {
            let committed = try await context.consumer.committed(partitions)
            let low = try await context.config.admin.startOffsets(partitions)
            let ends = try await context.config.admin.endOffsets(partitions)
            var asked: [KafkaTopicPartition: (offset: Int64, end: Int64)] = [:]
            for tp in partitions {
                let first = low[tp] ?? 0
                let offset = committed[tp] ?? -1
                asked[tp] = (offset >= first ? offset : first, ends[tp] ?? 0)
            }
            var configuration = KafkaConsumerConfiguration(client: kafka)
            configuration.client.clientID = "almanac-worker-seek"
            let firsts = try await KafkaRecordProbe.first(atOrAfter: asked, configuration: configuration, logger: logger)
            let jobs = store.state.apps.values.flatMap { app in app.jobs.values.map { (timeoutSeconds: $0.config.timeoutSeconds, retries: $0.config.retries) } }
            let longest = AuditWindow.lookahead(jobs: jobs, retryBackoffSeconds: options.retryBackoffSeconds)
            let now = clock.now()
            var starts: [Int32: Date] = [:]
            for tp in partitions {
                let oldest: Date
                if let record = firsts[tp] ?? nil {
                    guard let time = try? EventCodec.decode(record.value).time else { continue }
                    oldest = time
                } else {
                    oldest = now
                }
                starts[tp.partition] = IdempotencyHorizon.start(oldestTrigger: oldest, now: now, longestRun: longest,
                                                                grace: options.idempotencyGraceSeconds, maxAge: options.idempotencyHorizonSeconds)
            }
            return starts
        } catch {
            logger.info("reading executions from the low watermark: could not find where the idempotency horizon starts: \(error)")
            return [:]
        }
    }

    /// Hands revoked partitions over, inside the rebalance (which waits for it):
    /// 1. stop admitting and starting their triggers (queued ones are left to the next owner);
    /// 2. give their runs ``Options/handoffGrace`` to finish;
    /// 3. stop the rest, which will never be recorded here (the next owner runs them again);
    /// 4. wait for writes in progress (recordings, skips, recoveries) so that the next owner's
    ///    index sees them;
    /// 5. commit the partitions' finished offsets and forget them.
    func handOff(_ partitions: Set<KafkaTopicPartition>, _ context: Context) async {
        let coordinator = context.coordinator
        coordinator.beginRevoke(partitions)
        let graceEnd = ContinuousClock.now + options.handoffGrace
        while coordinator.revokeProgress(partitions).running > 0 && ContinuousClock.now < graceEnd {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let stopped = coordinator.abandonRuns(partitions)
        if stopped > 0 {
            logger.info("hand-off of \(partitions.count) partition(s): stopped \(stopped) run(s); their next owner runs them again")
        }
        let writesEnd = ContinuousClock.now + .seconds(30)
        while coordinator.revokeProgress(partitions).writing > 0 && ContinuousClock.now < writesEnd {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let offsets = coordinator.drop(partitions)
        do {
            try await context.consumer.commit(offsets)
        } catch {
            logger.info("commit at hand-off failed (the next owner re-reads those triggers): \(error)")
        }
    }
}

/// Knows when the projection has read the `config` topic up to its current end, so a trigger of a
/// job the projection does not know is judged against every app configured before it.
struct ConfigCatchUp: Sendable {
    let admin: KafkaAdmin
    let topics: AlmanacTopics
    let store: ProjectionStore

    init(kafka: KafkaConfiguration, topics: AlmanacTopics, store: ProjectionStore, logger: Logger) throws {
        admin = try KafkaAdmin(configuration: kafka, logger: logger)
        self.topics = topics
        self.store = store
    }

    /// Waits until the projection has read `config` up to the end it has now.
    /// - Returns: false if that took longer than `timeout` or the offsets could not be read.
    func waitForEnd(timeout: Duration) async -> Bool {
        guard let count = try? await admin.describeTopics()[topics.config], count > 0,
              let ends = try? await admin.endOffsets((0..<count).map { KafkaTopicPartition(topic: topics.config, partition: Int32($0)) })
        else { return false }
        let store = self.store
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await store.waitUntilCaughtUp(to: ends)
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
