import AlmanacCore
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// Ticker role: for each minute M, once the projector has read every config and control event
/// published before M's boundary (high watermarks read after the boundary plus ``tickDelay``),
/// writes the triggers and skips that ``TickPlanner`` decides, then `tick.completed(M)` — in one
/// Kafka transaction when ``transactions`` allows and the cluster supports it.
///
/// On start it resumes after the last `tick.completed` in the log; minutes missed while down are
/// planned in order with the catch-up rules (docs/design.md §5). Minutes never go backwards, so a wall
/// clock that jumps back does not re-fire ticked minutes.
public struct TickerService: Service {
    let store: ProjectionStore
    let projector: ProjectorService
    let publisher: EventPublisher
    let clock: any WallClock
    let logger: Logger
    /// Clock time waited after each minute boundary before reading watermarks, so that control
    /// events stamped just before the boundary are in the log. Default 1 s.
    public var tickDelay: Double
    /// Identity written into `tick.completed` (`host:pid`).
    public var tickerID: String
    /// Where a ticker with no previous tick starts (defaults to the current minute).
    public var startMinute: Date?
    /// Stops after this minute (used by `almanac dev --run-for`); `nil` runs forever.
    public var lastMinute: Date?
    /// Leader election settings; `nil` ticks unconditionally (a single ticker).
    public var election: Election?
    /// Transactions for each batch of minutes; `nil` writes without (as `.never`).
    public var transactions: TickerTransactions?

    /// Consumer-group leader election on the `ticks` topic.
    public struct Election: Sendable {
        public var kafka: KafkaConfiguration
        /// Default `almanac-ticker`. A ticker in another group ticks independently (issue 11, test 6).
        public var groupID: String
        /// A killed leader is replaced about this long (plus a rebalance) after it died. Default 6 s.
        public var sessionTimeout: Duration
        public init(kafka: KafkaConfiguration, groupID: String = "almanac-ticker", sessionTimeout: Duration = .seconds(6)) {
            self.kafka = kafka
            self.groupID = groupID
            self.sessionTimeout = sessionTimeout
        }
    }

    public init(store: ProjectionStore, projector: ProjectorService, publisher: EventPublisher, clock: any WallClock,
                logger: Logger, tickDelay: Double = 1, tickerID: String = ProcessInfo.processInfo.hostName + ":\(getpid())") {
        self.store = store
        self.projector = projector
        self.publisher = publisher
        self.clock = clock
        self.logger = logger
        self.tickDelay = tickDelay
        self.tickerID = tickerID
    }

    /// The tick delay for a clock running `speed` times real time: at least 0.3 s of real time
    /// (so control events stamped just before a boundary are in the log when it is read), at
    /// least 1 s and at most 30 s of clock time (so a fast simulation is not planned late).
    public static func tickDelay(speed: Double) -> Double {
        min(30, max(1, 0.3 * speed))
    }

    public func run() async throws {
        let leadership = try election.map {
            try TickerLeadership(kafka: $0.kafka, topics: publisher.topics, groupID: $0.groupID, sessionTimeout: $0.sessionTimeout, logger: logger)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let leadership { group.addTask { await leadership.run() } }
            do {
                try await cancelWhenGracefulShutdown {
                    try await lead(leadership)
                }
            } catch is CancellationError where Task.isShuttingDownGracefully {
                // Graceful shutdown: stop between minutes; the next leader resumes after the last tick.
            }
            group.cancelAll()
        }
    }

    /// Ticks while this ticker leads; waits for leadership again when it is lost.
    private func lead(_ leadership: TickerLeadership?) async throws {
        while !Task.isCancelled {
            if let leadership {
                await leadership.waitForLeadership()
                if Task.isCancelled { return }
            }
            let writer = try await TickWriter.open(transactions, publisher: publisher, logger: logger)
            do {
                let finished = try await term(leadership, writer: writer)
                await writer.close()
                if finished { return }
            } catch {
                await writer.close()
                throw error
            }
        }
    }

