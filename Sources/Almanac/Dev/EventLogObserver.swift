import AlmanacCore
import Foundation
import Kafka
import Logging
import ServiceLifecycle
import Synchronization

/// Reads every Almanac topic from the beginning (assign, no group), prints one readable line per
/// trigger, completion, skip, charge, pause and rejection, keeps a ``RunSummary``, and optionally
/// appends every message to a JSON-lines export (`{"topic","partition","offset","key","value"}`).
public final class EventLogObserver: Service, Sendable {
    let consumer: KafkaConsumer
    let topics: AlmanacTopics
    let zone: TimeZone
    /// The writers' clock speed (``EventLine/clockSpeed``).
    let clockSpeed: Double
    let printLines: Bool
    let export: FileHandle?
    private let summaryBox = Mutex(RunSummary())
    private let positions = Mutex([KafkaTopicPartition: Int64]())

    public init(kafka: KafkaConfiguration, topics: AlmanacTopics, zone: TimeZone, clockSpeed: Double = 1, printLines: Bool, exportPath: String?,
                logger: Logger) throws {
        consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka), logger: logger)
        self.topics = topics
        self.zone = zone
        self.clockSpeed = clockSpeed
        self.printLines = printLines
        if let exportPath {
            _ = FileManager.default.createFile(atPath: exportPath, contents: nil)
            export = FileHandle(forWritingAtPath: exportPath)
        } else {
            export = nil
        }
    }

    public var summary: RunSummary { summaryBox.withLock { $0 } }

    public func run() async throws {
        var partitions: [KafkaTopicPartition] = []
        for topic in topics.all {
            let count = try await consumer.partitionCount(topic: topic) ?? 0
            partitions += (0..<count).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
        }
        try consumer.assign(partitions.map { ($0, .beginning) })
        await cancelWhenGracefulShutdownOrCancel {
            while !Task.isCancelled {
                guard let messages = try? await self.consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)) else { continue }
                self.handle(messages)
            }
        }
    }

    /// Reads until every partition is at its current high watermark (used before printing the
    /// summary, once ``run()`` has returned: it polls itself, since messages written while the
    /// session shut down — by other processes' roles, say — are not read by anyone else).
    public func drain(timeout: Duration = .seconds(30)) async {
        let deadline = ContinuousClock.now + timeout
        guard let marks = try? await consumer.watermarks(Array(consumer.assignment)) else { return }
        while ContinuousClock.now < deadline {
            let done = positions.withLock { positions in
                marks.allSatisfy { tp, mark in mark.high <= (positions[tp] ?? mark.low) }
            }
            if done { break }
            guard let messages = try? await consumer.poll(maxMessages: 1000, timeout: .milliseconds(50)) else { break }
            handle(messages)
        }
    }

    public func close() async {
        await consumer.close()
        try? export?.close()
    }

    private func handle(_ messages: [KafkaConsumerMessage]) {
        var out = ""
        var exportLines = Data()
        for message in messages {
            positions.withLock { $0[message.topicPartition] = message.offset + 1 }
            if export != nil { exportLines.append(Self.exportLine(message)) }
            guard let envelope = try? EventCodec.decode(message.value) else {
                if printLines { out += "  !! undecodable message on \(message.topic)[\(message.partition)]@\(message.offset)\n" }
                continue
            }
            summaryBox.withLock { $0.add(envelope.event) }
            if printLines, let line = describe(envelope) { out += line + "\n" }
        }
        if !out.isEmpty { FileHandle.standardOutput.write(Data(out.utf8)) }
        if let export, !exportLines.isEmpty { export.write(exportLines) }
    }

    static func exportLine(_ message: KafkaConsumerMessage) -> Data {
        var object: [String: Any] = ["topic": message.topic, "partition": Int(message.partition), "offset": message.offset]
        object["key"] = message.keyString ?? NSNull()
        if let json = try? JSONSerialization.jsonObject(with: Data(message.value)) {
            object["value"] = json
        } else {
            object["valueBase64"] = Data(message.value).base64EncodedString()
        }
        var data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        data.append(0x0A)
        return data
    }

    private func describe(_ envelope: EventEnvelope) -> String? {
        switch envelope.event {
        case .jobStarted, .tickCompleted:
            return nil  // dev prints what a user follows: triggers, outcomes, charges, toggles
        default:
            return EventLine(zone: zone, clockSpeed: clockSpeed).text(envelope)
        }
    }
}
