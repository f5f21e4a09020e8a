import AlmanacCore
import Foundation

/// One human-readable line per event, as `almanac dev` prints them and `almanac tail` shows them:
/// `2026-03-02 08:00  trigger   acme/clinic/send  for 08:00 (scheduled)`. Times are wall time
/// in `zone` (minutes), the event's own `time` first.
public struct EventLine: Sendable {
    public var zone: TimeZone
    /// Clock seconds per real second of the log's writer (`almanac dev --speed`; 1 for real time).
    /// Above or below 1, a run's duration (clock time, from its events) is labelled "simulated"
    /// and followed by the real time it took.
    public var clockSpeed: Double

    public init(zone: TimeZone, clockSpeed: Double = 1) {
        self.zone = zone
        self.clockSpeed = clockSpeed
    }

    /// The line of `envelope`; every event type has one.
    public func text(_ envelope: EventEnvelope) -> String {
        let at = RFC3339.local(envelope.time, zone: zone).prefix(16).replacingOccurrences(of: "T", with: " ")
        return "\(at)  \(body(envelope.event))"
    }

    private func local(_ date: Date) -> String {
        String(RFC3339.local(date, zone: zone).dropFirst(11).prefix(5))
    }

    /// `1530 ms`, or under a scaled clock `68167 ms simulated (568 ms real)`.
    private func duration(_ milliseconds: Int64) -> String {
        guard clockSpeed != 1, clockSpeed > 0 else { return "\(milliseconds) ms" }
        return "\(milliseconds) ms simulated (\(Int64((Double(milliseconds) / clockSpeed).rounded())) ms real)"
    }

    private func body(_ event: AlmanacEvent) -> String {
        switch event {
        case .jobTriggered(let e):
            return "trigger   \(e.job)  for \(local(e.scheduledFor)) (\(e.source.rawValue)\(e.attempt > 1 ? ", attempt \(e.attempt)" : ""))"
        case .jobStarted(let e):
            return "started   \(e.job)  on \(e.worker) (attempt \(e.attempt))"
        case .jobCompleted(let e):
            return "\(e.status == .succeeded ? "done     " : "FAILED   ") \(e.job)  \(duration(e.durationMilliseconds))\(e.error.map { "  \($0)" } ?? "")"
        case .jobSkipped(let e):
            return "skipped   \(e.job)  for \(local(e.scheduledFor)) (\(e.reason.rawValue))"
        case .creditsCharged(let e):
            return "charge    \(e.account)  \(e.total) credits  (\(e.app)/\(e.job), \(e.lineItems.map(\.item).joined(separator: "+")))"
        case .schedulePaused(let e):
            return "paused    \(e.app)\(e.job.map { "/\($0)" } ?? "")\(e.reason.map { "  \"\($0)\"" } ?? "")"
        case .scheduleResumed(let e):
            return "resumed   \(e.app)\(e.job.map { "/\($0)" } ?? "")"
        case .appConfigured(let e):
            return "config    \(e.config.app) (\(e.config.jobs.count) jobs, \(e.config.timeZone))"
        case .appRemoved(let e):
            return "removed   \(e.app)"
        case .tickCompleted(let e):
            return "tick      \(local(e.minute))  \(e.triggered) triggered, \(e.skipped) skipped (\(e.ticker))"
        case .eventRejected(let e):
            return "REJECTED  \(e.topic)[\(e.partition)]@\(e.offset): \(e.reason.rawValue): \(e.detail)"
        }
    }
}
