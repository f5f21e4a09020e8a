import Foundation
import Kafka
import Logging

/// What the Kafka benchmarks share with `ops/benchmarks/rdkafka_baseline.c`: the topic, the message
/// shape (key `key-%07d`, `size` bytes of value) and the check that the embedded cluster kept
/// everything (the mock cluster drops the head of a partition past ~5 MiB or 100,000 batches).
enum KafkaBench {
    static let topic = "bench"

    static let logger: Logger = {
        var logger = Logger(label: "almanac-bench")
        logger.logLevel = .warning
        return logger
    }()

    /// `key-0000042`: the same bytes the C baseline's `snprintf("key-%07d")` writes.
    static func key(_ i: Int) -> [UInt8] {
        var bytes: [UInt8] = [0x6B, 0x65, 0x79, 0x2D, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30]
        var n = i
        var position = 10
        while n > 0 && position >= 4 {
            bytes[position] = 0x30 + UInt8(n % 10)
            n /= 10
            position -= 1
        }
        return bytes
    }

    /// Partitions needed so that no partition passes the mock cluster's limit (~5 MiB kept).
    static func checkPartitions(messages: Int, size: Int, partitions: Int) throws {
        let perPartition = Double(messages) * Double(size + 11 + 70) / Double(partitions)
        if perPartition > 4.5 * 1024 * 1024 {
            Bench.fail("\(partitions) partitions hold ~\(Int(perPartition / 1024 / 1024)) MiB each: the embedded cluster would drop data; use more partitions")
        }
    }

    /// Fails loudly unless every partition still starts at offset 0 and they hold `messages` in all.
    static func verifyKept(cluster: EmbeddedKafkaCluster, partitions: Int, messages: Int) async throws {
        let consumer = try KafkaConsumer(configuration: .init(client: .init(bootstrapServers: cluster.bootstrapServers)), logger: logger)
        let tps = (0..<partitions).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
        let marks = try await consumer.watermarks(tps)
        await consumer.close()
        let dropped = marks.filter { $0.value.low != 0 }
        if !dropped.isEmpty { Bench.fail("the embedded cluster dropped the head of \(dropped.count) partitions (low watermark > 0)") }
        let total = marks.values.reduce(0) { $0 + Int($1.high) }
        if total != messages { Bench.fail("the topic holds \(total) messages, expected \(messages)") }
    }
}
