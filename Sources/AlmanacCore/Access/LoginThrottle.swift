import Foundation

/// Slows down guessing: counts failed authentications per client address and refuses further
/// attempts from an address for a while once it has failed too often. Pure: the caller passes the
/// time and keeps the value (the `http` role keeps one behind a lock).
///
/// Rule: after ``maxFailures`` failures from one address within ``window`` seconds, every attempt
/// from it is refused until ``window`` seconds after the last counted failure; a success clears the
/// address. At most ``maxTrackedAddresses`` are tracked (the oldest are dropped first), so an
/// attacker rotating addresses cannot grow memory without bound.
///
/// ```swift
/// var throttle = LoginThrottle()
/// if let wait = throttle.retryAfter(address: ip, now: now) { return 429 with Retry-After: wait }
/// ok ? throttle.recordSuccess(address: ip) : throttle.recordFailure(address: ip, now: now)
/// ```
public struct LoginThrottle: Sendable {
    /// Failures allowed within ``window`` before an address is refused.
    public var maxFailures = 10
    /// Seconds a failure counts, and how long a refused address waits after its last failure.
    public var window: TimeInterval = 60
    public var maxTrackedAddresses = 10_000

    private struct Entry {
        var failures: [Date]
    }
    private var entries: [String: Entry] = [:]

    public init() {}

    /// Seconds the address must wait before it may try again, or `nil` when it may try now.
    public mutating func retryAfter(address: String, now: Date) -> TimeInterval? {
        guard var entry = entries[address] else { return nil }
        entry.failures.removeAll { now.timeIntervalSince($0) >= window }
        if entry.failures.isEmpty {
            entries[address] = nil
            return nil
        }
        entries[address] = entry
        guard entry.failures.count >= maxFailures, let last = entry.failures.last else { return nil }
        return max(1, (window - now.timeIntervalSince(last)).rounded(.up))
    }

    public mutating func recordFailure(address: String, now: Date) {
        if entries[address] == nil, entries.count >= maxTrackedAddresses {
            let oldest = entries.min { ($0.value.failures.last ?? .distantPast) < ($1.value.failures.last ?? .distantPast) }
            if let oldest { entries[oldest.key] = nil }
        }
        var entry = entries[address] ?? Entry(failures: [])
        entry.failures.append(now)
        if entry.failures.count > maxFailures { entry.failures.removeFirst(entry.failures.count - maxFailures) }
        entries[address] = entry
    }

    public mutating func recordSuccess(address: String) {
        entries[address] = nil
    }

    /// How many addresses are tracked now.
    public var trackedAddresses: Int { entries.count }
}
