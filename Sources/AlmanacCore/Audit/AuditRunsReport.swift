import Foundation

/// The answer of `almanac audit runs APP [--job JOB] --from T --to T`: one row per fire time the
/// schedules called for in `[from, to)`, plus manual and follow-up runs asked for in it, and the
/// discrepancies found among them.
public struct AuditRunsReport: Sendable {
    public var app: String
    public var job: String?
    /// The window, UTC: `from` inclusive, `to` exclusive.
    public var from: Date
    public var to: Date
    /// The newest event time in the log ("by now").
    public var asOf: Date
    /// The app's zone: text output shows times in it, with their offset (DST visible).
    public var zone: TimeZone
    /// Oldest first.
    public var rows: [AuditRow]
    public var discrepancies: [AuditDiscrepancy]

    /// The `--json` document: keys sorted; times RFC 3339 UTC with milliseconds, plus the local
    /// fire time; money in integer millicredits.
    public func json() -> String {
        struct Row: Encodable {
            var job, triggerId, scheduledFor, scheduledForLocal, source, outcome, outcomeText: String
            var expected: Bool
            var attempts: Int
            var durationMilliseconds: Int64?
            var millicredits: Int64
            var findings: [String]
            var error: String?
            var failure: String?
            var refusedReportLines: Int?
        }
        struct Document: Encodable {
            var app: String
            var job: String?
            var from, to, asOf, timeZone: String
            var unit = "millicredits"
            var rows: [Row]
            var discrepancies: [AuditDiscrepancyJSON]
        }
        let document = Document(
            app: app, job: job, from: RFC3339.utcMilliseconds(from), to: RFC3339.utcMilliseconds(to),
            asOf: RFC3339.utcMilliseconds(asOf), timeZone: zone.identifier,
            rows: rows.map { r in
                Row(job: r.job.job, triggerId: r.triggerId.rawValue, scheduledFor: RFC3339.utcMilliseconds(r.scheduledFor),
                    scheduledForLocal: RFC3339.local(r.scheduledFor, zone: zone), source: r.source.rawValue,
                    outcome: r.outcome.code, outcomeText: r.outcome.text(zone: zone), expected: r.expected, attempts: r.attempts,
                    durationMilliseconds: r.durationMilliseconds, millicredits: r.charged.rawValue, findings: r.findings.map(\.rawValue),
                    error: r.error, failure: r.failure?.rawValue, refusedReportLines: r.refusedReportLines)
            },
            discrepancies: discrepancies.map(AuditDiscrepancyJSON.init))
        return AuditJSON.encode(document)
    }

    /// The human table: scheduled for (local, with offset), job, source, outcome, attempts,
    /// duration, credits; then the discrepancies.
    public func text() -> String {
        var out = "Runs of \(app)\(job.map { "/\($0)" } ?? "") from \(RFC3339.local(from, zone: zone)) to \(RFC3339.local(to, zone: zone))"
        out += " (times in \(zone.identifier); log read to \(RFC3339.local(asOf, zone: zone)))\n\n"
        var table = [["scheduled for", "job", "source", "outcome", "attempts", "duration", "credits"]]
        for r in rows {
            let duration = r.durationMilliseconds.map { Self.seconds($0) } ?? "-"
            table.append([RFC3339.local(r.scheduledFor, zone: zone), r.job.job, r.source.rawValue + (r.expected || r.source != .scheduled ? "" : "?"),
                          r.outcome.text(zone: zone) + Self.marks(r) + (r.findings.isEmpty ? "" : "  !"), String(r.attempts), duration,
                          r.charged.description])
        }
        out += AuditJSON.columns(table, numeric: [4, 5, 6])
        out += "\n\(rows.count) run(s); " + AuditJSON.discrepancyText(discrepancies)
        return out
    }

    /// What a bare outcome hides: ` (not started)`, ` (2 report line(s) refused)`.
    static func marks(_ row: AuditRow) -> String {
        (row.failure == .notStarted ? " (not started)" : "") + (row.refusedReportLines.map { " (\($0) report line(s) refused)" } ?? "")
    }

    /// `1.530 s` from milliseconds (exact, no floating point).
    static func seconds(_ ms: Int64) -> String {
        let fraction = String(ms % 1000)
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) s"
    }
}

/// A discrepancy in `--json` output.
struct AuditDiscrepancyJSON: Encodable {
    var kind, triggerId, detail: String
    var job: String?
    var scheduledFor: String?
    init(_ d: AuditDiscrepancy) {
        kind = d.kind.rawValue
        triggerId = d.triggerId.rawValue
        detail = d.detail
        job = d.job?.description
        scheduledFor = d.scheduledFor.map(RFC3339.utcMilliseconds)
    }
}

/// Shared output helpers of the audit reports.
enum AuditJSON {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        // Strings, integers and booleans only: encoding cannot fail.
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }

    static func discrepancyText(_ list: [AuditDiscrepancy]) -> String {
        guard !list.isEmpty else { return "no discrepancies\n" }
        var out = "\(list.count) discrepancy(ies):\n"
        for d in list { out += "  \(d)\n" }
        return out
    }

    static func columns(_ rows: [[String]], numeric: Set<Int>) -> String {
        guard let first = rows.first else { return "" }
        let widths = first.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            var line = row.indices.map { i in
                let pad = String(repeating: " ", count: widths[i] - row[i].count)
                return numeric.contains(i) ? pad + row[i] : row[i] + pad
            }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n") + "\n"
    }
}
