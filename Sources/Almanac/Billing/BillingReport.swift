import AlmanacCore
import Foundation

/// Totals of `credits.charged` events per day, account, app and job, for `almanac billing report`.
///
/// Feed it every message of the `charges` topic in partition order (``add(message:)``); each
/// `chargeId` is counted once, at its first occurrence in the log, and only then is the query
/// (account, app, time window) applied: a charge written twice is one charge, whichever copy falls
/// in the window. A later copy with different amounts is a *conflict*: still counted once (the
/// first copy wins) but reported, because it means two runs priced one trigger differently.
///
/// A charge's time is its run's: the CloudEvents `time` of the charge, which the worker sets to the
/// instant the run finished. Days are local dates in ``Query/zone`` (UTC by default).
/// Amounts are integer millicredits.
///
/// ```swift
/// var report = BillingReport(query: .init(from: from, to: to))
/// for message in messages { report.add(message: message.value) }
/// report.accounts["acme-clinics"]?.millicredits
/// ```
public struct BillingReport: Sendable {
    public struct Query: Sendable {
        /// Only this account / app, if set.
        public var account: String?
        public var app: String?
        /// Charges with `from <= time < to` are counted.
        public var from: Date
        public var to: Date
        /// The zone whose local dates are the `day`s (default UTC).
        public var zone: TimeZone

        public init(account: String? = nil, app: String? = nil, from: Date, to: Date, zone: TimeZone = TimeZone(identifier: "UTC")!) {
            self.account = account
            self.app = app
            self.from = from
            self.to = to
            self.zone = zone
        }

        func matches(_ charge: CreditsCharged, at time: Date) -> Bool {
            (account == nil || charge.account == account) && (app == nil || charge.app == app) && from <= time && time < to
        }
    }

    /// One row: a local day, account, app and job.
    public struct Group: Hashable, Sendable, Comparable {
        public var day: String
        public var account: String
        public var app: String
        public var job: String
        public static func < (a: Group, b: Group) -> Bool {
            (a.day, a.account, a.app, a.job) < (b.day, b.account, b.app, b.job)
        }
    }

    /// A number of distinct charges and their sum.
    public struct Totals: Codable, Hashable, Sendable {
        public var charges = 0
        public var millicredits = Millicredits.zero
        /// The sum passed 64-bit millicredits and stopped at the limit (a log no worker writes:
        /// each charge is valid, their sum is not representable). Not in the JSON of a total.
        public private(set) var saturated = false
        public init() {}
        mutating func add(_ amount: Millicredits) {
            charges += 1
            if millicredits.addSaturating(amount) { saturated = true }
        }

        private enum CodingKeys: String, CodingKey {
            case charges, millicredits
        }
    }

    /// What was read from the log, counted or not.
    public struct LogCounts: Codable, Hashable, Sendable {
        /// Messages handed to the report.
        public var messages = 0
        /// Distinct charge ids in the whole log (inside the query or not).
        public var distinctCharges = 0
        /// Later copies of a charge id, ignored.
        public var duplicates = 0
        /// Duplicates whose amounts or line items differ from the first copy (ignored too).
        public var conflicts = 0
        /// Messages that are not valid Almanac events (the codec's rejections).
        public var undecodable = 0
        /// Valid events of another type (they do not belong on `charges`).
        public var otherEvents = 0
        public init() {}
    }

    public let query: Query
    public private(set) var groups: [Group: Totals] = [:]
    public private(set) var accounts: [String: Totals] = [:]
    public private(set) var days: [String: Totals] = [:]
    public private(set) var total = Totals()
    public private(set) var log = LogCounts()
    /// Sums (of a row, an account, a day or the total) that passed 64-bit millicredits and show
    /// the limit instead; 0 for any log workers write.
    public var saturatedSums: Int {
        (total.saturated ? 1 : 0) + groups.values.count(where: \.saturated) + accounts.values.count(where: \.saturated)
            + days.values.count(where: \.saturated)
    }
    /// Conflicting charge ids, first ones first (at most 100 kept).
    public private(set) var conflictingChargeIDs: [TriggerID] = []
    /// First copy of each charge id: a hash of what it charged, to recognise conflicts.
    private var seen: [TriggerID: Int] = [:]

    public init(query: Query) { self.query = query }

    /// Decodes one message of the `charges` topic and adds it.
    public mutating func add(message value: [UInt8]) {
        log.messages += 1
        guard let envelope = try? EventCodec.decode(value) else {
            log.undecodable += 1
            return
        }
        guard case .creditsCharged(let charge) = envelope.event else {
            log.otherEvents += 1
            return
        }
        add(charge, at: envelope.time)
    }

