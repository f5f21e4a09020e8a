import Foundation
import Synchronization

/// A simulated clock that stands still at `start` until ``begin(at:)`` is called, then runs
/// `speed` times faster than real time. `almanac dev` begins it once every role is ready (the
/// worker's first partition assignment takes seconds), so no simulated minutes pass unserved.
public final class DeferredStartClock: WallClock, Sendable {
    public let start: Date
    public let speed: Double
    private let anchor = Mutex<(real: Date?, waiters: [CheckedContinuation<Void, Never>])>((nil, []))

    public init(start: Date, speed: Double) {
        self.start = start
        self.speed = max(speed, 0.001)
    }

    /// Starts the clock; idempotent (the first call wins).
    public func begin(at real: Date = Date()) {
        let waiters = anchor.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.real == nil else { return [] }
            state.real = real
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The running clock, once begun.
    public var scaled: ScaledWallClock? {
        anchor.withLock { $0.real }.map { ScaledWallClock(start: start, speed: speed, realAnchor: $0) }
    }

    public func now() -> Date { scaled?.now() ?? start }

    public var realSecondsPerSecond: Double { 1 / speed }

    public func sleep(until instant: Date) async throws {
        await withCheckedContinuation { continuation in
            let begun = anchor.withLock { state in
                if state.real == nil { state.waiters.append(continuation) }
                return state.real != nil
            }
            if begun { continuation.resume() }
        }
        try await scaled!.sleep(until: instant)
    }
}
