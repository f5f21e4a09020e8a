import Foundation

/// The time source every role reads. Production uses ``SystemWallClock``; `almanac dev --start
/// --speed` uses ``ScaledWallClock`` so hours of schedule pass in minutes.
public protocol WallClock: Sendable {
    /// Current instant (UTC).
    func now() -> Date
    /// Suspends until `instant` on this clock (returns at once if it has passed).
    /// - Throws: `CancellationError` when the task is cancelled.
    func sleep(until instant: Date) async throws
    /// Real seconds per clock second (1 for the system clock).
    var realSecondsPerSecond: Double { get }
}

extension WallClock {
    /// Sleeps for `seconds` of this clock's time.
    public func sleep(seconds: Double) async throws {
        try await sleep(until: now().addingTimeInterval(seconds))
    }
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
    public var realSecondsPerSecond: Double { 1 }
    public func sleep(until instant: Date) async throws {
        let delay = instant.timeIntervalSinceNow
        if delay > 0 { try await Task.sleep(for: .milliseconds(Int64(delay * 1000) + 1)) }
    }
}

/// Simulated time: starts at `start` when created (or at `realAnchor`) and runs `speed` times faster
/// than real time. Every process given the same anchor, start and speed reads the same time, which
/// is how `almanac pause` stamps control events during `almanac dev` (`.almanac/dev.json`).
public struct ScaledWallClock: WallClock {
    public let start: Date
    public let speed: Double
    public let realAnchor: Date

    public init(start: Date, speed: Double, realAnchor: Date = Date()) {
        self.start = start
        self.speed = max(speed, 0.001)
        self.realAnchor = realAnchor
    }

    public func now() -> Date {
        start.addingTimeInterval(Date().timeIntervalSince(realAnchor) * speed)
    }

    public var realSecondsPerSecond: Double { 1 / speed }

    public func sleep(until instant: Date) async throws {
        let realDelay = instant.timeIntervalSince(now()) / speed
        if realDelay > 0 { try await Task.sleep(for: .milliseconds(Int64(realDelay * 1000) + 1)) }
    }
}