    /// Adds a decoded charge whose run finished at `time` (the event's `time`).
    public mutating func add(_ charge: CreditsCharged, at time: Date) {
        var hasher = Hasher()
        hasher.combine(charge.account)
        hasher.combine(charge.app)
        hasher.combine(charge.job)
        hasher.combine(charge.pricingVersion)
        hasher.combine(charge.lineItems)
        hasher.combine(charge.total)
        let fingerprint = hasher.finalize()
        if let first = seen[charge.chargeId] {
            log.duplicates += 1
            if first != fingerprint {
                log.conflicts += 1
                if conflictingChargeIDs.count < 100 { conflictingChargeIDs.append(charge.chargeId) }
            }
            return
        }
        seen[charge.chargeId] = fingerprint
        log.distinctCharges += 1
        guard query.matches(charge, at: time) else { return }
        let day = String(RFC3339.local(time, zone: query.zone).prefix(10))
        groups[Group(day: day, account: charge.account, app: charge.app, job: charge.job), default: Totals()].add(charge.total)
        accounts[charge.account, default: Totals()].add(charge.total)
        days[day, default: Totals()].add(charge.total)
        total.add(charge.total)
    }
}

extension BillingReport {
    /// The `--json` document (keys sorted; money as integer millicredits).
    public func json() -> String {
        struct Row: Encodable {
            var day, account, app, job: String
            var charges: Int
            var millicredits: Millicredits
        }
        struct QueryText: Encodable {
            var from, to, timeZone: String
            var account, app: String?
        }
        struct Document: Encodable {
            var query: QueryText
            var unit = "millicredits"
            var total: Totals
            var accounts: [String: Totals]
            var days: [String: Totals]
            var rows: [Row]
            var log: LogCounts
            var conflictingChargeIds: [String]
            /// Present only when a sum passed 64-bit millicredits.
            var saturatedSums: Int?
        }
        let document = Document(
            query: QueryText(from: RFC3339.utcMilliseconds(query.from), to: RFC3339.utcMilliseconds(query.to),
                             timeZone: zoneName, account: query.account, app: query.app),
            total: total, accounts: accounts, days: days,
            rows: groups.keys.sorted().map { g in
                Row(day: g.day, account: g.account, app: g.app, job: g.job, charges: groups[g]!.charges, millicredits: groups[g]!.millicredits)
            },
            log: log, conflictingChargeIds: conflictingChargeIDs.map(\.rawValue), saturatedSums: saturatedSums > 0 ? saturatedSums : nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        // Encoding plain strings and integers cannot fail.
        return String(decoding: (try? encoder.encode(document)) ?? Data(), as: UTF8.self)
    }

    /// The `--csv` table (RFC 4180): `day,account,app,job,charges,millicredits,credits`, one row
    /// per group; `credits` is the exact decimal text (`12.345`).
    public func csv() -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"\(text.replacingOccurrences(of: "\"", with: "\"\""))\"" : text
        }
        var lines = ["day,account,app,job,charges,millicredits,credits"]
        for g in groups.keys.sorted() {
            let t = groups[g]!
            lines.append([g.day, g.account, g.app, g.job, String(t.charges), String(t.millicredits.rawValue), t.millicredits.description]
                .map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The human table: one line per group, then totals per account, per day and overall.
    public func text() -> String {
        var out = "Charges \(RFC3339.utcMilliseconds(query.from)) to \(RFC3339.utcMilliseconds(query.to))"
        out += " (days in \(zoneName)\(query.account.map { ", account \($0)" } ?? "")\(query.app.map { ", app \($0)" } ?? ""))\n\n"
        var table = [["day", "account", "app", "job", "charges", "credits"]]
        for g in groups.keys.sorted() {
            table.append([g.day, g.account, g.app, g.job, String(groups[g]!.charges), groups[g]!.millicredits.description])
        }
        out += Self.columns(table, numeric: [4, 5])
        out += "\n"
        var summary = [["per account", "charges", "credits"]]
        for account in accounts.keys.sorted() {
            summary.append([account, String(accounts[account]!.charges), accounts[account]!.millicredits.description])
        }
        summary.append(["total", String(total.charges), total.millicredits.description])
        out += Self.columns(summary, numeric: [1, 2])
        if saturatedSums > 0 {
            out += "\nWARNING: \(saturatedSums) sum(s) passed 64-bit millicredits and show the limit (\(Millicredits(Int64.max))): the log holds charges no worker writes\n"
        }
        if log.conflicts > 0 {
            out += "\nWARNING: \(log.conflicts) charge id(s) appear twice with different amounts (first copy counted): "
            out += conflictingChargeIDs.prefix(5).map(\.rawValue).joined(separator: ", ") + "\n"
        }
        return out
    }

    /// Foundation names UTC "GMT"; users asked for (and read) UTC.
    private var zoneName: String { query.zone.identifier == "GMT" ? "UTC" : query.zone.identifier }

    static func columns(_ rows: [[String]], numeric: Set<Int>) -> String {
        guard let first = rows.first else { return "" }
        let widths = first.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            row.indices.map { i in
                let pad = String(repeating: " ", count: widths[i] - row[i].count)
                return numeric.contains(i) ? pad + row[i] : row[i] + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n") + "\n"
    }
}