    /// One leadership term: from the minute after the last `tick.completed` until leadership is
    /// lost, the task is cancelled or `lastMinute` is passed.
    /// - Returns: true when `lastMinute` was passed (the ticker is done).
    private func term(_ leadership: TickerLeadership?, writer: TickWriter) async throws -> Bool {
        var minute = try await firstMinute()
        var due = DueJobs(afterMinute: minute.addingTimeInterval(-60))
        // Minutes missed while no ticker ran are judged against the catch-up window as of the
        // moment this ticker took over, however long replaying them takes.
        let resumedAt = clock.now()
        while !Task.isCancelled && (leadership?.isLeader ?? true) {
            if let lastMinute, minute > lastMinute { return true }
            let now = clock.now()
            let behind = pastMinutes(from: minute, now: now)
            if behind.count > 1 {
                // Catching up (after downtime, or a simulation running ahead): many minutes per
                // round trip, each still judged by the catch-up rules.
                try await tick(behind, due: &due, writer: writer,
                               judgedAt: { $0.addingTimeInterval(60 + tickDelay) < resumedAt ? resumedAt : now })
                minute = behind.last!.addingTimeInterval(60)
                continue
            }
            try await clock.sleep(until: minute.addingTimeInterval(tickDelay))
            guard leadership?.isLeader ?? true else { break }
            try await tick([minute], due: &due, writer: writer, judgedAt: { _ in clock.now() })
            minute = minute.addingTimeInterval(60)
        }
        return false
    }

    /// Up to 60 consecutive minutes from `first` whose tick time has already passed.
    private func pastMinutes(from first: Date, now: Date) -> [Date] {
        var result: [Date] = []
        var minute = first
        while result.count < 60, minute.addingTimeInterval(tickDelay) <= now, lastMinute.map({ minute <= $0 }) ?? true {
            result.append(minute)
            minute = minute.addingTimeInterval(60)
        }
        return result
    }

    /// The minute after the last `tick.completed` in the log, or the start minute of a new cluster.
    /// Minutes only move forward: a wall clock that jumps back does not re-fire ticked minutes.
    private func firstMinute() async throws -> Date {
        await store.waitUntilCaughtUp(to: try await projector.controlHighWatermarks())
        if let last = store.state.lastTick {
            logger.info("ticker resuming after \(RFC3339.utcMilliseconds(last))")
            return last.addingTimeInterval(60)
        }
        let minute: Date
        if let startMinute {
            minute = TickPlanner.minute(containing: startMinute)
        } else {
            let now = clock.now()
            let floor = TickPlanner.minute(containing: now)
            minute = floor == now ? floor : floor.addingTimeInterval(60)
        }
        logger.info("ticker starting at \(RFC3339.utcMilliseconds(minute))")
        return minute
    }

    /// Plans and writes consecutive minutes: their triggers and skips first, then (once those are
    /// acknowledged) their `tick.completed` markers, so a crash never leaves a completed tick whose
    /// triggers are missing; in one transaction when the term's writer has one (``TickWriter``).
    /// - Parameter judgedAt: the instant each minute's lateness is measured from.
    func tick(_ minutes: [Date], due: inout DueJobs, writer: TickWriter, judgedAt: (Date) -> Date) async throws {
        guard let first = minutes.first else { return }
        logger.trace("tick \(RFC3339.minute(first)) (+\(minutes.count - 1)): reading watermarks")
        let marks = try await projector.controlHighWatermarks()
        await store.waitUntilCaughtUp(to: marks)
        let state = store.state
        due.sync(with: state)
        var plans: [TickPlan] = []
        for minute in minutes {
            plans.append(TickPlanner.plan(state: state, dueJobs: due.pop(minute: minute), minute: minute, now: judgedAt(minute), ticker: tickerID))
        }
        let now = clock.now()
        let events = plans.flatMap { $0.triggers.map(AlmanacEvent.jobTriggered) + $0.skipped.map(AlmanacEvent.jobSkipped) }
        let ticks = plans.map { AlmanacEvent.tickCompleted($0.tick) }
        // Once the first trigger is written the minutes must be completed: a graceful shutdown
        // arriving mid-write would leave triggers without their tick, and the next leader would
        // judge those minutes again (later, so perhaps `missed` the second time). An unstructured
        // task does not inherit this task's cancellation; errors (broker down) still propagate.
        var failures = 0
        while true {
            do {
                try await Task {
                    try await writer.write(events: events, ticks: ticks, at: now)
                }.value
                break
            } catch let error as KafkaError where !error.isFatal && failures < 5 {
                // An aborted transaction or a failed delivery: write the same plans again (the
                // same deterministic ids, so whatever was stored the first time is deduplicated).
                failures += 1
                logger.warning("writing \(RFC3339.minute(first)) failed (\(error)); writing it again (\(failures)/5)")
                try await Task.sleep(for: .seconds(1))
            }
        }
        AlmanacMetrics.ticked(plans)
        logger.debug("ticked \(RFC3339.minute(first))\(minutes.count > 1 ? " … \(RFC3339.minute(minutes.last!))" : ""): \(plans.reduce(0) { $0 + $1.triggers.count }) triggered, \(plans.reduce(0) { $0 + $1.skipped.count }) skipped")
    }
}
