import Foundation

/// An app's configuration: its account, time zone and jobs. The payload of `app.configured`
/// and the shape of the app files `almanac apply` and `almanac dev --apps` read (YAML or JSON;
/// schema `schemas/app-config.v1.json`).
public struct AppConfiguration: Codable, Hashable, Sendable {
    /// App id, unique across accounts; the Kafka key of config and control events.
    public var app: String
    public var account: String
    /// IANA zone the schedules are read in. Default `America/New_York` (docs/design.md §4).
    public var timeZone: String
    public var jobs: [JobConfiguration]

    public init(app: String, account: String, timeZone: String = AppConfiguration.defaultTimeZone, jobs: [JobConfiguration]) {
        self.app = app
        self.account = account
        self.timeZone = timeZone
        self.jobs = jobs
    }

    public static let defaultTimeZone = "America/New_York"

    enum CodingKeys: String, CodingKey, CaseIterable { case app, account, timeZone, jobs }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        app = try c.decode(String.self, forKey: .app)
        account = try c.decode(String.self, forKey: .account)
        timeZone = try c.decodeIfPresent(String.self, forKey: .timeZone) ?? Self.defaultTimeZone
        jobs = try c.decode([JobConfiguration].self, forKey: .jobs)
    }
}

/// What happens when a job is due while its previous run is still going (docs/design.md §5).
public enum OverlapPolicy: String, Codable, Hashable, Sendable, CaseIterable {
    /// The new trigger becomes `job.skipped(overlap)` (default).
    case skip
    /// At most one trigger waits for the running one.
    case queue
    /// Runs concurrently.
    case allow
}

/// One job of an app.
public struct JobConfiguration: Codable, Hashable, Sendable {
    /// Job name, unique within the app: `[A-Za-z0-9_.-]+`.
    public var name: String
    /// Schedule expression (platform form or 5-field cron, docs/design.md §4); `nil` for jobs that only
    /// run when queued as follow-ups or triggered by hand.
    public var schedule: String?
    /// argv of the process to run; a relative program path (`jobs/digest.py`) resolves on each
    /// worker against the app's folder under its apps root (docs/workers.md, "Where job code
    /// lives"), a bare name (`python3`) through `PATH`. Empty when the job runs a ``handler``.
    public var command: [String]
    /// Name of an in-process Swift handler registered in the workers, instead of a process
    /// (docs/workers.md). Exactly one of `command` and `handler`.
    public var handler: String?
    /// Extra environment variables for the process (the rest of the environment is scrubbed).
    public var env: [String: String]
    /// Base credits of a run, 1–10 (the job's complexity).
    public var complexity: Int
    /// Seconds before the process group is sent TERM, then KILL 5 s later. Default 600.
    public var timeoutSeconds: Int
    /// Retries after a failure or timeout. Default 0.
    public var retries: Int
    public var overlap: OverlapPolicy
    /// Missed runs younger than this (seconds) are triggered late after downtime; older ones are
    /// recorded as `job.skipped(missed)`. Default 900 (15 min); 0 allowed.
    public var catchUpWindowSeconds: Int
    /// Params sent as JSON on the process's stdin (scheduled runs).
    public var params: JSONValue?
    /// Whether pausing the app also holds this job's queued follow-ups. Default false.
    public var pauseHoldsFollowUps: Bool
    /// Working directory of the process, published as written: a relative one resolves on each
    /// worker against the app's folder under its apps root (default: that folder).
    public var workingDirectory: String?
    /// How many follow-up runs one scheduled or manual run of this job leads to in all (follow-ups
    /// of follow-ups included), per job, for `almanac estimate`; not enforced at run time. Empty
    /// (the default): the job declares none, and an estimate counts none.
    public var estimatedFollowUps: [FollowUpEstimate]

