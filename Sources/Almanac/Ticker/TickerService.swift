import AlmanacCore
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// Ticker role: for each minute M, once the projector has read every config and control event
/// published before M's boundary (high watermarks read after the boundary plus ``tickDelay``),
/// writes the triggers and skips that ``TickPlanner`` decides, then `tick.completed(M)`.
///
/// On start it resumes after the last `tick.completed` in the log; minutes missed while down are
/// planned in order with the catch-up rules (DESIGN.md §5). Minutes never go backwards, so a wall
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

    public func run() async throws {
        let leadership = try election.map {
            try TickerLeadership(kafka: $0.kafka, topics: publisher.topics, groupID: $0.groupID, sessionTimeout: $0.sessionTimeout, logger: logger)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let leadership { group.addTask { await leadership.run() } }
            try await cancelWhenGracefulShutdown {
                try await lead(leadership)
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
            var minute = try await firstMinute()
            while !Task.isCancelled && (leadership?.isLeader ?? true) {
                if let lastMinute, minute > lastMinute { return }
                try await clock.sleep(until: minute.addingTimeInterval(tickDelay))
                guard leadership?.isLeader ?? true else { break }
                try await tick(minute)
                minute = minute.addingTimeInterval(60)
            }
        }
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

    /// Plans and writes one minute.
    func tick(_ minute: Date) async throws {
        logger.trace("tick \(RFC3339.minute(minute)): reading watermarks")
        let marks = try await projector.controlHighWatermarks()
        logger.trace("tick \(RFC3339.minute(minute)): waiting for the projector to reach \(marks.values.reduce(0, +)) events")
        await store.waitUntilCaughtUp(to: marks)
        let plan = TickPlanner.plan(state: store.state, minute: minute, now: clock.now(), ticker: tickerID)
        let now = clock.now()
        let events = plan.triggers.map(AlmanacEvent.jobTriggered) + plan.skipped.map(AlmanacEvent.jobSkipped)
        if !events.isEmpty { try await publisher.publish(events, at: now) }
        try await publisher.publish(.tickCompleted(plan.tick), at: now)
        if !plan.triggers.isEmpty || !plan.skipped.isEmpty {
            logger.debug("tick \(RFC3339.minute(minute)): \(plan.triggers.count) triggered, \(plan.skipped.count) skipped")
        }
    }
}
