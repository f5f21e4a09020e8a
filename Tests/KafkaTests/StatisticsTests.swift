import Kafka
import Testing

/// librdkafka statistics (`statistics.interval.ms`) parsed into ``KafkaStatistics``.
@Suite("Statistics")
struct StatisticsTests {
    let logger = KafkaTestSupport.logger

    @Test func producerStatistics_whenIntervalSet_reportQueueLimitAndBrokerRoundTrip() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("stats", partitions: 2)
        cluster.setRoundTripTime(1, .milliseconds(30))
        var configuration = KafkaTestSupport.producerConfiguration(cluster.bootstrapServers)
        configuration.client.statisticsInterval = .milliseconds(100)
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let snapshots = Observed<[KafkaStatistics]>([])
        producer.setStatisticsHandler { statistics in snapshots.update { $0.append(statistics) } }
        try await producer.sendAll((0..<20).map { KafkaProducerRecord(topic: "stats", key: "k\($0)", value: [1]) })
        try await snapshots.wait(for: "a snapshot with the broker's round-trip time", timeout: .seconds(10)) { snapshots in
            snapshots.contains { $0.brokers.contains { $0.nodeID == 1 && $0.roundTripTime != nil } }
        }
        await producer.shutdown()

        let statistics = snapshots.value.last { $0.brokers.contains { $0.nodeID == 1 && $0.roundTripTime != nil } }!
        #expect(statistics.clientType == "producer")
        #expect(statistics.clientID == "almanac")
        #expect(statistics.maxQueuedMessages == 100_000)
        #expect(statistics.queuedMessages >= 0)
        let broker = statistics.brokers.first { $0.nodeID == 1 }!
        #expect(broker.state == "UP")
        // The 30 ms the mock broker adds to every answer.
        #expect(broker.roundTripTime!.average >= .milliseconds(25))
        #expect(statistics.maxAverageRoundTripTime! >= .milliseconds(25))
        #expect(Set(statistics.partitions.map(\.topicPartition.partition)) == [0, 1])
        #expect(statistics.json.contains("\"client_id\": \"almanac\""))
    }

    @Test func consumerStatistics_afterReadingAndCommitting_reportOffsetsAndLag() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("lag", partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.producerConfiguration(cluster.bootstrapServers), logger: logger)
        try await producer.sendAll((0..<10).map { KafkaProducerRecord(topic: "lag", key: nil, value: [UInt8($0)]) })
        await producer.shutdown()

        var configuration = KafkaConsumerConfiguration(client: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers), groupID: "lag-readers")
        configuration.client.statisticsInterval = .milliseconds(100)
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let snapshots = Observed<[KafkaStatistics]>([])
        consumer.setStatisticsHandler { statistics in snapshots.update { $0.append(statistics) } }
        let tp = KafkaTopicPartition(topic: "lag", partition: 0)
        try consumer.assign([(tp, .beginning)])
        var read: [KafkaConsumerMessage] = []
        try await eventually("10 messages", timeout: .seconds(10)) {
            read += try await consumer.poll(maxMessages: 10, timeout: .milliseconds(100))
            return read.count == 10
        }
        try await consumer.commit([tp: 4])
        // Statistics are served inside poll: keep polling until one shows the commit.
        let partition: @Sendable ([KafkaStatistics]) -> KafkaStatistics.Partition? = { snapshots in
            snapshots.last?.partitions.first { $0.topicPartition == tp && $0.committedOffset == 4 }
        }
        try await eventually("statistics showing the commit", timeout: .seconds(10)) {
            _ = try await consumer.poll(maxMessages: 1, timeout: .milliseconds(100))
            return partition(snapshots.value) != nil
        }
        await consumer.close()

        let snapshot = partition(snapshots.value)!
        #expect(snapshots.value.last!.clientType == "consumer")
        #expect(snapshot.highWatermark == 10)
        #expect(snapshot.lowWatermark == 0)
        #expect(snapshot.applicationOffset == 10)
        #expect(snapshot.unreadMessages == 0)
        #expect(snapshot.consumerLag == 6)
        #expect(snapshots.value.last!.totalConsumerLag == 6)
    }

    @Test func statistics_parsedFromLibrdkafkaJSON_convertUnitsAndUnknowns() throws {
        let json = """
        {"name":"rdkafka#producer-1","client_id":"almanac","type":"producer","ts":1,"time":1764460800,
         "replyq":2,"msg_cnt":5,"msg_size":1000,"msg_max":100000,
         "brokers":{"127.0.0.1:9092/1":{"name":"127.0.0.1:9092/1","nodeid":1,"state":"UP","outbuf_cnt":3,
           "waitresp_cnt":1,"waitresp_msg_cnt":7,
           "rtt":{"min":1000,"max":9000,"avg":2500,"p50":2000,"p95":8000,"p99":9000,"cnt":4},
           "int_latency":{"min":0,"max":0,"avg":0,"p50":0,"p95":0,"p99":0,"cnt":0}}},
         "topics":{"t":{"topic":"t","partitions":{
           "0":{"partition":0,"leader":1,"msgq_cnt":2,"xmit_msgq_cnt":3,"fetchq_cnt":0,"lo_offset":-1001,
                "hi_offset":-1001,"ls_offset":-1001,"app_offset":-1001,"committed_offset":-1001,"consumer_lag":-1},
           "-1":{"partition":-1,"leader":-1,"msgq_cnt":9}}}},
         "cgrp":{"state":"up","join_state":"steady","rebalance_cnt":2,"assignment_size":1}}
        """
        let statistics = try KafkaStatistics(json: json)
        #expect(statistics.name == "rdkafka#producer-1")
        #expect(statistics.timeSeconds == 1_764_460_800)
        #expect(statistics.queuedMessages == 5 && statistics.queuedBytes == 1000 && statistics.pendingCallbacks == 2)
        let broker = try #require(statistics.brokers.first)
        #expect(broker.roundTripTime == KafkaStatistics.Latency(
            min: .milliseconds(1), max: .milliseconds(9), average: .microseconds(2500),
            p50: .milliseconds(2), p95: .milliseconds(8), p99: .milliseconds(9), samples: 4))
        #expect(broker.producerQueueLatency == nil)
        #expect(broker.requestsQueued == 3 && broker.requestsInFlight == 1 && broker.messagesInFlight == 7)
        // The internal unassigned partition (-1) is left out; unknown offsets are nil.
        #expect(statistics.partitions.count == 1)
        let partition = try #require(statistics.partitions.first)
        #expect(partition.queuedMessages == 5)
        #expect(partition.highWatermark == nil && partition.consumerLag == nil && partition.unreadMessages == nil)
        #expect(statistics.consumerGroup == KafkaStatistics.ConsumerGroup(state: "up", joinState: "steady", rebalanceCount: 2, assignmentSize: 1))
        #expect(statistics.totalConsumerLag == 0)
        #expect(throws: (any Error).self) { try KafkaStatistics(json: "not json") }
    }
}