    public init(name: String, schedule: String?, command: [String], env: [String: String] = [:], complexity: Int = 1,
                timeoutSeconds: Int = 600, retries: Int = 0, overlap: OverlapPolicy = .skip,
                catchUpWindowSeconds: Int = 900, params: JSONValue? = nil, pauseHoldsFollowUps: Bool = false,
                workingDirectory: String? = nil, handler: String? = nil, estimatedFollowUps: [FollowUpEstimate] = []) {
        self.name = name
        self.estimatedFollowUps = estimatedFollowUps
        self.handler = handler
        self.schedule = schedule
        self.command = command
        self.env = env
        self.complexity = complexity
        self.timeoutSeconds = timeoutSeconds
        self.retries = retries
        self.overlap = overlap
        self.catchUpWindowSeconds = catchUpWindowSeconds
        self.params = params
        self.pauseHoldsFollowUps = pauseHoldsFollowUps
        self.workingDirectory = workingDirectory
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, schedule, command, handler, env, complexity, timeoutSeconds, retries, overlap, catchUpWindowSeconds, params, pauseHoldsFollowUps, workingDirectory
        case estimatedFollowUps
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        schedule = try c.decodeIfPresent(String.self, forKey: .schedule)
        handler = try c.decodeIfPresent(String.self, forKey: .handler)
        // A handler job has no command; validate() refuses a job with both.
        if handler == nil {
            command = try c.decode([String].self, forKey: .command)
        } else {
            command = try c.decodeIfPresent([String].self, forKey: .command) ?? []
        }
        env = try c.decodeIfPresent([String: String].self, forKey: .env) ?? [:]
        complexity = try c.decodeIfPresent(Int.self, forKey: .complexity) ?? 1
        timeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 600
        retries = try c.decodeIfPresent(Int.self, forKey: .retries) ?? 0
        overlap = try c.decodeIfPresent(OverlapPolicy.self, forKey: .overlap) ?? .skip
        catchUpWindowSeconds = try c.decodeIfPresent(Int.self, forKey: .catchUpWindowSeconds) ?? 900
        params = try c.decodeIfPresent(JSONValue.self, forKey: .params)
        pauseHoldsFollowUps = try c.decodeIfPresent(Bool.self, forKey: .pauseHoldsFollowUps) ?? false
        workingDirectory = try c.decodeIfPresent(String.self, forKey: .workingDirectory)
        estimatedFollowUps = try c.decodeIfPresent([FollowUpEstimate].self, forKey: .estimatedFollowUps) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(schedule, forKey: .schedule)
        if handler == nil || !command.isEmpty { try c.encode(command, forKey: .command) }
        try c.encodeIfPresent(handler, forKey: .handler)
        try c.encode(env, forKey: .env)
        try c.encode(complexity, forKey: .complexity)
        try c.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try c.encode(retries, forKey: .retries)
        try c.encode(overlap, forKey: .overlap)
        try c.encode(catchUpWindowSeconds, forKey: .catchUpWindowSeconds)
        try c.encodeIfPresent(params, forKey: .params)
        try c.encode(pauseHoldsFollowUps, forKey: .pauseHoldsFollowUps)
        try c.encodeIfPresent(workingDirectory, forKey: .workingDirectory)
        // Absent when empty, so configurations that declare none encode as before.
        if !estimatedFollowUps.isEmpty { try c.encode(estimatedFollowUps, forKey: .estimatedFollowUps) }
    }
}

/// One entry of ``JobConfiguration/estimatedFollowUps``: `count` runs of `job` (a job of the same app).
public struct FollowUpEstimate: Codable, Hashable, Sendable {
    public var job: String
    /// Runs in all per run of the declaring job, 0–100000.
    public var count: Int

    public init(job: String, count: Int) {
        self.job = job
        self.count = count
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case job, count }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        job = try c.decode(String.self, forKey: .job)
        count = try c.decode(Int.self, forKey: .count)
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Refuses keys a strict config format does not know, naming the key and where it is.
func rejectUnknownKeys(_ decoder: any Decoder, allowed: [String]) throws {
    guard let unknown = try unknownKey(in: decoder, allowed: allowed) else { return }
    throw DecodingError.dataCorruptedError(
        forKey: AnyKey(stringValue: unknown), in: try decoder.container(keyedBy: AnyKey.self),
        debugDescription: "unknown key \"\(unknown)\" (allowed: \(allowed.joined(separator: ", ")))")
}

/// The first key of the object `decoder` reads that is not one of `allowed`, or nil: for a format
/// that refuses unknown keys with its own message (report lines, `almanac estimate --usage`).
/// - Throws: `DecodingError` if the value is not an object.
public func unknownKey(in decoder: any Decoder, allowed: some Sequence<String>) throws -> String? {
    let allowed = Set(allowed)
    return try decoder.container(keyedBy: AnyKey.self).allKeys.first { !allowed.contains($0.stringValue) }?.stringValue
}
