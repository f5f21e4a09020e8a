import Foundation

/// What became of one run the schedules called for (or one manual or follow-up run), as the log
/// tells it.
public enum AuditOutcome: Hashable, Sendable {
    /// The last attempt ended this way (`job.completed` status).
    case succeeded, failed, timedOut
    /// `job.skipped(paused)`: the pause in force at the fire time (by event time), if the control
    /// history has it; else the skip's own detail.
    case skippedPaused(actor: String?, since: Date?, reason: String?)
    /// `job.skipped(overlap)`: the previous run was still going (overlap policy `skip`).
    case skippedOverlap
    /// `job.skipped(missed)`: the ticker wrote no tick between `downFrom` (its last tick before the
    /// fire time; nil if it had never ticked) and `downTo` (when it came back and judged the slot).
    case skippedMissed(downFrom: Date?, downTo: Date)
    /// `job.skipped(removed)`: the worker found the job no longer configured.
    case skippedRemoved
    /// Due by the schedule in force, ticked past, and neither triggered nor skipped: a finding.
    case neverTriggered
    /// Due after the newest `tick.completed`: the ticker has not got there (yet).
    case notTickedYet
    /// Due before the first minute the ticker ever ticked (it started later): not a finding.
    case beforeFirstTick
    /// Triggered, no completion yet, and its timeout has not passed by the end of the log.
    case running
    /// Triggered and no completion although its timeout passed: a finding.
    case noCompletion

    /// Stable machine code (`--json`): `succeeded`, `failed`, `timed_out`, `skipped_paused`,
    /// `skipped_overlap`, `skipped_missed`, `skipped_removed`, `never_triggered`, `not_ticked_yet`,
    /// `before_first_tick`,
    /// `running`, `no_completion`.
    public var code: String {
        switch self {
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .timedOut: "timed_out"
        case .skippedPaused: "skipped_paused"
        case .skippedOverlap: "skipped_overlap"
        case .skippedMissed: "skipped_missed"
        case .skippedRemoved: "skipped_removed"
        case .neverTriggered: "never_triggered"
        case .notTickedYet: "not_ticked_yet"
        case .beforeFirstTick: "before_first_tick"
        case .running: "running"
        case .noCompletion: "no_completion"
        }
    }

    /// The sentence of `almanac audit runs`, times in `zone` with their offset:
    /// `skipped: paused by cli:alice at 2026-03-02T10:07:30-05:00 ("maintenance")`,
    /// `skipped: missed (ticker down from 2026-03-02T10:05:01-05:00 to 2026-03-02T10:45:10-05:00)`.
    public func text(zone: TimeZone) -> String {
        func at(_ date: Date) -> String { RFC3339.local(date, zone: zone) }
        switch self {
        case .succeeded: return "succeeded"
        case .failed: return "failed"
        case .timedOut: return "timed out"
        case .skippedPaused(let actor, let since, let reason):
            var text = "skipped: paused by \(actor ?? "unknown")"
            if let since { text += " at \(at(since))" }
            if let reason, !reason.isEmpty { text += " (\"\(reason)\")" }
            return text
        case .skippedOverlap: return "skipped: overlap"
        case .skippedMissed(let from, let to):
            return "skipped: missed (ticker down from \(from.map(at) ?? "its start") to \(at(to)))"
        case .skippedRemoved: return "skipped: removed"
        case .neverTriggered: return "never triggered"
        case .notTickedYet: return "not ticked yet"
        case .beforeFirstTick: return "not ticked (before the ticker's first minute)"
        case .running: return "running"
        case .noCompletion: return "no completion"
        }
    }
}

/// One line of `almanac audit runs`: a fire time of a job (or a manual or follow-up run), with
/// its retries folded in.
public struct AuditRow: Hashable, Sendable {
    public var job: JobKey
    /// The run's first trigger id (retries are `<id>~<attempt>`).
    public var triggerId: TriggerID
    /// The fire time (UTC minute); for manual and follow-up runs, when they were asked for.
    public var scheduledFor: Date
    public var source: TriggerSource
    /// Whether the schedule in force called for this fire time (false for manual and follow-up
    /// runs, and for a scheduled trigger the audit's reading of the schedule does not predict).
    public var expected: Bool
    public var outcome: AuditOutcome
    /// Attempts that completed (`job.completed` of the trigger and its retries).
    public var attempts: Int
    /// The attempts' run times added up (milliseconds); nil when none completed.
    public var durationMilliseconds: Int64?
    /// Credits charged for all attempts (each charge id once), integer millicredits.
    public var charged: Millicredits
    /// Findings about this run (also listed in the report's discrepancies).
    public var findings: [AuditDiscrepancy.Kind]
    /// The last completed attempt's `error`, `failure` and refused report lines (`job.completed`).
    public var error: String? = nil
    public var failure: RunFailure? = nil
    public var refusedReportLines: Int? = nil
}

/// Something in the log that the contract says cannot happen.
public struct AuditDiscrepancy: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, CaseIterable, Codable {
        /// A fire time the schedule in force called for, ticked past, with no trigger and no skip.
        case noTrigger = "no_trigger"
        /// A trigger with no completion (nor skip) although its timeout has passed.
        case noCompletion = "no_completion"
        /// A completion with no `credits.charged` for its trigger id.
        case noCharge = "no_charge"
        /// A charge whose trigger id has no completion.
        case chargeWithoutCompletion = "charge_without_completion"
        /// More than one `job.completed` for one trigger id.
        case duplicateCompletion = "duplicate_completion"
        /// A completion whose trigger is not in the log (the triggers topic still holding its start).
        case completionWithoutTrigger = "completion_without_trigger"
        /// Two copies of one charge id with different amounts or line items.
        case conflictingCharge = "conflicting_charge"
        /// A charge whose total is not its completion priced by the pricing table.
        case mispricedCharge = "mispriced_charge"
    }

    public var kind: Kind
    public var triggerId: TriggerID
    public var job: JobKey?
    public var scheduledFor: Date?
    /// What exactly is off, for a human (names the events and times).
    public var detail: String

    public init(_ kind: Kind, _ triggerId: TriggerID, job: JobKey?, scheduledFor: Date?, detail: String) {
        self.kind = kind
        self.triggerId = triggerId
        self.job = job
        self.scheduledFor = scheduledFor
        self.detail = detail
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.scheduledFor ?? .distantPast, a.triggerId.rawValue, a.kind.rawValue) < (b.scheduledFor ?? .distantPast, b.triggerId.rawValue, b.kind.rawValue)
    }

    /// `no_charge acme/app/job@2026-03-02T15:00Z: completed (succeeded) at …, no credits.charged`.
    public var description: String { "\(kind.rawValue) \(triggerId): \(detail)" }
}
