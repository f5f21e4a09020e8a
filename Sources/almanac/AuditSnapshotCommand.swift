import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka
import Logging

/// `almanac audit snapshot [--json]`: the log stays the truth. Rebuilds the projection from offset
/// 0 and compares it with the newest snapshot rolled forward over the same log (both read up to the
/// end offsets found at start), printing each difference.
struct AuditSnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Rebuild the projection from offset 0 and compare it with the newest snapshot (exit 1 on a difference).",
        discussion: """
            Reads the newest usable snapshot of the full projection (config, control, ticks, executions) from the \
            snapshots topic, folds the log after its positions, folds the whole log from offset 0, both up to the \
            end offsets read at start, and prints the differences. Snapshots passed over (corrupt, newer major \
            version, offsets the log no longer has) are listed. Exit 0 when equal, 1 when they differ or no \
            snapshot is usable. Nothing is written (no dlq records). See docs/snapshots.md.
            Example: almanac audit snapshot --brokers kafka-1:9092
            """)

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var broker: BrokerOptions

    func run() async throws {
        let (kafka, dev) = try broker.resolve()
        let logger = makeLogger("almanac.audit")
        let topics = AlmanacTopics(prefix: broker.topicPrefix)
        let clock: any WallClock = dev?.clock ?? SystemWallClock()
        // Never written to (rejectsToDLQ is off): ProjectorService needs a publisher.
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let equal = try await compare(kafka: kafka, topics: topics, clock: clock, producer: producer, logger: logger)
        await producer.shutdown()
        if !equal { throw ExitCode(1) }
    }

    /// - Returns: whether a usable snapshot exists and equals the replay.
    private func compare(kafka: KafkaConfiguration, topics: AlmanacTopics, clock: any WallClock, producer: KafkaProducer, logger: Logger) async throws -> Bool {
        let publisher = EventPublisher(producer: producer, topics: topics, source: "almanac/audit")

        func projector() throws -> ProjectorService {
            var projector = try ProjectorService(store: ProjectionStore(), kafka: kafka, publisher: publisher, topics: topics, clock: clock, logger: logger)
            projector.snapshots.load = false
            projector.snapshots.write = false
            projector.snapshots.onShutdown = false
            projector.rejectsToDLQ = false
            return projector
        }
        var fromSnapshot = try projector()
        let ends = try await fromSnapshot.allHighWatermarks()
        let (selection, _) = try await ProjectionSnapshotLog(kafka: kafka, topics: topics, logger: logger).newest(topics: fromSnapshot.foldedTopicNames)
        let rejected = selection.rejections.map { "snapshot \($0.key) rejected (\($0.reason.rawValue)): \($0.error.detail)" }
        guard let snapshot = selection.snapshot, let manifest = selection.manifest else {
            report(["no usable snapshot on \(topics.snapshots)"], rejected: rejected, manifest: nil, counts: nil)
            return false
        }
        fromSnapshot.startsFrom = (snapshot, manifest)
        fromSnapshot.stopsAt = ends
        try await fromSnapshot.run()
        var replay = try projector()
        replay.stopsAt = ends
        try await replay.run()
        let differences = ProjectionDiff.differences(replay.store.state, fromSnapshot.store.state)
        report(differences, rejected: rejected, manifest: manifest, counts: (replay.store.messagesRead, fromSnapshot.store.messagesRead))
        return differences.isEmpty
    }

    private func report(_ differences: [String], rejected: [String], manifest: SnapshotManifest?, counts: (replay: Int, tail: Int)?) {
        if json {
            var object: [String: Any] = ["equal": differences.isEmpty && manifest != nil, "differences": differences, "rejected": rejected]
            if let manifest {
                object["snapshot"] = ["key": manifest.key, "sequence": manifest.sequence, "bytes": manifest.bytes, "chunks": manifest.chunks,
                                      "eventTime": manifest.eventTime.map(RFC3339.utcMilliseconds) as Any]
            }
            if let counts { object["replayedMessages"] = counts.replay; object["tailMessages"] = counts.tail }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for line in rejected { print(line) }
        if let manifest, let counts {
            print("snapshot \(manifest.key) #\(manifest.sequence) (\(manifest.bytes) bytes, events up to \(manifest.eventTime.map(RFC3339.utcMilliseconds) ?? "none")) + \(counts.tail) message(s) after it, against \(counts.replay) message(s) replayed from offset 0: \(differences.isEmpty ? "equal" : "\(differences.count) difference(s)")")
        }
        for line in differences { print("  \(line)") }
    }
}
