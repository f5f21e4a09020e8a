import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka

/// `almanac remove APP`: publishes `app.removed` for a configured app.
struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove an app: publish app.removed, so its jobs stop.",
        discussion: """
            The ticker stops triggering the app's jobs from the next minute; triggers already queued \
            are recorded as job.skipped (removed) and not charged. Its past runs and charges stay in \
            the log (audits still show them). `almanac apply` of its file configures it again.
            Example: almanac remove clinic-reminders
            """)

    @Argument(help: "App id.")
    var app: String

    @Flag(help: "Print where the event landed as JSON (type, topic, partition, offset, time).")
    var json = false

    @OptionGroup var broker: BrokerOptions

    func run() async throws {
        let (kafka, dev) = try broker.resolve()
        let logger = makeLogger("almanac.cli")
        let topics = AlmanacTopics(prefix: broker.topicPrefix)
        let apps = try await ConfigSnapshot.read(kafka: kafka, topics: topics, logger: logger)
        guard let config = apps[app] else { throw InputError(description: NameSuggestions.unknownApp(app, known: Array(apps.keys))) }
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "almanac/cli")
        _ = try await producer.partitionCount(topic: topics.config)
        let clock: any WallClock = dev?.clock ?? SystemWallClock()
        let now = clock.now()
        let event = AlmanacEvent.appRemoved(AppRemoved(app: app, account: config.account))
        let report = try await publisher.publish(event, at: now)
        await producer.shutdown()
        if json { return try printPublished(event, report, at: now) }
        print("removed \(app) (account \(config.account), \(config.jobs.count) jobs) at \(RFC3339.utcMilliseconds(now)) (\(report.topicPartition)@\(report.offset))")
    }
}
