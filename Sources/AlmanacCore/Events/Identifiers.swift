import Foundation

/// `account/app/job`: the Kafka key of triggers and executions (docs/design.md §2).
public struct JobKey: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public var account: String
    public var app: String
    public var job: String
    public init(account: String, app: String, job: String) {
        self.account = account
        self.app = app
        self.job = job
    }
    public var description: String { "\(account)/\(app)/\(job)" }
    public static func < (lhs: JobKey, rhs: JobKey) -> Bool { lhs.description < rhs.description }
}

/// A trigger id, built by the deterministic rules of docs/design.md §3:
/// scheduled `account/app/job@2026-03-02T13:00Z` (UTC, minute precision); follow-up
/// `<parent>/<child job>#<n>`; retry `<trigger>~<attempt>`; manual: a UUID.
public struct TriggerID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The id's text (docs/design.md §3).
    public var rawValue: String {
        didSet { hash = rawValue.hashValue }
    }
    /// `rawValue.hashValue` (Swift's per-process seeded SipHash, so no easier to flood than a
    /// `String` key), computed once: an audit looks each id up in several dictionaries of
    /// hundreds of thousands of ids, and hashing the text (~40 bytes) for every lookup, then
    /// comparing it byte by byte with every key its probe passed, was most of that work.
    private var hash: Int

    public init(_ rawValue: String) {
        self.rawValue = rawValue
        hash = rawValue.hashValue
    }
    public init(from decoder: any Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }
    public static func == (lhs: TriggerID, rhs: TriggerID) -> Bool { lhs.hash == rhs.hash && lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    /// What `Dictionary` and `Set` hash a key with (the underscored `Hashable` requirement the
    /// standard library's own `String` and integers implement): the kept hash mixed with the
    /// table's seed, without running a `Hasher` per lookup. An audit does ~10 lookups per run,
    /// and finishing a SipHash for each was a tenth of its reconciliation. `hash` is itself a
    /// seeded SipHash of the text, so the buckets stay as spread and as hard to predict.
    public func _rawHashValue(seed: Int) -> Int { hash ^ seed }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }
    public static func < (lhs: TriggerID, rhs: TriggerID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The id of the run of `job` scheduled for `scheduledFor` (truncated to the UTC minute).
    public static func scheduled(_ job: JobKey, at scheduledFor: Date) -> TriggerID {
        TriggerID(scheduledPrefix(job) + RFC3339.minute(scheduledFor))
    }
    /// `<job>@`: the part of a scheduled id before its minute, for callers that build the ids of
    /// one job for many minutes (`scheduledPrefix(job) + RFC3339.minute(m)` is
    /// ``scheduled(_:at:)``).
    public static func scheduledPrefix(_ job: JobKey) -> String { "\(job)@" }
    /// The n-th follow-up (1-based) of `child` queued by this run.
    public func followUp(_ child: String, number: Int) -> TriggerID { TriggerID("\(rawValue)/\(child)#\(number)") }
    /// The retry `attempt` (2 = first retry) of the original trigger.
    public func retry(attempt: Int) -> TriggerID {
        let base = rawValue.split(separator: "~", omittingEmptySubsequences: false).first.map(String.init) ?? rawValue
        return TriggerID("\(base)~\(attempt)")
    }
}

/// An amount of credits in integer millicredits (1 credit = 1000). Never floating point.
public struct Millicredits: Hashable, Sendable, Codable, Comparable, AdditiveArithmetic, CustomStringConvertible {
    public var rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public static func credits(_ credits: Int64) -> Millicredits { Millicredits(credits * 1000) }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(Int64.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public static var zero: Millicredits { Millicredits(0) }
    /// Adds `other`, or stops at the 64-bit limit the sum passed, where `+=` traps: for sums of
    /// amounts read from a log, which events published by hand could take past anything a worker
    /// charges (audits, billing reports, the operator ledger, `almanac dev`'s summary).
    /// - Returns: whether the sum stopped at the limit.
    @discardableResult
    public mutating func addSaturating(_ other: Millicredits) -> Bool {
        let (sum, overflow) = rawValue.addingReportingOverflow(other.rawValue)
        rawValue = overflow ? (other.rawValue > 0 ? .max : .min) : sum
        return overflow
    }
    public static func + (lhs: Millicredits, rhs: Millicredits) -> Millicredits { Millicredits(lhs.rawValue + rhs.rawValue) }
    public static func - (lhs: Millicredits, rhs: Millicredits) -> Millicredits { Millicredits(lhs.rawValue - rhs.rawValue) }
    public static func < (lhs: Millicredits, rhs: Millicredits) -> Bool { lhs.rawValue < rhs.rawValue }
    /// `12.345` style text (exact, no floating point).
    public var description: String {
        let sign = rawValue < 0 ? "-" : ""
        let magnitude = rawValue.magnitude
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}

extension TriggerID {
    /// The slot of a scheduled trigger or of one of its retries — the minute in
    /// `account/app/job@2026-03-02T13:00Z` (optionally `~N`) — or `nil` for manual and follow-up
    /// ids, whose slot the id does not hold (docs/design.md §3).
    public var scheduledMinute: Date? {
        guard let at = rawValue.lastIndex(of: "@") else { return nil }
        var rest = rawValue[rawValue.index(after: at)...]
        if let tilde = rest.firstIndex(of: "~") {
            guard rest[rest.index(after: tilde)...].allSatisfy(\.isNumber) else { return nil }
            rest = rest[..<tilde]
        }
        guard rest.count == 17, rest.last == "Z", !rest.contains("/") else { return nil }
        return RFC3339.parse(String(rest.dropLast()) + ":00Z")
    }
}
