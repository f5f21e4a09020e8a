import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka

/// `almanac audit …`: what was scheduled, what ran, what was charged — and why — by replaying
/// the log from offset 0 (issue 10).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Answer what was scheduled, what ran and what was charged, by replaying the log.",
        discussion: """
            audit state reads config and control. audit runs and audit verify with --from/--to read \
            config, control and ticks whole and, of triggers, executions and charges, only the events \
            of the window plus a margin for late events and a lookahead for runs finishing after it, \
            found by event time; --whole-log (and verify without a window) reads every topic from \
            offset 0 to the end offsets read at start. No consumer group. Progress goes to stderr.
            Example: almanac audit runs clinic-reminders --from 2026-03-02T00:00:00-05:00 --to 2026-03-03T00:00:00-05:00
            """,
        subcommands: [AuditStateCommand.self, AuditRunsCommand.self, AuditVerifyCommand.self, AuditSnapshotCommand.self])
}

/// Options every audit subcommand shares.
struct AuditReplayOptions: ParsableArguments {
    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "No progress bar and no final count line on stderr.")
    var quiet = false

    @Flag(help: "Read every event of every topic, not only the window (and its margin and lookahead).")
    var wholeLog = false

    @Option(help: "Seconds an event may be stamped before one written ahead of it in its partition (window reads).")
    var margin: Double = AuditWindow.defaultMargin

    @Option(help: "Seconds after the window a run due in it may still finish and be charged (window reads). Default: from the longest job's timeouts, retries and backoffs.")
    var lookahead: Double?

    @Option(name: .customLong("archive"), help: "An almanac export archive to read beside the topics (repeatable): its messages older than what each partition still keeps are added. Reads the whole log.")
    var archives: [String] = []

    @OptionGroup var broker: BrokerOptions

    /// The log an audit of `window` needs: the window's part (``AuditReplay/read(from:to:margin:lookahead:seeker:progress:)``),
    /// or everything without a window or with `--whole-log`.
    /// - Throws: ``InputError`` for a negative margin or lookahead; ``ChargeLogReaderError`` or
    ///   ``KafkaError`` (exit 1).
    func read(window: (Date, Date)?) async throws -> AuditLog {
        guard let (from, to) = window, !wholeLog, archives.isEmpty else { return try await replay() }
        try checkSeekOptions()
        let (kafka, _) = try broker.resolve()
        let bar = ProgressBar.onTerminal(quiet: quiet, unit: "events")
        let replay = AuditReplay(kafka: kafka, topics: AlmanacTopics(prefix: broker.topicPrefix), logger: makeLogger("almanac.audit"))
        let read: AuditReplay.WindowRead
        do {
            read = try await replay.read(from: from, to: to, margin: margin, lookahead: lookahead, progress: { bar.show($0) })
            bar.clear()
        } catch {
            bar.clear()
            throw error
        }
        if !quiet {
            var line = "almanac audit: read \(read.windowMessages) message(s) of the window (lookahead \(Int(read.window.lookahead)) s, margin \(Int(read.window.margin)) s)"
            line += " and \(read.startStateMessages) of config, control and ticks, found with \(read.seek.probes) probe(s), in \(String(format: "%.1f", bar.elapsed)) s"
            if read.log.counts.undecodable > 0 { line += "; \(read.log.counts.undecodable) not valid events, ignored" }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        return read.log
    }

    /// `audit verify` of the whole log window by window (``AuditReplay/verifyByWindows(pricing:eventsPerWindow:margin:lookahead:progress:)``).
    func verifyByWindows(pricing: PricingSchedule, eventsPerWindow: Int) async throws -> AuditVerification {
        try checkSeekOptions()
        let (kafka, _) = try broker.resolve()
        let bar = ProgressBar.onTerminal(quiet: quiet, unit: "events")
        let replay = AuditReplay(kafka: kafka, topics: AlmanacTopics(prefix: broker.topicPrefix), logger: makeLogger("almanac.audit"))
        let done: (verification: AuditVerification, windows: Int, seek: EventTimeSeeker.Stats)
        do {
            done = try await replay.verifyByWindows(pricing: pricing, eventsPerWindow: eventsPerWindow, margin: margin, lookahead: lookahead,
                                                    progress: { bar.show($0) })
            bar.clear()
        } catch {
            bar.clear()
            throw error
        }
        if !quiet {
            let counts = done.verification.counts
            var line = "almanac audit: read \(counts.messages) message(s) in \(done.windows) window(s), found with \(done.seek.probes) probe(s), in \(String(format: "%.1f", bar.elapsed)) s"
            if counts.undecodable > 0 { line += "; \(counts.undecodable) not valid events, ignored" }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        return done.verification
    }

    /// `log` with the messages of ``archives`` (``LogArchive``) that the cluster no longer keeps:
    /// of `topics`, those below their partition's low watermark (an archive exported from this
    /// cluster holds the same offsets), or of partitions the cluster does not have.
    /// - Throws: ``InputError`` (exit 2) naming the file and line of a malformed archive;
    ///   ``KafkaError``.
    func addArchives(to log: AuditLog, kafka: KafkaConfiguration, topics: [String]) async throws -> AuditLog {
        let admin = try KafkaAdmin(configuration: kafka, logger: makeLogger("almanac.audit"))
        let described = try await admin.describeTopics()
        let partitions = topics.flatMap { topic in (0..<(described[topic] ?? 0)).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) } }
        let low = try await admin.startOffsets(partitions)
        let wanted = Set(topics)
        var archived = AuditLog()
        var added = 0
        for file in archives {
            for entry in try ImportCommand.readArchive(file) where wanted.contains(entry.topic) {
                let tp = KafkaTopicPartition(topic: entry.topic, partition: entry.partition)
                guard entry.offset < (low[tp] ?? Int64.max) else { continue }
                let position = LogPosition(topic: entry.topic, partition: entry.partition, offset: entry.offset)
                if let envelope = try? EventCodec.decode(entry.value) { archived.add(envelope, at: position) } else { archived.addUndecodable(at: position) }
                added += 1
            }
        }
        var merged = log
        let complete = merged.triggersComplete
        merged.merge(archived)
        merged.triggersComplete = complete
        merged.finish()
        if !quiet { FileHandle.standardError.write(Data("almanac audit: added \(added) archived message(s) the topics no longer keep\n".utf8)) }
        return merged
    }

    /// ``InputError`` for a negative or infinite margin or lookahead.
    func checkSeekOptions() throws {
        guard margin >= 0, margin.isFinite else { throw InputError(description: "--margin \(margin) must be zero or more seconds") }
        if let lookahead, !(lookahead >= 0 && lookahead.isFinite) {
            throw InputError(description: "--lookahead \(lookahead) must be zero or more seconds")
        }
    }

    /// Config, control and ticks only (``AuditReplay/readStartState(progress:)``).
    func readStartState() async throws -> AuditLog {
        let (kafka, _) = try broker.resolve()
        let bar = ProgressBar.onTerminal(quiet: quiet, unit: "events")
        let replay = AuditReplay(kafka: kafka, topics: AlmanacTopics(prefix: broker.topicPrefix), logger: makeLogger("almanac.audit"))
        let log: AuditLog
        do {
            log = try await replay.readStartState(progress: { bar.show($0) })
            bar.clear()
        } catch {
            bar.clear()
            throw error
        }
        guard !archives.isEmpty else { return log }
        return try await addArchives(to: log, kafka: kafka, topics: [replay.topics.config, replay.topics.control, replay.topics.ticks])
    }

    /// Replays the cluster's log into an ``AuditLog``.
    /// - Throws: ``ChargeLogReaderError`` or ``KafkaError`` (exit 1).
    func replay() async throws -> AuditLog {
        let (kafka, _) = try broker.resolve()
        let logger = makeLogger("almanac.audit")
        let bar = ProgressBar.onTerminal(quiet: quiet, unit: "events")
        let replay = AuditReplay(kafka: kafka, topics: AlmanacTopics(prefix: broker.topicPrefix), logger: logger)
        var log: AuditLog
        do {
            log = try await replay.read(progress: { bar.show($0) })
            bar.clear()
        } catch {
            bar.clear()
            throw error
        }
        if !archives.isEmpty { log = try await addArchives(to: log, kafka: kafka, topics: replay.replayedTopics) }
        if !quiet {
            let seconds = bar.elapsed
            var line = "almanac audit: replayed \(log.counts.messages) message(s) in \(String(format: "%.1f", seconds)) s"
            if seconds > 0 { line += " (\(Int(Double(log.counts.messages) / seconds)) ev/s)" }
            if log.counts.undecodable > 0 { line += "; \(log.counts.undecodable) not valid events, ignored" }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        return log
    }
}

