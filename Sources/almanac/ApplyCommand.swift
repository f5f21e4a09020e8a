import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Validate app files and publish app.configured for each valid one.",
        discussion: """
            Relative programs and working directories are made absolute against each file's folder.
            Invalid files are reported (file, field, reason) and not published; exit code 2 if any.
            Example: almanac apply examples/apps
            """)

    @Argument(help: "An app file (YAML or JSON) or a folder of them.")
    var path: String

    @OptionGroup var broker: BrokerOptions

    @Flag(help: "Only validate; publish nothing.")
    var dryRun = false

    func run() async throws {
        let loaded = AppFileLoader.load(path: path)
        for error in loaded.errors { FileHandle.standardError.write(Data("almanac: refused app file \(error)\n".utf8)) }
        if !dryRun && !loaded.apps.isEmpty {
            let (kafka, dev) = try broker.resolve()
            let logger = makeLogger("almanac.apply")
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
            let publisher = EventPublisher(producer: producer, topics: AlmanacTopics(prefix: broker.topicPrefix), source: "almanac/cli")
            let clock: any WallClock = dev?.clock ?? SystemWallClock()
            try await publisher.publish(loaded.apps.map { .appConfigured(AppConfigured(config: $0.config)) }, at: clock.now())
            await producer.shutdown()
        }
        for app in loaded.apps { print("\(dryRun ? "valid" : "applied") \(app.config.app) (\(app.config.jobs.count) jobs) from \(app.file)") }
        if !loaded.errors.isEmpty { throw ExitCode(2) }
    }
}
