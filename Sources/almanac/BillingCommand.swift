import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka

/// `almanac billing …`: what accounts owe, from the `charges` topic.
struct BillingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billing",
        abstract: "Billing reports from the charges topic.",
        subcommands: [BillingReportCommand.self])
}

/// `almanac billing report --from T --to T [--account ID] [--app ID] [--tz ZONE] [--json|--csv]`.
struct BillingReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Credits per account, app, job and day, each chargeId counted once.",
        discussion: """
            Reads the charges stamped from --lookback before --from to --to (plus --margin both \
            ways), found by event time, up to the end offsets read at start; --whole-log reads the \
            topic from the beginning. A charge counts once, at its first copy read; it is in the \
            window when its run finished at or after --from and before --to. Amounts are credits (text, CSV) or integer \
            millicredits (JSON, CSV). Progress goes to stderr.
            Example: almanac billing report --from 2026-03-01T00:00:00Z --to 2026-04-01T00:00:00Z --account acme-clinics --csv
            Example: almanac billing report --month 2026-03 --tz America/New_York
            """)

    @Option(help: "Start of the window, inclusive (RFC 3339, e.g. 2026-03-01T00:00:00Z).")
    var from: String?

    @Option(help: "End of the window, exclusive (RFC 3339).")
    var to: String?

    @Option(help: "A calendar month YYYY-MM instead of --from/--to: local midnight of its first day to that of the next month, in --tz.")
    var month: String?

    @Option(help: "Only this account.")
    var account: String?

    @Option(help: "Only this app.")
    var app: String?

    @Option(help: "IANA time zone of the report's days.")
    var tz: String = "UTC"

    @Flag(help: "Print JSON (integer millicredits).")
    var json = false

    @Flag(help: "Print CSV: day,account,app,job,charges,millicredits,credits.")
    var csv = false

    @Flag(help: "No progress bar and no final count line on stderr.")
    var quiet = false

    @Flag(help: "Read the whole charges topic, not only the window and its lookback.")
    var wholeLog = false

    @Option(help: "Seconds before --from also read, so that a charge copied again after a worker crash counts at its first copy.")
    var lookback: Double = 3600

    @Option(help: "Seconds a charge may be stamped before one written ahead of it in its partition.")
    var margin: Double = AuditWindow.defaultMargin

    @OptionGroup var broker: BrokerOptions

    func run() async throws {
        let query = try makeQuery()
        guard lookback >= 0, lookback.isFinite else { throw InputError(description: "--lookback \(lookback) must be zero or more seconds") }
        guard margin >= 0, margin.isFinite else { throw InputError(description: "--margin \(margin) must be zero or more seconds") }
        let (kafka, _) = try broker.resolve()
        let logger = makeLogger("almanac.billing")
        let topic = AlmanacTopics(prefix: broker.topicPrefix).charges
        let bar = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let started = ContinuousClock.now
        var report = BillingReport(query: query)
        let done: ChargeLogReader.Progress
        do {
            var reader = ChargeLogReader(kafka: kafka, topic: topic, logger: logger)
            if !wholeLog {
                reader.timeRange = query.from.addingTimeInterval(-lookback)..<query.to
                reader.margin = margin
            }
            done = try await reader.replay(progress: { bar.show($0) }) { report.add(message: $0.value) }
            bar.clear()
        } catch {
            bar.clear()
            throw error   // exit 1: the broker or the topic failed, not the input
        }
        if json { print(report.json()) } else if csv { print(report.csv(), terminator: "") } else { print(report.text(), terminator: "") }
        if !quiet {
            let seconds = (ContinuousClock.now - started).components
            let elapsed = Double(seconds.seconds) + Double(seconds.attoseconds) / 1e18
            var line = "almanac billing: read \(done.read) message(s) from \(done.partitions) partition(s) of \(topic)"
            line += " in \(String(format: "%.1f", elapsed)) s; \(report.log.distinctCharges) distinct charge(s),"
            line += " \(report.log.duplicates) duplicate(s) ignored"
            if report.log.conflicts > 0 { line += " (\(report.log.conflicts) with different amounts)" }
            if report.log.undecodable + report.log.otherEvents > 0 {
                line += ", \(report.log.undecodable + report.log.otherEvents) message(s) that are not charges skipped"
            }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// Checks every input before connecting.
    /// - Throws: ``InputError`` (exit code 2) naming the option.
    func makeQuery() throws -> BillingReport.Query {
        guard let zone = TimeZone(identifier: tz) else {
            throw InputError(description: "--tz \"\(tz)\" is not an IANA time zone (e.g. America/New_York, UTC)")
        }
        let start: Date, end: Date
        if let month {
            guard from == nil && to == nil else { throw InputError(description: "--month cannot be combined with --from/--to") }
            guard let calendarMonth = CalendarMonth(month) else {
                throw InputError(description: "--month \"\(month)\" is not a month YYYY-MM (e.g. 2026-03)")
            }
            (start, end) = calendarMonth.window(in: zone)
        } else {
            guard let from, let to else { throw InputError(description: "give --month YYYY-MM, or --from and --to") }
            guard let parsedFrom = RFC3339.parse(from) else {
                throw InputError(description: "--from \"\(from)\" is not an RFC 3339 instant (e.g. 2026-03-01T00:00:00Z)")
            }
            guard let parsedTo = RFC3339.parse(to) else {
                throw InputError(description: "--to \"\(to)\" is not an RFC 3339 instant (e.g. 2026-04-01T00:00:00Z)")
            }
            guard parsedFrom < parsedTo else { throw InputError(description: "--to (\(to)) must be after --from (\(from))") }
            (start, end) = (parsedFrom, parsedTo)
        }
        guard !(json && csv) else { throw InputError(description: "--json and --csv cannot be combined") }
        return BillingReport.Query(account: account, app: app, from: start, to: end, zone: zone)
    }
}
