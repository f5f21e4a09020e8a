import Foundation

/// Every Almanac event. The CloudEvents `type` is `almanac.<noun>.<verb>` (``type``).
public enum AlmanacEvent: Hashable, Sendable {
    case appConfigured(AppConfigured)
    case appRemoved(AppRemoved)
    case schedulePaused(ScheduleToggled)
    case scheduleResumed(ScheduleToggled)
    case jobTriggered(JobTriggered)
    case tickCompleted(TickCompleted)
    case jobStarted(JobStarted)
    case jobCompleted(JobCompleted)
    case jobSkipped(JobSkipped)
    case creditsCharged(CreditsCharged)
    case eventRejected(EventRejected)

    /// CloudEvents `type`.
    public var type: String { kind.rawValue }

    /// The event kinds, by CloudEvents `type`.
    public enum Kind: String, CaseIterable, Sendable {
        case appConfigured = "almanac.app.configured"
        case appRemoved = "almanac.app.removed"
        case schedulePaused = "almanac.schedule.paused"
        case scheduleResumed = "almanac.schedule.resumed"
        case jobTriggered = "almanac.job.triggered"
        case tickCompleted = "almanac.tick.completed"
        case jobStarted = "almanac.job.started"
        case jobCompleted = "almanac.job.completed"
        case jobSkipped = "almanac.job.skipped"
        case creditsCharged = "almanac.credits.charged"
        case eventRejected = "almanac.event.rejected"

        /// The kind's position in ``allCases`` (0-based), for tables indexed by kind: the
        /// `Hashable` a `String` raw value brings hashes the whole type name.
        public var ordinal: Int {
            switch self {
            case .appConfigured: 0
            case .appRemoved: 1
            case .schedulePaused: 2
            case .scheduleResumed: 3
            case .jobTriggered: 4
            case .tickCompleted: 5
            case .jobStarted: 6
            case .jobCompleted: 7
            case .jobSkipped: 8
            case .creditsCharged: 9
            case .eventRejected: 10
            }
        }

        /// `job.triggered` for `almanac.job.triggered`: the schema file stem.
        public var schemaName: String { String(rawValue.dropFirst("almanac.".count)) }
        /// The schema `$id` and the events' `dataschema` (major version 1).
        public var dataschema: String { "https://almanac.dev/schemas/\(schemaName)/v1" }
        /// The topic (without prefix) this kind belongs on.
        public var topic: String {
            switch self {
            case .appConfigured, .appRemoved: "config"
            case .schedulePaused, .scheduleResumed: "control"
            case .jobTriggered: "triggers"
            case .tickCompleted: "ticks"
            case .jobStarted, .jobCompleted, .jobSkipped: "executions"
            case .creditsCharged: "charges"
            case .eventRejected: "dlq"
            }
        }
    }

    public var kind: Kind {
        switch self {
        case .appConfigured: .appConfigured
        case .appRemoved: .appRemoved
        case .schedulePaused: .schedulePaused
        case .scheduleResumed: .scheduleResumed
        case .jobTriggered: .jobTriggered
        case .tickCompleted: .tickCompleted
        case .jobStarted: .jobStarted
        case .jobCompleted: .jobCompleted
        case .jobSkipped: .jobSkipped
        case .creditsCharged: .creditsCharged
        case .eventRejected: .eventRejected
        }
    }

    /// The Kafka key and CloudEvents `subject` (docs/design.md §2).
    public var key: String {
        switch self {
        case .appConfigured(let e): e.config.app
        case .appRemoved(let e): e.app
        case .schedulePaused(let e), .scheduleResumed(let e): e.app
        case .jobTriggered(let e): e.job.description
        case .tickCompleted: "ticker"
        case .jobStarted(let e): e.job.description
        case .jobCompleted(let e): e.job.description
        case .jobSkipped(let e): e.job.description
        case .creditsCharged(let e): e.account
        case .eventRejected(let e): e.key ?? ""
        }
    }

    /// The deterministic CloudEvents `id` (docs/design.md §3), so that re-publishing after a crash
    /// produces the same id and consumers can dedupe.
    public var deterministicID: String? {
        switch self {
        case .jobTriggered(let e): "triggered:\(e.triggerId)"
        case .jobStarted(let e): "started:\(e.triggerId):\(e.executionId)"
        case .jobCompleted(let e): "completed:\(e.triggerId)"
        case .jobSkipped(let e): "skipped:\(e.triggerId)"
        case .creditsCharged(let e): "charge:\(e.chargeId)"
        case .tickCompleted(let e): "tick:\(RFC3339.minute(e.minute))"
        default: nil
        }
    }
}
