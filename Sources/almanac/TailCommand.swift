import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka
import ServiceLifecycle

/// `almanac tail`: the event stream as one human-readable line per event.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print the latest events of Almanac's topics, one line each (--follow to keep printing).",
        discussion: """
            Reads the last --lines events of each partition (assign, no consumer group), prints them \
            in event-time order, then, with --follow, every new event until Ctrl-C. Events that are \
            not valid are shown as such. Times are wall time in --zone.
            Example: almanac tail --topic charges,dlq --follow
            """)

    @Option(help: "Comma-separated topics without the prefix (config, control, triggers, ticks, executions, charges, dlq). Default: all.")
    var topic: String?

    @Option(help: "Events shown per partition before following.")
    var lines: Int = 10

    @Flag(help: "Keep printing new events until interrupted.")
    var follow = false

    @Option(help: "IANA zone for the times shown.")
    var zone: String = "America/New_York"

    @Flag(help: "Print each event's JSON instead of a line.")
    var json = false

    @Option(help: "Only the events of this app (its config, pauses, triggers, runs, charges and rejections); --lines counts the events read per partition before this filter.")
    var app: String?

    @OptionGroup var broker: BrokerOptions

    func validate() throws {
        guard lines >= 0 else { throw ValidationError("--lines must be 0 or more") }
        guard TimeZone(identifier: zone) != nil else { throw ValidationError("--zone: unknown IANA time zone \"\(zone)\"") }
        let known = Set(AlmanacTopics().partitions.keys)
        for name in topicNames where !known.contains(name) {
            throw ValidationError("--topic: unknown topic \"\(name)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    var topicNames: [String] {
        topic.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? AlmanacTopics().partitions.keys.sorted()
    }

    func run() async throws {
        let (kafka, _) = try broker.resolve()
        let logger = makeLogger("almanac.tail")
        let topics = AlmanacTopics(prefix: broker.topicPrefix)
        let formatter = EventLine(zone: TimeZone(identifier: zone)!)
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let described = try await admin.describeTopics()
        var partitions: [KafkaTopicPartition] = []
        for name in topicNames {
            let full = topics.name(name)
            guard let count = described[full] else { throw ValidationError("topic \(full) does not exist on \(kafka.bootstrapServers)") }
            partitions += (0..<count).map { KafkaTopicPartition(topic: full, partition: Int32($0)) }
        }
        var configuration = KafkaConsumerConfiguration(client: kafka)
        configuration.client.clientID = "almanac-tail"
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let marks = try await consumer.watermarks(partitions)
        let ends = try await admin.endOffsets(partitions)
        // The backlog: the last `lines` of each partition, sorted by event time across partitions.
        var remaining = Set(partitions.filter { (ends[$0] ?? 0) > max(marks[$0]?.low ?? 0, (ends[$0] ?? 0) - Int64(lines)) })
        try consumer.assign(partitions.map { tp in
            let start = max(marks[tp]?.low ?? 0, (ends[tp] ?? 0) - Int64(lines))
            return (tp, .offset(start))
        })
        var backlog: [(Date, String)] = []
        var quietSince = ContinuousClock.now
        while !remaining.isEmpty && ContinuousClock.now - quietSince < .seconds(5) {
            let messages = try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(200))
            if !messages.isEmpty { quietSince = ContinuousClock.now }
            for message in messages {
                if let line = describe(message, formatter) { backlog.append(line) }
                if message.offset + 1 >= (ends[message.topicPartition] ?? 0) { remaining.remove(message.topicPartition) }
            }
        }
        writeLines(backlog.sorted(by: { $0.0 < $1.0 }).map(\.1))
        guard follow else {
            await consumer.close()
            return
        }
        let follower = TailFollower(consumer: consumer, formatter: formatter, json: json, app: app)
        try await ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: follower)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
        await consumer.close()
    }

    /// (event time, line) of a message; invalid ones are shown with their coordinates and reason.
    /// `nil` when `--app` filters it out.
    private func describe(_ message: KafkaConsumerMessage, _ formatter: EventLine) -> (Date, String)? {
        Self.describe(message, formatter, json: json, app: app)
    }

    /// - Parameter app: only events of this app (``AlmanacEvent/app``; an undecodable message by its key).
    static func describe(_ message: KafkaConsumerMessage, _ formatter: EventLine, json: Bool, app: String? = nil) -> (Date, String)? {
        let decoded = Result { try EventCodec.decode(message.value) }
        if let app {
            let eventApp = (try? decoded.get()).map { $0.event.app } ?? message.keyString.flatMap(AlmanacEvent.app(ofKey:))
            guard eventApp == app else { return nil }
        }
        if json {
            return ((try? decoded.get())?.time ?? .distantPast, String(decoding: message.value, as: UTF8.self))
        }
        switch decoded {
        case .success(let envelope):
            return (envelope.time, formatter.text(envelope))
        case .failure(let error):
            return (.distantPast, "                  INVALID   \(message.topic)[\(message.partition)]@\(message.offset): \(error)")
        }
    }
}

/// Prints new events until graceful shutdown (SIGINT/SIGTERM).
struct TailFollower: Service {
    let consumer: KafkaConsumer
    let formatter: EventLine
    let json: Bool
    let app: String?

    func run() async throws {
        let (consumer, formatter, json, app) = (self.consumer, self.formatter, self.json, self.app)
        await cancelWhenGracefulShutdownOrCancel {
            while !Task.isCancelled {
                guard let messages = try? await consumer.poll(maxMessages: 1000, timeout: .milliseconds(200)) else { continue }
                writeLines(messages.compactMap { TailCommand.describe($0, formatter, json: json, app: app)?.1 })
            }
        }
    }
}

/// Writes lines to stdout unbuffered, so `almanac tail --follow | grep …` sees each at once.
func writeLines(_ lines: [String]) {
    guard !lines.isEmpty else { return }
    FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
}
