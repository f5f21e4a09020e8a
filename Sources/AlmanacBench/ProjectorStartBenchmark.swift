import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka
import Logging

/// `history-projector-start` (`history.projector_start`): a projector started after `events`
/// history events over a fixed set of `apps` (``HistoryCorpus``; the live state does not grow
/// with the history), a snapshot written at the end of them by a previous
/// projector, then `tail` more events. Measures messages read (the snapshot's plus the log's) and
/// the time until it has read every partition to its end, from a snapshot (`almanac`) and from
/// offset 0 (`full-replay`), and the RSS growth of the projection.
struct ProjectorStartBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history-projector-start")

    @Option(help: "History events before the snapshot.") var events = 100_000
    @Option(help: "Events after the snapshot.") var tail = 1_000
    @Option(help: "Apps (five jobs each): the live state, the same whatever the history's length.") var apps = 1_000
    @Option(help: "Repetitions of each side.") var reps = 3

    func run() async throws {
        let logger = KafkaBench.logger
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        let topics = HistoryCorpus.topics(prefix: "bench.")
        for spec in topics.specifications { try cluster.createTopic(spec.name, partitions: spec.partitions) }
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "bench")
        let total = events + tail

        Bench.log("producing \(events) events")
        _ = try await HistoryCorpus.produce(0..<events, apps: apps, publisher: publisher)
        // A projector that folds the history and writes its snapshot at shutdown.
        let writer = try projector(kafka: kafka, publisher: publisher, topics: topics, logger: logger)
        var writing = writer
        writing.snapshots.load = false
        writing.snapshots.write = true
        writing.snapshots.onShutdown = true
        writing.snapshots.everyMessages = 0
        writing.snapshots.interval = nil
        let writerTask = Task { [writing] in try await writing.run() }
        await writer.store.waitUntilCaughtUp(to: try await writer.allHighWatermarks())
        writerTask.cancel()
        try await writerTask.value
        Bench.log("snapshot written after \(writer.store.messagesRead) events; producing \(tail) more")
        _ = try await HistoryCorpus.produce(events..<total, apps: apps, publisher: publisher)
        let ends = try await writer.allHighWatermarks()
        guard ends.values.reduce(0, +) == Int64(total) else { Bench.fail("the log holds \(ends.values.reduce(0, +)) events, expected \(total)") }
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka), logger: logger)
        if let dropped = try await consumer.watermarks(Array(ends.keys)).first(where: { $0.value.low != 0 }) {
            Bench.fail("the embedded broker dropped the head of \(dropped.key) (low watermark \(dropped.value.low))")
        }
        await consumer.close()

        var sides: [String: (seconds: [Double], messages: [Double], rss: [Double])] = [:]
        for rep in 0..<reps {
            for (side, load) in [("almanac", true), ("full-replay", false)] {
                await Bench.settleKafka()
                Bench.trimHeap()
                let rssBefore = Bench.currentRSSBytes()
                var started = try projector(kafka: kafka, publisher: publisher, topics: topics, logger: logger)
                started.snapshots.load = load
                let began = Bench.nanoseconds()
                let task = Task { [started] in try await started.run() }
                await started.store.waitUntilCaughtUp(to: ends)
                let seconds = Double(Bench.nanoseconds() - began) / 1e9
                let rss = Double(Bench.currentRSSBytes() - rssBefore)
                task.cancel()
                try await task.value
                let messages = Double(started.store.messagesRead + started.store.snapshotMessagesRead)
                if started.store.state.apps.count != apps {
                    Bench.fail("\(side): the projection holds \(started.store.state.apps.count) apps, expected \(apps)")
                }
                sides[side, default: ([], [], [])].seconds.append(seconds)
                sides[side, default: ([], [], [])].messages.append(messages)
                sides[side, default: ([], [], [])].rss.append(rss)
                Bench.log("rep \(rep + 1) \(side): ready in \(String(format: "%.3f", seconds)) s after reading \(Int(messages)) messages, RSS +\(Int(rss) >> 20) MiB")
            }
        }
        await producer.shutdown()
        for (side, figures) in sides.sorted(by: { $0.key < $1.key }) {
            BenchResult(name: "history.projector_start", side: side, unit: "s", samples: figures.seconds,
                        extra: ["events": Double(events), "tail": Double(tail), "apps": Double(apps), "messages_read": Bench.median(figures.messages),
                                "rss_growth_bytes": Bench.median(figures.rss)]).emit()
        }
    }

    /// A full projector (config, control, ticks, executions) that writes no snapshot.
    private func projector(kafka: KafkaConfiguration, publisher: EventPublisher, topics: AlmanacTopics, logger: Logger) throws -> ProjectorService {
        var projector = try ProjectorService(store: ProjectionStore(), kafka: kafka, publisher: publisher, topics: topics,
                                             clock: SystemWallClock(), logger: logger)
        projector.snapshots.write = false
        projector.snapshots.onShutdown = false
        return projector
    }
}
