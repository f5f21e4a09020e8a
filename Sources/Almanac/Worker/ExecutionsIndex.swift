import AlmanacCore
import Kafka
import Logging

/// Reads one `executions` partition to its current end and returns the trigger ids that already
/// have a `job.completed` or `job.skipped` (the worker's idempotency set, DESIGN.md §5).
enum ExecutionsIndex {
    static func finishedTriggers(partition: Int32, topics: AlmanacTopics, kafka: KafkaConfiguration, logger: Logger) async throws -> Set<TriggerID> {
        let tp = KafkaTopicPartition(topic: topics.executions, partition: partition)
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(client: kafka), logger: logger)
        let marks = try await consumer.watermarks(tp)
        var finished = Set<TriggerID>()
        guard marks.high > marks.low else { await consumer.close(); return finished }
        try consumer.assign([(tp, .beginning)])
        var position = marks.low
        while position < marks.high {
            for message in try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(200)) {
                position = max(position, message.offset + 1)
                guard let envelope = try? EventCodec.decode(message.value) else { continue }
                switch envelope.event {
                case .jobCompleted(let e): finished.insert(e.triggerId)
                case .jobSkipped(let e): finished.insert(e.triggerId)
                default: break
                }
            }
        }
        await consumer.close()
        return finished
    }
}
