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

    @OptionGroup var broker: BrokerOptions

    func publish(paused: Bool) async throws {
        let (kafka, dev) = try broker.resolve()
        let logger = makeLogger("almanac.cli")
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: AlmanacTopics(prefix: broker.topicPrefix), source: "almanac/cli")
        let actor = "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "unknown")"
        let toggle = ScheduleToggled(app: app, job: job, reason: reason, actor: actor)
        // Connect first, then stamp: the event's time is when it is published (on dev's simulated clock if one runs).
        _ = try await producer.partitionCount(topic: publisher.topics.control)
        let clock: any WallClock = dev?.clock ?? SystemWallClock()
        let now = clock.now()
        let report = try await publisher.publish(paused ? .schedulePaused(toggle) : .scheduleResumed(toggle), at: now)
        await producer.shutdown()
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
