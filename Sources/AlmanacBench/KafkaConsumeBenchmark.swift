import ArgumentParser
import Foundation
import Kafka

/// `kafka.consume`: reads N messages (produced beforehand, untimed, by ``KafkaProducer``) from an
/// ``EmbeddedKafkaCluster`` in this process with an assign-only ``KafkaConsumer`` (every partition
/// from the beginning, Almanac's consumer defaults), `poll(maxMessages:)` until all N arrived.
/// Timed from the first message to the last ((N - 1) / seconds): the wait for the first message
/// after `assign` (0 or ~500 ms, at random, in librdkafka's mock cluster, in C as much as here) is
/// reported apart as `first_message_ms`. Each repetition uses a new consumer on the same data.
struct KafkaConsumeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kafka-consume", abstract: "consume N messages from the embedded cluster")

    @Option var messages = 1_000_000
    @Option var size = 200
    @Option var partitions = 64
    @Option var reps = 1
    @Option(help: "maxMessages per poll.") var batch = 5_000
    @Option(help: "wrapper | prototype (the suggested poll path, KafkaPrototypes.swift)") var api = "wrapper"
    @Option(help: "An extra librdkafka property of the wrapper's consumer, key=value (repeatable; for experiments).") var property: [String] = []

    func run() async throws {
        try KafkaBench.checkPartitions(messages: messages, size: size, partitions: partitions)
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: KafkaBench.logger)
        try cluster.createTopic(KafkaBench.topic, partitions: partitions)
        try await fill(cluster)
        try await KafkaBench.verifyKept(cluster: cluster, partitions: partitions, messages: messages)
        let tps = (0..<partitions).map { KafkaTopicPartition(topic: KafkaBench.topic, partition: Int32($0)) }
        var samples: [Double] = []
        var firstMessageMilliseconds: [Double] = []
        for rep in 0..<reps where api == "prototype" {
            let consumer = PrototypeConsumer(bootstrapServers: cluster.bootstrapServers)
            consumer.waitForMetadata()
            var count = 0
            var bytes = 0
            let start = Bench.nanoseconds()
            var firstAt = start
            consumer.assign(topic: KafkaBench.topic, partitions: partitions)
            while count < messages {
                for message in await consumer.poll(maxMessages: batch, timeoutMilliseconds: 100) {
                    if count == 0 { firstAt = Bench.nanoseconds() }
                    count += 1
                    bytes += message.value.count
                }
                if Bench.nanoseconds() > start + 300_000_000_000 { Bench.fail("consumed only \(count) of \(messages) messages in 300 s") }
            }
            let seconds = Double(Bench.nanoseconds() - firstAt) / 1e9
            firstMessageMilliseconds.append(Double(firstAt - start) / 1e6)
            consumer.close()
            if bytes != messages * size { Bench.fail("consumed \(bytes) bytes, expected \(messages * size)") }
            samples.append(Double(messages - 1) / seconds)
            Bench.log("kafka-consume (prototype) rep \(rep + 1)/\(reps): \(Int(samples.last!)) msg/s")
        }
        for rep in 0..<reps where api != "prototype" {
            let properties = Dictionary(property.map { ($0.split(separator: "=", maxSplits: 1).map(String.init) + [""]) }.map { ($0[0], $0[1]) },
                                        uniquingKeysWith: { $1 })
            let client = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, properties: properties)
            let consumer = try KafkaConsumer(configuration: .init(client: client), logger: KafkaBench.logger)
            _ = try await consumer.partitionCount(topic: KafkaBench.topic)  // connected before the clock starts
            var count = 0
            var bytes = 0
            let start = Bench.nanoseconds()
            var firstAt = start
            let deadline = start + 300_000_000_000
            try consumer.assign(tps.map { ($0, .beginning) })
            while count < messages {
                for message in try await consumer.poll(maxMessages: batch, timeout: .milliseconds(100)) {
                    if count == 0 { firstAt = Bench.nanoseconds() }
                    count += 1
                    bytes += message.value.count
                }
                if Bench.nanoseconds() > deadline { Bench.fail("consumed only \(count) of \(messages) messages in 300 s") }
            }
            let seconds = Double(Bench.nanoseconds() - firstAt) / 1e9
            firstMessageMilliseconds.append(Double(firstAt - start) / 1e6)
            await consumer.close()
            if bytes != messages * size { Bench.fail("consumed \(bytes) bytes, expected \(messages * size)") }
            samples.append(Double(messages - 1) / seconds)
            Bench.log("kafka-consume rep \(rep + 1)/\(reps): \(Int(samples.last!)) msg/s")
        }
        BenchResult(
            name: "kafka.consume", side: api == "prototype" ? "almanac-prototype" : "almanac", unit: "msg/s", samples: samples,
            extra: [
                "messages": Double(messages), "size": Double(size), "partitions": Double(partitions), "batch": Double(batch),
                "first_message_ms": firstMessageMilliseconds.reduce(0, +) / Double(firstMessageMilliseconds.count),
            ],
            notes: ["api": "KafkaConsumer.assign(all partitions, .beginning) + poll(maxMessages: \(batch), timeout: 100 ms)"]
        ).emit()
    }

    /// Produces the N messages (untimed): chunks of 10,000 with 10 in flight, as `kafka-produce`
    /// does (waiting for each chunk's acknowledgement before the next took ~5 s per million).
    private func fill(_ cluster: EmbeddedKafkaCluster) async throws {
        let producer = try KafkaProducer(configuration: .init(client: .init(bootstrapServers: cluster.bootstrapServers)), logger: KafkaBench.logger)
        let value = [UInt8](repeating: 0x61, count: size)
        let chunk = 10_000
        var tickets: [KafkaDeliveryTicket] = []
        var failures = 0
        for start in stride(from: 0, to: messages, by: chunk) {
            if tickets.count >= 10 { failures += await tickets.removeFirst().wait().failureCount }
            tickets.append(await producer.enqueue(contentsOf: (start..<min(start + chunk, messages)).map {
                KafkaProducerRecord(topic: KafkaBench.topic, key: KafkaBench.key($0), value: value)
            }))
        }
        for ticket in tickets { failures += await ticket.wait().failureCount }
        await producer.shutdown()
        if failures > 0 { Bench.fail("\(failures) of the \(messages) messages to consume were not written") }
    }
}
