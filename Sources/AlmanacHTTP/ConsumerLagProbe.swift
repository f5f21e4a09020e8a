import Almanac
import Kafka
import Logging
import Metrics
import ServiceLifecycle

/// Measures consumer lag every `interval` and sets the gauge `almanac_consumer_lag{group}`
/// (messages): `projector` = end offsets minus what this process's projector has read;
/// `almanac-workers` = end offsets of `triggers` minus the worker group's committed offsets
/// (read with a consumer that carries the group id but never joins it).
struct ConsumerLagProbe: Service {
    let store: ProjectionStore
    let projector: ProjectorService
    let consumer: KafkaConsumer
    let topics: AlmanacTopics
    let workerGroup: String
    let interval: Duration
    let logger: Logger

    init(store: ProjectionStore, projector: ProjectorService, kafka: KafkaConfiguration, topics: AlmanacTopics,
         workerGroup: String = "almanac-workers", interval: Duration = .seconds(5), logger: Logger) throws {
        self.store = store
        self.projector = projector
        var configuration = KafkaConsumerConfiguration(client: kafka)
        configuration.client.clientID = "almanac-lag-probe"
        configuration.groupID = workerGroup
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        self.topics = topics
        self.workerGroup = workerGroup
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        await cancelWhenGracefulShutdownOrCancel {
            while !Task.isCancelled {
                await measure()
                try? await Task.sleep(for: interval)
            }
        }
        await consumer.close()
    }

    private func measure() async {
        do {
            let ends = try await projector.allHighWatermarks()
            let read = store.readPositions
            let projectorLag = ends.reduce(Int64(0)) { $0 + max(0, $1.value - (read[$1.key] ?? 0)) }
            Gauge(label: "almanac_consumer_lag", dimensions: [("group", "projector")]).record(projectorLag)

            let count = try await consumer.partitionCount(topic: topics.triggers) ?? 0
            let partitions = (0..<count).map { KafkaTopicPartition(topic: topics.triggers, partition: Int32($0)) }
            let marks = try await consumer.watermarks(partitions)
            let committed = try await consumer.committed(partitions)
            let workerLag = partitions.reduce(Int64(0)) { sum, tp in
                guard let mark = marks[tp] else { return sum }
                let done = committed[tp].flatMap { $0 >= 0 ? $0 : nil } ?? mark.low
                return sum + max(0, mark.high - done)
            }
            Gauge(label: "almanac_consumer_lag", dimensions: [("group", workerGroup)]).record(workerLag)
        } catch {
            logger.debug("lag probe: \(error)")
        }
    }
}
