import ArgumentParser
import Foundation
import Kafka

/// `kafka.produce`: N messages (key `key-%07d`, `size`-byte value) through ``KafkaProducer`` into
/// an ``EmbeddedKafkaCluster`` started in this process (1 broker, `partitions` partitions), with
/// Almanac's producer defaults: idempotence on, `acks=all`, `linger.ms=5`, `murmur2_random`,
/// 100,000 queued messages at most. Timed from the first send to the last delivery report.
/// Each repetition uses a new cluster; afterwards every partition must still start at offset 0.
///
/// `--api batch` (default): one task hands chunks to ``KafkaProducer/enqueue(contentsOf:)`` and
/// waits for the oldest ticket once `inflight` chunks are outstanding (as the C baseline's one
/// thread keeps librdkafka's queue full). `--api concurrent`: ``KafkaProducer/send(contentsOf:)``
/// from `inflight` tasks at once. `--api single`: ``KafkaProducer/send(_:)`` per message,
/// `window` sends outstanding.
struct KafkaProduceBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kafka-produce", abstract: "produce N messages to the embedded cluster")

    @Option var messages = 1_000_000
    @Option var size = 200
    @Option var partitions = 64
    @Option var reps = 1
    @Option(help: "batch | concurrent | single | prototype (the suggested batch path, KafkaPrototypes.swift)") var api = "batch"
    @Option(help: "Records per send(contentsOf:) call.") var chunk = 10_000
    @Option(help: "Chunks in flight at once (batch).") var inflight = 4
    @Option(help: "Sends outstanding at once (single).") var window = 20_000

    func run() async throws {
        try KafkaBench.checkPartitions(messages: messages, size: size, partitions: partitions)
        var samples: [Double] = []
        for rep in 0..<reps {
            let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: KafkaBench.logger)
            try cluster.createTopic(KafkaBench.topic, partitions: partitions)
            let value = [UInt8](repeating: 0x61, count: size)
            let failures: Int
            let seconds: Double
            if api == "prototype" {
                let producer = PrototypeProducer(bootstrapServers: cluster.bootstrapServers)
                producer.waitForMetadata()
                let start = Bench.nanoseconds()
                // One task enqueues chunk after chunk (as the C baseline's one thread does) and
                // waits for the oldest ticket once `inflight` chunks are outstanding.
                var tickets: [PrototypeProducer.Ticket] = []
                var failed = 0
                for start in stride(from: 0, to: messages, by: chunk) {
                    if tickets.count >= inflight { failed += await tickets.removeFirst().wait() }
                    tickets.append(await producer.enqueue(contentsOf: (start..<min(start + chunk, messages)).map { record($0, value: value) }))
                }
                for ticket in tickets { failed += await ticket.wait() }
                failures = failed
                seconds = Double(Bench.nanoseconds() - start) / 1e9
                producer.shutdown()
            } else {
                let producer = try KafkaProducer(configuration: .init(client: .init(bootstrapServers: cluster.bootstrapServers)), logger: KafkaBench.logger)
                _ = try await producer.partitionCount(topic: KafkaBench.topic)  // metadata before the clock starts
                let start = Bench.nanoseconds()
                if api == "single" {
                    failures = try await sendSingly(producer, value: value)
                } else if api == "batch" {
                    failures = await enqueueChunks(producer, value: value)
                } else {
                    failures = try await sendBatches(value: value) { records in
                        await producer.send(contentsOf: records).reduce(0) { count, result in
                            if case .failure = result { return count + 1 } else { return count }
                        }
                    }
                }
                seconds = Double(Bench.nanoseconds() - start) / 1e9
                await producer.shutdown()
            }
            if failures > 0 { Bench.fail("\(failures) sends failed") }
            try await KafkaBench.verifyKept(cluster: cluster, partitions: partitions, messages: messages)
            samples.append(Double(messages) / seconds)
            Bench.log("kafka-produce (\(api)) rep \(rep + 1)/\(reps): \(Int(samples.last!)) msg/s")
        }
        BenchResult(
            name: "kafka.produce", side: api == "batch" ? "almanac" : "almanac-\(api)", unit: "msg/s", samples: samples,
            extra: ["messages": Double(messages), "size": Double(size), "partitions": Double(partitions), "chunk": Double(chunk), "inflight": Double(inflight)],
            notes: ["api": api == "single" ? "KafkaProducer.send per message, \(window) outstanding"
                : api == "prototype" ? "prototype batch path (KafkaPrototypes.swift) in chunks of \(chunk), \(inflight) in flight"
                : api == "batch" ? "KafkaProducer.enqueue(contentsOf:) from one task in chunks of \(chunk), \(inflight) tickets in flight"
                : "KafkaProducer.send(contentsOf:) from \(inflight) tasks in chunks of \(chunk)"]
        ).emit()
    }

    private func record(_ i: Int, value: [UInt8]) -> KafkaProducerRecord {
        KafkaProducerRecord(topic: KafkaBench.topic, key: KafkaBench.key(i), value: value)
    }

    /// One task enqueues chunk after chunk and waits for the oldest ticket once `inflight` are
    /// outstanding; returns the failures.
    private func enqueueChunks(_ producer: KafkaProducer, value: [UInt8]) async -> Int {
        var tickets: [KafkaDeliveryTicket] = []
        var failures = 0
        for start in stride(from: 0, to: messages, by: chunk) {
            if tickets.count >= inflight { failures += await tickets.removeFirst().wait().failureCount }
            tickets.append(await producer.enqueue(contentsOf: (start..<min(start + chunk, messages)).map { record($0, value: value) }))
        }
        for ticket in tickets { failures += await ticket.wait().failureCount }
        return failures
    }

    /// Sends all messages in chunks through `send`, `inflight` chunks at a time; returns the failures.
    private func sendBatches(value: [UInt8], _ send: @escaping @Sendable ([KafkaProducerRecord]) async -> Int) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            var next = 0
            var failures = 0
            func addChunk() {
                let range = next..<min(next + chunk, messages)
                next = range.upperBound
                group.addTask {
                    await send(range.map { record($0, value: value) })
                }
            }
            for _ in 0..<inflight where next < messages { addChunk() }
            while let failed = try await group.next() {
                failures += failed
                if next < messages { addChunk() }
            }
            return failures
        }
    }

    private func sendSingly(_ producer: KafkaProducer, value: [UInt8]) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            var failures = 0
            for i in 0..<messages {
                if i >= window, let ok = try await group.next(), !ok { failures += 1 }
                let record = record(i, value: value)
                group.addTask {
                    do { _ = try await producer.send(record); return true } catch { return false }
                }
            }
            while let ok = try await group.next() { if !ok { failures += 1 } }
            return failures
        }
    }
}
