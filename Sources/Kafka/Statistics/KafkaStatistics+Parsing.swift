import Foundation

extension KafkaStatistics {
    /// Parses librdkafka's statistics JSON (librdkafka `STATISTICS.md`; fields missing from an
    /// older or newer librdkafka read as zero / unknown).
    /// - Throws: `DecodingError` if `json` is not a statistics document.
    public init(json: String) throws {
        let raw = try JSONDecoder().decode(Raw.self, from: Data(json.utf8))
        name = raw.name ?? ""
        clientID = raw.client_id ?? ""
        clientType = raw.type ?? ""
        timeSeconds = raw.time ?? 0
        queuedMessages = raw.msg_cnt ?? 0
        queuedBytes = raw.msg_size ?? 0
        maxQueuedMessages = raw.msg_max ?? 0
        pendingCallbacks = raw.replyq ?? 0
        brokers = (raw.brokers ?? [:]).values.map { broker in
            Broker(
                name: broker.name ?? "", nodeID: broker.nodeid ?? -1, state: broker.state ?? "",
                roundTripTime: Latency(broker.rtt), producerQueueLatency: Latency(broker.int_latency),
                requestsQueued: broker.outbuf_cnt ?? 0, requestsInFlight: broker.waitresp_cnt ?? 0,
                messagesInFlight: broker.waitresp_msg_cnt ?? 0)
        }.sorted { $0.name < $1.name }
        var partitions: [Partition] = []
        for (topicName, topic) in raw.topics ?? [:] {
            for partition in (topic.partitions ?? [:]).values {
                guard let id = partition.partition, id >= 0 else { continue }
                partitions.append(Partition(
                    topicPartition: KafkaTopicPartition(topic: topic.topic ?? topicName, partition: id),
                    leader: partition.leader ?? -1,
                    queuedMessages: (partition.msgq_cnt ?? 0) + (partition.xmit_msgq_cnt ?? 0),
                    fetchedMessages: partition.fetchq_cnt ?? 0,
                    lowWatermark: Self.offset(partition.lo_offset), highWatermark: Self.offset(partition.hi_offset),
                    lastStableOffset: Self.offset(partition.ls_offset),
                    applicationOffset: Self.offset(partition.app_offset),
                    committedOffset: Self.offset(partition.committed_offset),
                    consumerLag: Self.offset(partition.consumer_lag)))
            }
        }
        self.partitions = partitions.sorted {
            ($0.topicPartition.topic, $0.topicPartition.partition) < ($1.topicPartition.topic, $1.topicPartition.partition)
        }
        consumerGroup = raw.cgrp.map {
            ConsumerGroup(state: $0.state ?? "", joinState: $0.join_state ?? "", rebalanceCount: $0.rebalance_cnt ?? 0,
                          assignmentSize: $0.assignment_size ?? 0)
        }
        self.json = json
    }

    /// librdkafka writes unknown offsets and lags as negative numbers (-1001, -1).
    private static func offset(_ value: Int64?) -> Int64? {
        guard let value, value >= 0 else { return nil }
        return value
    }

    // The JSON shapes, named as librdkafka names them; every field optional.
    private struct Raw: Decodable {
        var name: String?, client_id: String?, type: String?
        var time: Int64?, replyq: Int64?, msg_cnt: Int64?, msg_size: Int64?, msg_max: Int64?
        var brokers: [String: RawBroker]?
        var topics: [String: RawTopic]?
        var cgrp: RawGroup?
    }
    private struct RawBroker: Decodable {
        var name: String?, nodeid: Int32?, state: String?
        var outbuf_cnt: Int64?, waitresp_cnt: Int64?, waitresp_msg_cnt: Int64?
        var rtt: RawWindow?, int_latency: RawWindow?
    }
    fileprivate struct RawWindow: Decodable {
        var min: Int64?, max: Int64?, avg: Int64?, p50: Int64?, p95: Int64?, p99: Int64?, cnt: Int64?
    }
    private struct RawTopic: Decodable {
        var topic: String?
        var partitions: [String: RawPartition]?
    }
    private struct RawPartition: Decodable {
        var partition: Int32?, leader: Int32?
        var msgq_cnt: Int64?, xmit_msgq_cnt: Int64?, fetchq_cnt: Int64?
        var lo_offset: Int64?, hi_offset: Int64?, ls_offset: Int64?, app_offset: Int64?, committed_offset: Int64?
        var consumer_lag: Int64?
    }
    private struct RawGroup: Decodable {
        var state: String?, join_state: String?, rebalance_cnt: Int64?, assignment_size: Int64?
    }
}

extension KafkaStatistics.Latency {
    /// A window with samples, else `nil`.
    fileprivate init?(_ window: KafkaStatistics.RawWindow?) {
        guard let window, let count = window.cnt, count > 0 else { return nil }
        func micro(_ value: Int64?) -> Duration { .microseconds(value ?? 0) }
        self.init(min: micro(window.min), max: micro(window.max), average: micro(window.avg),
                  p50: micro(window.p50), p95: micro(window.p95), p99: micro(window.p99), samples: count)
    }
}