/// An RFC 3339 option value, or ``InputError`` (exit 2) naming the option.
func parseInstant(_ text: String, option: String) throws -> Date {
    guard let date = RFC3339.parse(text) else {
        throw InputError(description: "\(option) \"\(text)\" is not an RFC 3339 instant (e.g. 2026-03-02T10:00:00-05:00 or 2026-03-02T15:00:00Z)")
    }
    return date
}

/// `--from`/`--to` as a window: both or neither; `--to` after `--from`.
func parseWindow(from: String?, to: String?) throws -> (Date, Date)? {
    switch (from, to) {
    case (nil, nil): return nil
    case (let from?, let to?):
        let start = try parseInstant(from, option: "--from")
        let end = try parseInstant(to, option: "--to")
        guard start < end else { throw InputError(description: "--to (\(to)) must be after --from (\(from))") }
        return (start, end)
    default: throw InputError(description: "--from and --to go together")
    }
}

/// `almanac audit state --at T [--app ID] [--json]`.
struct AuditStateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "The scheduler state as it was at an instant: apps, jobs, schedules, zones, pauses (since when, by whom, why).",
        discussion: """
            Rebuilt only from config and control events whose time is at or before --at (only \
            those topics are read).
            Example: almanac audit state --at 2026-03-02T10:15:00-05:00 --app clinic-reminders
            """)

    @Option(help: "The instant (RFC 3339).")
    var at: String

    @Option(help: "Only this app.")
    var app: String?

    @OptionGroup var options: AuditReplayOptions

    func run() async throws {
        let instant = try parseInstant(at, option: "--at")
        let log = try await options.readStartState()
        let snapshot = AuditStateSnapshot(log, at: instant, app: app)
        if let app, snapshot.apps.isEmpty {
            throw InputError(description: "app \"\(app)\" was not configured at \(RFC3339.utcMilliseconds(instant)) (configured then: \(AuditStateSnapshot(log, at: instant).apps.map(\.app).joined(separator: ", ")))")
        }
        print(options.json ? snapshot.json() : snapshot.text(), terminator: options.json ? "\n" : "")
    }
}

