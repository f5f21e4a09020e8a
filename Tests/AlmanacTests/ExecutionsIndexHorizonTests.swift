@testable import Almanac
import AlmanacCore
import Foundation
import Kafka
import Logging
import Testing

/// ``ExecutionsIndex/build(partitions:topics:kafka:horizon:starts:logger:read:)`` with a start
/// time: the `executions` partition is read from the offset found for it, not its beginning.
@Suite struct ExecutionsIndexHorizonTests {
    @Test func build_whenAStartIsGiven_readsFromItAndKeepsOnlyLaterCompletions() async throws {
        let logger = Logger(label: "horizon-tests")
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        var topics = AlmanacTopics()
        topics.partitions["executions"] = 1
        try cluster.createTopic(topics.executions, partitions: 1)
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "test")
        let key = JobKey(account: "acct", app: "app", job: "job")
        let start = Date(timeIntervalSince1970: 1_772_409_600)
        var events: [(event: AlmanacEvent, time: Date)] = []
        for minute in 0..<2000 {
            let at = start.addingTimeInterval(TimeInterval(minute * 60))
            let completed = JobCompleted(triggerId: TriggerID.scheduled(key, at: at), executionId: "e", job: key, status: .succeeded, attempt: 1,
                                         exitCode: 0, startedAt: at, finishedAt: at.addingTimeInterval(5), usage: RunUsage())
            events.append((.jobCompleted(completed), at.addingTimeInterval(5)))
        }
        for result in try await publisher.publishEach(events) { _ = try result.get() }
        await producer.shutdown()
        let from = start.addingTimeInterval(1900 * 60)
        var read = 0
        let bounded = try await ExecutionsIndex.build(partitions: [0], topics: topics, kafka: kafka, horizon: nil, starts: [0: from],
                                                      logger: logger, read: { read = $0 })
        #expect(bounded[0]?.count == 100)
        #expect(bounded[0]?.contains(TriggerID.scheduled(key, at: start.addingTimeInterval(1999 * 60))) == true)
        #expect(bounded[0]?.contains(TriggerID.scheduled(key, at: start.addingTimeInterval(1899 * 60))) == false)
        #expect(read >= 100 && read <= 100 + 3, "read \(read) of 2000 (the 120 s margin adds two)")
        let whole = try await ExecutionsIndex.build(partitions: [0], topics: topics, kafka: kafka, horizon: nil, logger: logger, read: { read = $0 })
        #expect(whole[0]?.count == 2000 && read == 2000)
    }
}
