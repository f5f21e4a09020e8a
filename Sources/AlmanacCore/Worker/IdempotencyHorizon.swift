import Foundation

/// From when a worker taking a `triggers` partition must know the completions in its
/// co-partitioned `executions` partition (docs/design.md §5, "a worker never starts a trigger whose
/// `job.completed` exists"). Pure.
///
/// The worker is handed the partition's triggers from its committed offset on. A completion of
/// one of them is written after that trigger was, so it is at least as recent as the oldest
/// trigger at or after the committed offset — less the margin for events stamped late
/// (``AuditWindow/defaultMargin``, which the reader adds). The rule keeps more than that: the
/// longest run with its retries (``AuditWindow/lookahead(jobs:retryBackoffSeconds:)``) and a
/// grace before it, for triggers written late (a catch-up, a retry's `notBefore`), and never
/// reaches further back than `maxAge` (the fixed idempotency horizon, above the triggers topic's
/// retention).
///
/// ```swift
/// let from = IdempotencyHorizon.start(oldestTrigger: t, now: clock.now(), longestRun: 665, grace: 300, maxAge: 15 * 86_400)
/// ```
public enum IdempotencyHorizon {
    /// The event time from which `executions` is read.
    /// - Parameters:
    ///   - oldestTrigger: the CloudEvents `time` of the first trigger at or after the committed
    ///     offset; `now` when there is none (every trigger to come is written from now on).
    ///   - longestRun: seconds, the longest run with its retries and backoffs.
    ///   - grace: seconds kept before that.
    ///   - maxAge: seconds; the start is never older than `now - maxAge`.
    public static func start(oldestTrigger: Date, now: Date, longestRun: TimeInterval, grace: TimeInterval, maxAge: TimeInterval) -> Date {
        max(now.addingTimeInterval(-maxAge), min(oldestTrigger, now).addingTimeInterval(-(longestRun + grace)))
    }
}
