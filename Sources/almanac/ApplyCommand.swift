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
            Relative programs and working directories are made absolute against each file's folder. \
            The config topic is read to its end first; an app whose configuration equals the one in \
            force is reported unchanged and not published again (an edit takes effect from its next \
            slot, so re-applying the same files is a no-op). Invalid files are reported (file, field, \
            reason) and not published; exit code 2 if any.
            Example: almanac apply examples/apps
            """)

    @Argument(help: "An app file (YAML or JSON) or a folder of them.")
    var path: String

    @OptionGroup var broker: BrokerOptions

    @Flag(help: "Only validate (and, with a broker, tell what would change); publish nothing.")
    var dryRun = false

    @Flag(help: "Print JSON: one object per app with its file and state (created, changed, unchanged, valid), and one per refused problem {file, field, line, column, reason}.")
    var json = false

    func run() async throws {
        let loaded = AppFileLoader.load(path: path)
        for error in loaded.errors { FileHandle.standardError.write(Data("almanac: refused app file \(error)\n".utf8)) }
        var states: [String: String] = [:]
        if !loaded.apps.isEmpty, !dryRun || broker.brokers != nil || DevState.read(directory: broker.stateDirectory)?.isRunning == true {
            let (kafka, dev) = try broker.resolve()
            let logger = makeLogger("almanac.apply")
            let topics = AlmanacTopics(prefix: broker.topicPrefix)
            let current = try await ConfigSnapshot.read(kafka: kafka, topics: topics, logger: logger)
            let changed = loaded.apps.filter { current[$0.config.app] != $0.config }
            for app in loaded.apps {
                states[app.config.app] = current[app.config.app] == nil ? "created" : (current[app.config.app] == app.config ? "unchanged" : "changed")
            }
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
                 "published": !dryRun && ["created", "changed"].contains(states[app.config.app] ?? "")]
            }
            // One object per problem: {file, field, line, column, reason} (line and column null when unknown).
            let refused: [[String: Any]] = loaded.errors.map { error in
                ["file": error.source ?? path, "field": error.field, "reason": error.reason,
                 "line": error.line.map { $0 as Any } ?? NSNull(), "column": error.column.map { $0 as Any } ?? NSNull()]
            }
            let data = try JSONSerialization.data(withJSONObject: ["apps": rows, "refused": refused], options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for app in loaded.apps {
                let state = states[app.config.app] ?? "valid"
                let verb = dryRun ? (state == "valid" ? "valid" : "would be \(state)") : (state == "unchanged" ? "unchanged" : "applied (\(state))")
                print("\(verb) \(app.config.app) (\(app.config.jobs.count) jobs) from \(app.file)")
            }
        }
        if !loaded.errors.isEmpty { throw ExitCode(2) }
    }
}
