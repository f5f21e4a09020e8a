import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka

/// Publishes `schedule.paused` / `schedule.resumed` for an app or one of its jobs.
struct ToggleOptions: ParsableArguments {
    @Argument(help: "App id.")
    var app: String

    @Option(help: "Only this job of the app.")
    var job: String?

    @Option(help: "Why (kept in the event and shown by audits).")
    var reason: String?

    @Flag(help: "Print where the event landed as JSON (type, topic, partition, offset, time).")
    var json = false

    @OptionGroup var broker: BrokerOptions

    func publish(paused: Bool) async throws {
        let (kafka, dev) = try broker.resolve()
        let logger = makeLogger("almanac.cli")
        let topics = AlmanacTopics(prefix: broker.topicPrefix)
        // Refused here (exit 2) rather than dead-lettered by the projector later.
        let apps = try await ConfigSnapshot.read(kafka: kafka, topics: topics, logger: logger)
        guard let config = apps[app] else {
            throw InputError(description: NameSuggestions.unknownApp(app, known: Array(apps.keys)))
        }
        if let job, !config.jobs.contains(where: { $0.name == job }) {
            throw InputError(description: NameSuggestions.unknownJob(job, app: app, known: config.jobs.map(\.name)))
        }
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "almanac/cli")
        let actor = "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "unknown")"
        let toggle = ScheduleToggled(app: app, job: job, reason: reason, actor: actor)
        // Connect first, then stamp: the event's time is when it is published (on dev's simulated clock if one runs).
        _ = try await producer.partitionCount(topic: publisher.topics.control)
        let clock: any WallClock = dev?.clock ?? SystemWallClock()
        let now = clock.now()
        let event: AlmanacEvent = paused ? .schedulePaused(toggle) : .scheduleResumed(toggle)
        let report = try await publisher.publish(event, at: now)
        await producer.shutdown()
        if json { return try printPublished(event, report, at: now) }
        print("\(paused ? "paused" : "resumed") \(app)\(job.map { "/\($0)" } ?? "") at \(RFC3339.utcMilliseconds(now)) (\(report.topicPartition)@\(report.offset))")
    }
}

struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause an app's schedules (runs due while paused are skipped, not caught up).",
        discussion: "Example: almanac pause clinic-reminders --reason \"clinic closed\"")
    @OptionGroup var options: ToggleOptions
    func run() async throws { try await options.publish(paused: true) }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume an app's schedules at their next slot.",
        discussion: "Example: almanac resume clinic-reminders")
    @OptionGroup var options: ToggleOptions
    func run() async throws { try await options.publish(paused: false) }
}

/// `--json` output of a command that published one event: where it landed, as the http API's
/// `Published` view (schemas/openapi.yaml).
func printPublished(_ event: AlmanacEvent, _ report: KafkaDeliveryReport, at time: Date, triggerId: TriggerID? = nil) throws {
    var object: [String: Any] = ["type": event.kind.rawValue, "topic": report.topicPartition.topic,
                                 "partition": Int(report.topicPartition.partition), "offset": report.offset,
                                 "time": RFC3339.utcMilliseconds(time)]
    if let triggerId { object["triggerId"] = triggerId.description }
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
