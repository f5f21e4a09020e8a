import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Validate app files and publish app.configured for each new or changed one.",
        discussion: """
            Commands and working directories are published as written: each worker resolves relative \
            ones under its own --apps-root (<root>/<app id>/). Each command is checked here first: it \
            must exist and be executable in the app's folder on this machine (--apps-root, else the \
            app file's folder); a file that fails is refused. --skip-command-check when the code is \
            not on this machine (apply then says it did not check). The config topic is read to its end first; an app whose configuration equals the one in \
            force is reported unchanged and not published again (an edit takes effect from its next \
            slot, so re-applying the same files is a no-op). Invalid files are reported (file, field, \
            reason) and not published; so is a file that would move an app to another account (an app \
            belongs to its account); exit code 2 if any. With --dry-run, each change is listed: account, \
            time zone, jobs added (+), removed (-) and changed (~, with the fields that differ).
            Example: almanac apply examples/apps
            """)

    @Argument(help: "An app file (YAML or JSON) or a folder of them.")
    var path: String

    @OptionGroup var broker: BrokerOptions

    @Flag(help: "Only validate (and, with a broker, tell what would change); publish nothing.")
    var dryRun = false

    @Flag(help: "Print JSON: one object per app with its file and state (created, changed, unchanged, valid), and one per refused problem {file, field, line, column, reason}.")
    var json = false

    @Option(help: "The apps root as laid out on the workers (<root>/<app id>/), to check commands against. Default: each app file's folder.")
    var appsRoot: String?

    @Flag(help: "Do not check that commands exist and are executable (the code is not on this machine).")
    var skipCommandCheck = false

    func run() async throws {
        var loaded = AppFileLoader.load(path: path)
        if skipCommandCheck {
            if !loaded.apps.isEmpty {
                FileHandle.standardError.write(Data("almanac: commands not checked (--skip-command-check): each worker must find them under its --apps-root\n".utf8))
            }
        } else {
            let directories = JobDirectories(appsRoot: appsRoot)
            var runnable: [LoadedApp] = []
            for app in loaded.apps {
                let problems = CommandCheck.problems(of: app.config, directory: directories.appDirectory(of: app.config.app) ?? app.directory)
                loaded.errors += problems.map { ConfigError(source: app.file, field: $0.field, reason: $0.reason) }
                if problems.isEmpty { runnable.append(app) }
            }
            loaded.apps = runnable
        }
        for error in loaded.errors { FileHandle.standardError.write(Data("almanac: refused app file \(error)\n".utf8)) }
        var states: [String: String] = [:]
        var diffs: [String: AppConfigurationDiff] = [:]
        var refused: [(file: String, reason: String)] = []
        if !loaded.apps.isEmpty, !dryRun || broker.brokers != nil || DevState.read(directory: broker.stateDirectory)?.isRunning == true {
            let (kafka, dev) = try broker.resolve()
            let logger = makeLogger("almanac.apply")
            let topics = AlmanacTopics(prefix: broker.topicPrefix)
            let current = try await ConfigSnapshot.read(kafka: kafka, topics: topics, logger: logger)
            for app in loaded.apps {
                let diff = AppConfigurationDiff(current: current[app.config.app], proposed: app.config)
                diffs[app.config.app] = diff
                states[app.config.app] = diff.kind.rawValue
                if let refusal = diff.ownershipRefusal {
                    refused.append((app.file, refusal))
                    states[app.config.app] = "refused"
                }
            }
            for (file, reason) in refused { FileHandle.standardError.write(Data("almanac: refused app file \(file): \(reason)\n".utf8)) }
            let changed = loaded.apps.filter { ["created", "changed"].contains(states[$0.config.app] ?? "") }
            if !dryRun && !changed.isEmpty {
                let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
                let publisher = EventPublisher(producer: producer, topics: topics, source: "almanac/cli")
                let clock: any WallClock = dev?.clock ?? SystemWallClock()
                try await publisher.publish(changed.map { AlmanacEvent.appConfigured(AppConfigured(config: $0.config)) }, at: clock.now())
                await producer.shutdown()
            }
        }
        if json {
            let rows: [[String: Any]] = loaded.apps.map { app in
                ["app": app.config.app, "file": app.file, "jobs": app.config.jobs.count, "state": states[app.config.app] ?? "valid",
                 "changes": diffs[app.config.app]?.lines ?? [],
                 "published": !dryRun && ["created", "changed"].contains(states[app.config.app] ?? "")]
            }
            // One object per problem: {file, field, line, column, reason} (line and column null when unknown).
            let problems: [[String: Any]] = loaded.errors.map { error in
                ["file": error.source ?? path, "field": error.field, "reason": error.reason,
                 "line": error.line.map { $0 as Any } ?? NSNull(), "column": error.column.map { $0 as Any } ?? NSNull()]
            }
            let ownership: [[String: Any]] = refused.map { ["file": $0.file, "field": "account", "reason": $0.reason, "line": NSNull(), "column": NSNull()] }
            let data = try JSONSerialization.data(withJSONObject: ["apps": rows, "refused": problems + ownership], options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for app in loaded.apps {
                let state = states[app.config.app] ?? "valid"
                let verb = dryRun ? (state == "valid" ? "valid" : "would be \(state)") : (state == "unchanged" ? "unchanged" : "applied (\(state))")
                guard state != "refused" else { continue }
                print("\(verb) \(app.config.app) (\(app.config.jobs.count) jobs) from \(app.file)")
                if dryRun, let diff = diffs[app.config.app], diff.kind == .changed {
                    for line in diff.lines { print("    \(line)") }
                }
            }
        }
        if !loaded.errors.isEmpty || !refused.isEmpty { throw ExitCode(2) }
    }
}
