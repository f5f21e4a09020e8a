import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka
import Logging

/// `projector-rebuild` (issue 11): the projector folds N config / control / execution events from
/// the embedded broker, from offset 0 to the end; events/s against the floor of the same work
/// without the fold: the same consumer reading the same partitions and only decoding.
struct ProjectorRebuildBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "projector-rebuild")

    @Option(help: "Events in the log.") var events = 1_000_000
    @Option(help: "Repetitions of each side.") var reps = 5

    func run() async throws {
        let logger = KafkaBench.logger
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        let topics = HistoryCorpus.topics(prefix: "bench.")
        for spec in topics.specifications { try cluster.createTopic(spec.name, partitions: spec.partitions) }
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "bench")

        Bench.log("producing \(events) events")
        let apps = HistoryCorpus.apps(events: events)
        let bytes = try await HistoryCorpus.produce(0..<events, apps: apps, publisher: publisher)
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let partitions = [topics.config, topics.control, topics.ticks, topics.executions].flatMap { topic in
            (0..<topics.partitions[String(topic.dropFirst(topics.prefix.count))]!).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
        }
        let ends = try await admin.endOffsets(partitions)
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka), logger: logger)
        let marks = try await consumer.watermarks(partitions)
        await consumer.close()
        if let dropped = marks.first(where: { $0.value.low != 0 }) {
            Bench.fail("the embedded broker dropped the head of \(dropped.key) (low watermark \(dropped.value.low), high \(dropped.value.high))")
        }
        let total = ends.values.reduce(0, +)
        guard total == Int64(events) else { Bench.fail("the log holds \(total) events, expected \(events)") }
        Bench.log("\(events) events, \(bytes / events) bytes on average")

        var fold: [Double] = []
        var decode: [Double] = []
        for rep in 0..<reps {
            // Alternate sides so that machine noise hits both alike.
            await Bench.settleKafka()
            decode.append(Double(events) / (try await decodeOnly(kafka: kafka, partitions: partitions, ends: ends)))
            await Bench.settleKafka()
            let store = ProjectionStore()
            var projector = try ProjectorService(store: store, kafka: kafka, publisher: publisher, topics: topics,
                                                 clock: SystemWallClock(), logger: logger)
            // The fold alone, from offset 0: no snapshot read or written.
            projector.snapshots.load = false
            projector.snapshots.write = false
            let began = Bench.nanoseconds()
            let task = Task { try await projector.run() }
            await store.waitUntilCaughtUp(to: ends)
            let seconds = Double(Bench.nanoseconds() - began) / 1e9
            task.cancel()
            _ = try? await task.value
            fold.append(Double(events) / seconds)
            if store.state.apps.count != apps { Bench.fail("the projection holds \(store.state.apps.count) apps, expected \(apps)") }
            Bench.log("rep \(rep + 1): fold \(Int(fold.last!)) ev/s, decode only \(Int(decode.last!)) ev/s")
        }
        await producer.shutdown()
        BenchResult(name: "projector.rebuild", unit: "events/s", samples: fold,
                    extra: ["events": Double(events), "bytes_per_event": Double(bytes / events)]).emit()
        BenchResult(name: "projector.rebuild", side: "decode-only", unit: "events/s", samples: decode).emit()
    }

    /// Seconds for an assign-only consumer to read every partition to `ends`, decoding each message.
    private func decodeOnly(kafka: KafkaConfiguration, partitions: [KafkaTopicPartition], ends: [KafkaTopicPartition: Int64]) async throws -> Double {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka), logger: KafkaBench.logger)
        let began = Bench.nanoseconds()
        try consumer.assign(partitions.map { ($0, .beginning) })
        var remaining = ends.values.reduce(0, +)
        var decoded = 0
        while remaining > 0 {
            for message in try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)) {
                if (try? EventCodec.decode(message.value)) != nil { decoded += 1 }
                remaining -= 1
            }
        }
        let seconds = Double(Bench.nanoseconds() - began) / 1e9
        await consumer.close()
        if decoded != events { Bench.fail("decoded \(decoded) of \(events)") }
        return seconds
    }
}
