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
        // Know the last completed tick before planning anything.
        await store.waitUntilCaughtUp(to: try await projector.controlHighWatermarks())
        var minute: Date
        if let last = store.state.lastTick {
            minute = last.addingTimeInterval(60)
            logger.info("ticker resuming after \(RFC3339.utcMilliseconds(last))")
        } else {
            let now = startMinute ?? clock.now()
            let floor = TickPlanner.minute(containing: now)
            minute = floor == now ? floor : floor.addingTimeInterval(60)
            if let startMinute { minute = TickPlanner.minute(containing: startMinute) }
            logger.info("ticker starting at \(RFC3339.utcMilliseconds(minute))")
        }
        let first = minute
        try await cancelWhenGracefulShutdown {
            var minute = first
            while !Task.isCancelled {
                if let lastMinute, minute > lastMinute { break }
                try await clock.sleep(until: minute.addingTimeInterval(tickDelay))
                try await tick(minute)
                minute = minute.addingTimeInterval(60)
            }
        }
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
