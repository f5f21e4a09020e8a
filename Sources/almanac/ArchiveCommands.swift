import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka

/// `almanac export [--from T --to T] > archive.jsonl`: every topic as JSON lines (``LogArchive``).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the log as JSON lines (one message each) to stdout, for archiving and `almanac import`.",
        discussion: """
            With a window, config and control events are kept from the beginning up to --to (state \
            is rebuilt from them), other events when their time is in [--from, --to); messages that \
            are not valid events are always kept. Progress goes to stderr.
            Example: almanac export --from 2026-03-01T00:00:00Z --to 2026-04-01T00:00:00Z > march.jsonl
            """)

    @Option(help: "Start of the window, inclusive (RFC 3339).")
    var from: String?

    @Option(help: "End of the window, exclusive (RFC 3339).")
    var to: String?

    @Flag(help: "No progress bar and no final count line on stderr.")
    var quiet = false

    @OptionGroup var broker: BrokerOptions

    func run() async throws {
        let window = try parseWindow(from: from, to: to)
        let (kafka, _) = try broker.resolve()
        let topics = AlmanacTopics(prefix: broker.topicPrefix)
        let stateTopics: Set<String> = [topics.config, topics.control]
        let bar = ProgressBar.onTerminal(quiet: quiet)
        let out = FileHandle.standardOutput
        var written = 0
        do {
            _ = try await LogSnapshotReader(kafka: kafka, topics: topics.all, logger: makeLogger("almanac.export"))
                .replay(progress: { bar.show($0) }) { batch in
                    var chunk: [UInt8] = []
                    for message in batch {
                        if let (start, end) = window, let time = try? EventCodec.decode(message.value).time {
                            let keep = stateTopics.contains(message.topic) ? time < end : (start <= time && time < end)
                            guard keep else { continue }
                        }
                        chunk += LogArchive.line(message)
                        written += 1
                    }
                    out.write(Data(chunk))
                }
            bar.clear()
        } catch {
            bar.clear()
            throw error
        }
        if !quiet { FileHandle.standardError.write(Data("almanac export: wrote \(written) message(s)\n".utf8)) }
    }
}

/// `almanac import archive.jsonl`: writes an archive back, each message to its topic and partition.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write an archive of `almanac export` into an empty cluster (same topics and partitions, same order).",
        discussion: """
            The topics must exist with at least the archive's partitions (`almanac dev --roles none` \
            creates them) and be empty, unless --force. An invalid line is refused before anything \
            is written (exit 2).
            Example: almanac dev --roles none --apps /tmp/none & almanac import march.jsonl
            """)

    @Argument(help: "The archive (JSON lines from almanac export).")
    var file: String

    @Flag(help: "Import even if the topics already hold messages.")
    var force = false

    @Flag(help: "No progress bar and no final count line on stderr.")
    var quiet = false

    @OptionGroup var broker: BrokerOptions

    func run() async throws {
        let entries = try readArchive()
        let (kafka, _) = try broker.resolve()
        let logger = makeLogger("almanac.import")
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let described = try await admin.describeTopics()
        var needed: [String: Int32] = [:]
        for entry in entries { needed[entry.topic] = max(needed[entry.topic] ?? 0, entry.partition + 1) }
        for (topic, partitions) in needed.sorted(by: { $0.key < $1.key }) {
            guard let count = described[topic] else {
                throw ValidationError("topic \(topic) does not exist on \(kafka.bootstrapServers) (start `almanac dev --roles none`, or create the topics)")
            }
            guard count >= Int(partitions) else {
                throw ValidationError("topic \(topic) has \(count) partition(s); the archive needs \(partitions)")
            }
        }
        if !force {
            let all = needed.keys.flatMap { topic in (0..<(described[topic] ?? 0)).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) } }
            let ends = try await admin.endOffsets(all)
            if let busy = ends.filter({ $0.value > 0 }).keys.sorted(by: { ($0.topic, $0.partition) < ($1.topic, $1.partition) }).first {
                throw ValidationError("\(busy) already holds messages: import into an empty cluster, or pass --force")
            }
        }
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let bar = ProgressBar.onTerminal(quiet: quiet)
        var sent: Int64 = 0
        do {
            for start in stride(from: 0, to: entries.count, by: 10_000) {
                let records = entries[start..<min(start + 10_000, entries.count)].map(Self.record)
                try await producer.sendAll(records)
                sent += Int64(records.count)
                bar.show(read: sent, total: Int64(entries.count))
            }
            bar.clear()
        } catch {
            bar.clear()
            await producer.shutdown()
            throw error
        }
        await producer.shutdown()
        if !quiet { FileHandle.standardError.write(Data("almanac import: wrote \(sent) message(s) to \(needed.count) topic(s)\n".utf8)) }
    }

    /// Every line parsed before anything is written.
    /// - Throws: ``InputError`` (exit 2) naming the file and line.
    func readArchive() throws -> [LogArchive.Entry] { try Self.readArchive(file) }

    /// Every line of the archive `file`, parsed.
    /// - Throws: ``InputError`` (exit 2) naming the file and line.
    static func readArchive(_ file: String) throws -> [LogArchive.Entry] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw InputError(description: "cannot read archive \(file)")
        }
        var entries: [LogArchive.Entry] = []
        var number = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            do {
                entries.append(try LogArchive.parse(Array(line), number: number))
            } catch {
                throw InputError(description: "archive \(file): \(UserMessage.describe(error))")
            }
        }
        return entries
    }

    /// The message for an entry: same topic, partition, key and value; CloudEvents headers
    /// (`ce_type`, `ce_id`, `ce_specversion`) when the value is a valid event.
    static func record(_ entry: LogArchive.Entry) -> KafkaProducerRecord {
        var headers: [KafkaHeader] = []
        if let envelope = try? EventCodec.decode(entry.value) {
            headers = [KafkaHeader(key: "ce_type", string: envelope.type), KafkaHeader(key: "ce_id", string: envelope.id),
                       KafkaHeader(key: "ce_specversion", string: "1.0")]
        }
        return KafkaProducerRecord(topic: entry.topic, key: entry.key, value: entry.value, headers: headers, partition: entry.partition)
    }
}
