import AlmanacCore

// The JSON bodies of the `/v1` API (schemas/openapi.yaml, components/schemas). Instants are
// strings: `…Utc` RFC 3339 UTC with milliseconds, `…Local` RFC 3339 in the app's zone. Optional
// fields are left out when absent (never `null`).

/// A pause in force: since when, why, by whom.
public struct PauseView: Codable, Sendable, Equatable {
    public var since: String
    public var reason: String?
    public var actor: String?
}

/// A fire time in UTC and in the app's zone.
public struct InstantView: Codable, Sendable, Equatable {
    public var utc: String
    public var local: String
}

/// A finished or skipped run.
public struct RunView: Codable, Sendable, Equatable {
    public var triggerId: String
    /// `succeeded`, `failed`, `timed_out` or `skipped`.
    public var status: String
    /// For skipped runs: `paused`, `missed`, `overlap` or `removed`.
    public var skipReason: String?
    public var scheduledFor: InstantView?
    /// When it finished (or was skipped).
    public var at: InstantView
    public var startedAt: InstantView?
    public var durationMilliseconds: Int64?
    public var attempt: Int?
    /// Why it failed (exit status, signal, timeout, refused report lines), as in `job.completed`
    /// (the first 2,000 characters).
    public var error: String?
    public var exitCode: Int32?
    public var signal: Int32?
    /// `notStarted`: the run never started (not charged).
    public var failure: String?
    /// Report lines the worker refused; with a `succeeded` status the run is not clean
    /// (``needsAttention``).
    public var refusedReportLines: Int?
    /// True when the status alone reads better than the run was: it succeeded with refused report
    /// lines (usage may be under-metered, follow-ups missing). Absent otherwise.
    public var needsAttention: Bool?
    /// What the run was charged (each charge id once), while its day is in the ledger; absent for
    /// skipped runs, runs that never started, and charges not written yet.
    public var charge: CreditsAmountView?
    /// The last 64 KiB of stdout and stderr, only with `?tails=true` (read from the log).
    public var stdoutTail: String?
    public var stderrTail: String?
}

/// An amount of credits.
public struct CreditsAmountView: Codable, Sendable, Equatable {
    /// Integer millicredits (1 credit = 1000).
    public var millicredits: Int64
    /// The same as text, `12.345`.
    public var credits: String
}

/// Credits charged in one UTC day.
public struct CreditsView: Codable, Sendable, Equatable {
    /// Integer millicredits (1 credit = 1000).
    public var millicredits: Int64
    /// The same as text, `12.345`.
    public var credits: String
    /// Charged runs (each charge id once).
    public var runs: Int
}

/// A job with its schedule, switch, next runs and last runs.
public struct JobView: Codable, Sendable, Equatable {
    public var name: String
    /// `account/app/job`.
    public var key: String
    /// `nil` for jobs that only run as follow-ups or by hand.
    public var schedule: String?
    /// Not paused itself and its app not paused.
    public var enabled: Bool
    /// The job's own pause, if any (the app's is on the app).
    public var paused: PauseView?
    public var complexity: Int
    public var overlap: String
    public var nextRuns: [InstantView]
    /// Newest first.
    public var lastRuns: [RunView]
}

/// An app with its jobs and today's credits.
public struct AppView: Codable, Sendable, Equatable {
    public var app: String
    public var account: String
    public var zone: String
    public var enabled: Bool
    public var paused: PauseView?
    public var configuredAt: String
    public var creditsToday: CreditsView
    public var jobs: [JobView]
}

/// An account's apps and credits today.
public struct AccountView: Codable, Sendable, Equatable {
    public var account: String
    public var apps: [String]
    public var creditsToday: CreditsView
}

/// `GET /v1/apps`.
public struct AppListView: Codable, Sendable, Equatable {
    /// The scheduler clock's now (UTC).
    public var now: String
    /// The UTC day "today" refers to, `2026-03-02`.
    public var day: String
    public var apps: [AppView]
    public var accounts: [AccountView]
}

/// `GET /v1/accounts`.
public struct AccountListView: Codable, Sendable, Equatable {
    public var now: String
    public var day: String
    public var accounts: [AccountView]
}

/// `GET /v1/apps/{app}/jobs/{job}/runs`.
public struct JobRunsView: Codable, Sendable, Equatable {
    public var app: String
    public var job: String
    public var key: String
    /// Newest first.
    public var runs: [RunView]
}

/// One dlq entry.
public struct RejectionView: Codable, Sendable, Equatable {
    public var time: String
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: String?
    public var reason: String
    public var detail: String
    public var rejectedBy: String
}

/// `GET /v1/dlq`.
public struct DLQView: Codable, Sendable, Equatable {
    /// Every rejection read from the dlq.
    public var total: Int
    /// Newest first.
    public var rejections: [RejectionView]
}

/// Where a published control event or trigger landed.
public struct PublishedView: Codable, Sendable, Equatable {
    /// `almanac.schedule.paused`, `almanac.schedule.resumed` or `almanac.job.triggered`.
    public var type: String
    public var app: String
    public var job: String?
    public var reason: String?
    public var triggerId: String?
    public var time: String
    public var topic: String
    public var partition: Int32
    public var offset: Int64
}

/// `GET /healthz`, `GET /readyz`.
public struct ProbeView: Codable, Sendable, Equatable {
    public var status: String
}

/// Every 4xx body: what is wrong and, when one input is to blame, which.
public struct ErrorView: Codable, Sendable, Equatable {
    public var error: String
    public var field: String?
}
