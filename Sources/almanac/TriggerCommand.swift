import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka

struct TriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Run a job now (a manual trigger, outside its schedule).",
        discussion: """
            Publishes job.triggered(source: manual) with a fresh UUID as its trigger id, so two manual runs
            are always two runs. The job need not have a schedule.
            Example: almanac trigger clinic-reminders send-reminders --params '{"dryRun": true}'
            """)

    @Argument(help: "App id.")
    var app: String

    @Argument(help: "Job name.")
    var job: String

    @Option(help: "Params for the run, a JSON value (sent to the job on stdin).")
    var params: String?

    @Flag(help: "Print where the trigger landed as JSON (type, topic, partition, offset, time, triggerId).")
    var json = false

    @OptionGroup var broker: BrokerOptions

    func run() async throws {
        var value: JSONValue?
        if let params {
            do { value = try JSONDecoder().decode(JSONValue.self, from: Data(params.utf8)) } catch {
                throw InputError(description: "--params is not valid JSON: \(params)")
            }
        }
        let (kafka, dev) = try broker.resolve()
        let logger = makeLogger("almanac.cli")
        let topics = AlmanacTopics(prefix: broker.topicPrefix)
        let apps = try await ConfigSnapshot.read(kafka: kafka, topics: topics, logger: logger)
        guard let config = apps[app] else {
            throw InputError(description: NameSuggestions.unknownApp(app, known: Array(apps.keys)))
        }
        guard config.jobs.contains(where: { $0.name == job }) else {
            throw InputError(description: NameSuggestions.unknownJob(job, app: app, known: config.jobs.map(\.name)))
        }
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "almanac/cli")
        let clock: any WallClock = dev?.clock ?? SystemWallClock()
        let now = clock.now()
        let trigger = JobTriggered(triggerId: TriggerID(UUID().uuidString.lowercased()),
                                   job: JobKey(account: config.account, app: app, job: job),
                                   scheduledFor: now, source: .manual, params: value)
        let report = try await publisher.publish(.jobTriggered(trigger), at: now)
        await producer.shutdown()
        if json { return try printPublished(.jobTriggered(trigger), report, at: now, triggerId: trigger.triggerId) }
        print("triggered \(trigger.job) as \(trigger.triggerId) (\(report.topicPartition)@\(report.offset))")
        print("follow it with: almanac runs show \(trigger.triggerId)")
    }
}