/// `almanac audit runs APP [--job JOB] --from T --to T [--json]`.
struct AuditRunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Every fire time of an app's schedules in a window, with what became of it and why; plus manual and follow-up runs.",
        discussion: """
            Outcomes: succeeded, failed, timed out, skipped: paused by … at …, skipped: overlap, \
            skipped: missed (ticker down from … to …), never triggered. Rows marked ! have findings, \
            listed at the end. Exit code 0 even with findings (use audit verify to fail on them).
            Example: almanac audit runs support-queue --job triage-tickets --from 2026-03-02T08:00:00-05:00 --to 2026-03-02T12:00:00-05:00
            """)

    @Argument(help: "App id.")
    var app: String

    @Option(help: "Only this job.")
    var job: String?

    @Option(help: "Start of the window, inclusive (RFC 3339).")
    var from: String

    @Option(help: "End of the window, exclusive (RFC 3339).")
    var to: String

    @OptionGroup var options: AuditReplayOptions

    func run() async throws {
        guard let (start, end) = try parseWindow(from: from, to: to) else { return }
        let log = try await options.read(window: (start, end))
        let reconciler = AuditReconciler(log)
        guard reconciler.apps.contains(app) else {
            throw InputError(description: "app \"\(app)\" is not in the log (apps: \(reconciler.apps.joined(separator: ", ")))")
        }
        let report = reconciler.runs(app: app, job: job, from: start, to: end)
        if let job, reconciler.timeline.epochs[app]?[job] == nil, report.rows.isEmpty {
            let jobs = (reconciler.timeline.epochs[app]?.keys.sorted() ?? []).joined(separator: ", ")
            throw InputError(description: "app \"\(app)\" has no job \"\(job)\" in the log (jobs: \(jobs))")
        }
        print(options.json ? report.json() : report.text(), terminator: options.json ? "\n" : "")
    }
}

/// `almanac audit verify [--from T --to T]`.
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every app's runs and the billing identity; exit 1 with the list when anything is off.",
        discussion: """
            Checks: fire times with no trigger and no skip, triggers with no completion after their \
            timeout, completions with no charge, charges with no completion, duplicate completions, \
            completions without a trigger, conflicting copies of a charge, and charges that are not \
            their completion priced by the pricing table (each chargeId once). Exit 0 when clean. \
            Without --from/--to the whole log is verified window by window (--events-per-window), \
            so memory follows one window, not the log.
            Example: almanac audit verify --from 2026-03-01T00:00:00Z --to 2026-04-01T00:00:00Z --pricing ops/pricing.yaml
            """)

    @Option(help: "Start of the window, inclusive (RFC 3339). Default: the beginning of the log.")
    var from: String?

    @Option(help: "End of the window, exclusive (RFC 3339). Default: the end of the log.")
    var to: String?

    @Option(help: "Pricing file the workers used. Default: ops/pricing.yaml if present, else the built-in standard table.")
    var pricing: String?

    @Option(help: "Without --from/--to: the whole log is verified window by window, each about this many events (memory follows one window).")
    var eventsPerWindow = 100_000

    @OptionGroup var options: AuditReplayOptions

    func run() async throws {
        let window = try parseWindow(from: from, to: to)
        let table = try loadPricing(pricing)
        let result: AuditVerification
        if window == nil, !options.wholeLog, options.archives.isEmpty {
            guard eventsPerWindow > 0 else { throw InputError(description: "--events-per-window \(eventsPerWindow) must be at least 1") }
            result = try await options.verifyByWindows(pricing: table, eventsPerWindow: eventsPerWindow)
        } else {
            let log = try await options.read(window: window)
            result = AuditReconciler(log).verify(from: window?.0, to: window?.1, pricing: table)
        }
        print(options.json ? result.json() : result.text(), terminator: options.json ? "\n" : "")
        if !result.isClean { throw ExitCode(1) }
    }
}
