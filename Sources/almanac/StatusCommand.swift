import Almanac
import AlmanacCore
import AlmanacHTTP
import ArgumentParser
import Foundation
import Kafka

/// `almanac status [APP] [--json]`: apps, switches, next and last runs, today's credits — the
/// same views as the http role's `GET /v1/apps` (schemas/openapi.yaml), from a replay of the log.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show apps and jobs: on/off, pauses, next runs, last runs, credits today.",
        discussion: """
            Replays config, control, ticks, executions, charges and dlq from offset 0 to their ends \
            (assign, no consumer group) and prints what the admin panel shows. --json prints the \
            API's AppListView (or AppView with APP). Against `almanac dev`, "now" is its simulated clock.
            Example: almanac status clinic-reminders
            """)

    @Argument(help: "Only this app.")
    var app: String?

    @Flag(help: "Print JSON (the shapes of GET /v1/apps and GET /v1/apps/{app}).")
    var json = false

    @OptionGroup var broker: BrokerOptions

    func run() async throws {
        let (kafka, dev) = try broker.resolve()
        let logger = makeLogger("almanac.status")
        let topics = AlmanacTopics(prefix: broker.topicPrefix)
        var state = SchedulerState()
        var ledger = OperatorLedger()
        var lastTick: Date?
        let reader = LogSnapshotReader(kafka: kafka, topics: [topics.config, topics.control, topics.ticks, topics.executions,
                                                             topics.charges, topics.dlq], logger: logger)
        // Topics are read in parallel partitions; applying the state's events in event-time order
        // (stable, so one partition's order is kept for equal times) puts each pause after its
        // app's config, as the projector's holds do.
        var events: [EventEnvelope] = []
        _ = try await reader.replay { batch in
            for message in batch {
                guard let envelope = try? EventCodec.decode(message.value) else { continue }
                switch envelope.event {
                case .creditsCharged, .eventRejected: _ = ledger.apply(envelope)
                case .tickCompleted(let tick):
                    lastTick = max(lastTick ?? tick.minute, tick.minute)
                    events.append(envelope)
                default: events.append(envelope)
                }
            }
        }
        let ordered = events.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
        for (_, envelope) in ordered { _ = state.apply(envelope) }
        let now = dev?.clock?.now() ?? Date()
        let builder = OperatorViewBuilder(state: state, ledger: ledger, now: now)
        if let app {
            guard let view = builder.app(app) else {
                throw InputError(description: NameSuggestions.unknownApp(app, known: Array(state.apps.keys)))
            }
            if json { try printJSON(view) } else { printText([view], accounts: nil, now: now, lastTick: lastTick) }
        } else {
            let list = builder.appList()
            if json { try printJSON(list) } else { printText(list.apps, accounts: list.accounts, now: now, lastTick: lastTick) }
        }
    }

    private func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    private func printText(_ apps: [AppView], accounts: [AccountView]?, now: Date, lastTick: Date?) {
        var lines = ["now \(RFC3339.utcMilliseconds(now)); last tick \(lastTick.map(RFC3339.minute) ?? "none")"]
        if let accounts {
            lines.append("")
            lines.append("ACCOUNT             CREDITS TODAY  RUNS  APPS")
            for a in accounts {
                lines.append(pad(a.account, 20) + pad(a.creditsToday.credits, 15) + pad(String(a.creditsToday.runs), 6) + a.apps.joined(separator: ", "))
            }
        }
        for app in apps {
            lines.append("")
            let pause = app.paused.map { "PAUSED since \($0.since)\($0.actor.map { " by \($0)" } ?? "")\($0.reason.map { " (\"\($0)\")" } ?? "")" } ?? "on"
            lines.append("\(app.app)  account \(app.account)  zone \(app.zone)  \(pause)  credits today \(app.creditsToday.credits)")
            lines.append("  JOB                 SCHEDULE        SWITCH  NEXT RUN                   LAST RUN")
            for job in app.jobs {
                let switchText = job.paused != nil ? "paused" : (job.enabled ? "on" : "held")
                let last = job.lastRuns.first.map(Self.lastRun) ?? "none yet"
                lines.append("  " + pad(job.name, 20) + pad(job.schedule ?? "-", 16) + pad(switchText, 8) + pad(job.nextRuns.first?.local ?? "-", 27) + last)
            }
        }
        writeLines(lines)
    }

    /// `failed 2026-03-02T08:00:03-05:00: exited with code 2`, `succeeded, 1 report line(s) refused …`.
    static func lastRun(_ run: RunView) -> String {
        var status = run.failure == "notStarted" ? "not started" : run.status
        if let skip = run.skipReason { status += " (\(skip))" }
        if let refused = run.refusedReportLines { status += ", \(refused) report line(s) refused" }
        var text = "\(status) \(run.at.local)"
        if let error = run.error { text += ": " + (error.count > 120 ? String(error.prefix(120)) + "…" : error) }
        return text
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
