import Foundation

/// Which part of each topic a time-bounded audit reads (`audit runs`, `audit verify --from --to`,
/// `billing report`): event-time bounds per topic, from the window asked for, a margin for late
/// events and a lookahead for runs that finish after the window. Pure; the reader turns each bound
/// into an offset with ``OffsetBisection`` (thresholds ``startThreshold(_:)`` / ``endThreshold(_:)``).
///
/// Times are the events' CloudEvents `time` (UTC), never Kafka record timestamps: under a
/// simulated clock the two differ, so a broker's ListOffsets-by-timestamp answer is only a hint.
///
/// What is read, per topic (docs/audit.md "Windows"):
/// - `config`, `control`, `ticks`: whole (small, kept forever; the state at the window's start and
///   the ticker's last sign of life before a missed slot come from them). ``AuditStartState`` is
///   the one place that reads them, so it can later load a snapshot instead.
/// - `executions`, `charges`: events with `time` in `[from, to + lookahead)`.
/// - `triggers`: events with `time` in `[from − lookahead, to + lookahead)`: a run's trigger is
///   written at or after its `scheduledFor`, and its retries within the lookahead after it; the
///   lookback finds the trigger of a queued run that started in the window.
///
/// The margin: an event is assumed never more than ``margin`` older than an event written before
/// it in the same partition (clock skew between the processes that write a partition plus the
/// time an event waits between being stamped and being appended, bounded by the producers'
/// `delivery.timeout.ms`, 30 s). Each bound is widened by it on both sides (see
/// ``OffsetBisection``), so the reader reads up to one margin more than the window at each end.
///
/// The lookahead (``lookahead(longestRun:)``): the longest a run due in the window can take to
/// finish and be charged: every attempt's timeout, kill grace and a minute's slack, plus the
/// retry backoffs. A run that finishes later than that is reported as not finished by a window
/// audit; `--whole-log` reads everything.
public struct AuditWindow: Sendable, Hashable {
    /// The window, `[from, to)` (UTC).
    public var from: Date
    public var to: Date
    /// Seconds an event may be older than one written before it in its partition. Default 120.
    public var margin: TimeInterval
    /// Seconds after the window during which a run due in it may still finish and be charged.
    public var lookahead: TimeInterval

    /// Default ``margin``: four times the producers' delivery timeout (30 s), for clock skew.
    public static let defaultMargin: TimeInterval = 120

    public init(from: Date, to: Date, margin: TimeInterval = AuditWindow.defaultMargin, lookahead: TimeInterval) {
        self.from = from
        self.to = to
        self.margin = margin
        self.lookahead = lookahead
    }

    /// The topics of a window read, by what is read of them.
    public enum TopicRole: Sendable, Hashable {
        /// Read from the beginning to the end (config, control, ticks).
        case whole
        /// Events of `[from − lookahead, to + lookahead)` (triggers).
        case triggers
        /// Events of `[from, to + lookahead)` (executions, charges).
        case outcomes
    }

    /// The event-time range a topic's read must cover, or nil for the whole topic.
    public func range(_ role: TopicRole) -> Range<Date>? {
        switch role {
        case .whole: return nil
        case .triggers: return from.addingTimeInterval(-lookahead)..<to.addingTimeInterval(lookahead)
        case .outcomes: return from..<to.addingTimeInterval(lookahead)
        }
    }

    /// θ for the start offset: every event before the offset found is older than `range.lowerBound`.
    public func startThreshold(_ range: Range<Date>) -> Date { range.lowerBound.addingTimeInterval(-margin) }
    /// θ for the end offset: every event from the offset found on is at least `range.upperBound` old.
    public func endThreshold(_ range: Range<Date>) -> Date { range.upperBound.addingTimeInterval(margin) }

    /// The lookahead for jobs of the given timeouts and retries (seconds): per job, every
    /// attempt's `timeoutSeconds` + 5 s kill grace + 60 s slack (``AuditReconciler/slackSeconds``
    /// is 65 s in all), plus the backoff before each retry (base × 2^(n−1), +20 % jitter); the
    /// longest job's. At least ``minimumLookahead``.
    /// - Parameter retryBackoffSeconds: the workers' backoff base (default 10 s, `WorkerService`).
    public static func lookahead(jobs: some Sequence<(timeoutSeconds: Int, retries: Int)>, retryBackoffSeconds: Double = 10) -> TimeInterval {
        var longest = minimumLookahead
        for job in jobs {
            let attempts = Double(max(0, job.retries) + 1)
            var backoff = 0.0
            for n in 0..<max(0, job.retries) { backoff += retryBackoffSeconds * pow(2, Double(n)) * 1.2 }
            longest = max(longest, attempts * (Double(job.timeoutSeconds) + AuditReconciler.slackSeconds) + backoff)
        }
        return longest
    }

    /// The shortest lookahead: a completion is uncharged after 60 s (``AuditReconciler``).
    public static let minimumLookahead: TimeInterval = 120

    /// ``lookahead(jobs:retryBackoffSeconds:)`` for every job any config event in `changes`
    /// configured (an edit's old timeout counts too).
    public static func lookahead(changes: [AuditLog.Change], retryBackoffSeconds: Double = 10) -> TimeInterval {
        var jobs: [(timeoutSeconds: Int, retries: Int)] = []
        for change in changes {
            guard case .appConfigured(let e) = change.envelope.event else { continue }
            for job in e.config.jobs { jobs.append((job.timeoutSeconds, job.retries)) }
        }
        return lookahead(jobs: jobs, retryBackoffSeconds: retryBackoffSeconds)
    }
}
