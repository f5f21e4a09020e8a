import AlmanacCore
import Foundation
import Kafka
import Logging
import Synchronization

/// Leader election for tickers (issue 11): every ticker joins the consumer group
/// `almanac-ticker` on the single-partition `ticks` topic; the member assigned partition 0 leads.
///
/// - Important: leadership is dropped inside the rebalance callback, before the rebalance
///   completes, so a revoked leader stops planning before the next one starts. A leader that was
///   mid-write when revoked may still finish that minute; the new leader re-plans minutes after the
///   last `tick.completed`, and the deterministic trigger ids make any overlap harmless.
final class TickerLeadership: Sendable {
    private let consumer: KafkaConsumer
    private let topic: String
    private let leader = Atomic<Bool>(false)
    private let logger: Logger

    init(kafka: KafkaConfiguration, topics: AlmanacTopics, groupID: String, sessionTimeout: Duration, logger: Logger) throws {
        var configuration = KafkaConsumerConfiguration(client: kafka, groupID: groupID)
        configuration.client.clientID = "almanac-ticker"
        configuration.sessionTimeout = sessionTimeout
        configuration.heartbeatInterval = .milliseconds(500)
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        topic = topics.ticks
        self.logger = logger
        let topic = topics.ticks
        consumer.setRebalanceHandler { [weak self] event in
            guard let self else { return }
            switch event {
            case .assigned(let partitions) where partitions.contains(KafkaTopicPartition(topic: topic, partition: 0)):
                self.leader.store(true, ordering: .releasing)
                self.logger.notice("ticker became the leader")
            case .revoked(let partitions) where partitions.contains(KafkaTopicPartition(topic: topic, partition: 0)):
                self.leader.store(false, ordering: .releasing)
                self.logger.notice("ticker lost leadership")
            default:
                break
            }
        }
    }

    var isLeader: Bool { leader.load(ordering: .acquiring) }

    /// Keeps the membership alive (polls serve heartbeats' companion: rebalance callbacks and
    /// `max.poll.interval.ms`). Returns when cancelled, after leaving the group.
    func run() async {
        do {
            try consumer.subscribe(topics: [topic])
        } catch {
            logger.error("ticker cannot join its group: \(error)")
            return
        }
        while !Task.isCancelled {
            // The messages (tick.completed) are read by the projector; here they are only drained.
            _ = try? await consumer.poll(maxMessages: 100, timeout: .milliseconds(100))
        }
        leader.store(false, ordering: .releasing)
        await consumer.close()
    }

    /// Returns once this ticker leads (or the task is cancelled).
    func waitForLeadership() async {
        while !isLeader && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
