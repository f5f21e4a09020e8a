@testable import Almanac
import Kafka
import Testing

/// The pure parts of a lane replay: splitting partitions between lanes, and one lane's
/// filtering of polled messages to the snapshot.
@Suite struct SnapshotLaneTests {
    static func tp(_ p: Int32, _ topic: String = "t") -> KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: p) }

    @Test func balance_givesEveryKeyOnce_andEvensTheLoad() {
        let weights: [(key: Int, weight: Int64)] = [(0, 100), (1, 90), (2, 10), (3, 10), (4, 80), (5, 5)]
        let lanes = LaneBalancer.balance(weights, lanes: 3)
        #expect(lanes.count == 3)
        #expect(lanes.flatMap { $0 } == [0, 1, 2, 3, 4, 5])  // contiguous, in order
        let loads = lanes.map { $0.reduce(Int64(0)) { sum, key in sum + weights[key].weight } }
        #expect(loads.max()! - loads.min()! <= 20)
        #expect(LaneBalancer.balance(weights, lanes: 3).map { $0 } == lanes)  // deterministic
    }

    @Test func balance_keepsATopicTogether_whenLanesMatchTopics() {
        let weights = (0..<3).flatMap { topic in (0..<10).map { (key: "\(topic)-\($0)", weight: Int64(7)) } }
        let lanes = LaneBalancer.balance(weights, lanes: 3)
        #expect(lanes.map { Set($0.map { $0.prefix(1) }) } == [["0"], ["1"], ["2"]])
    }

    @Test func balance_neverMakesEmptyLanes() {
        #expect(LaneBalancer.balance([(key: "a", weight: 1)], lanes: 4) == [["a"]])
        #expect(LaneBalancer.balance([(key: String, weight: Int64)](), lanes: 4) == [[]])
        #expect(LaneBalancer.balance([(key: "a", weight: 1), (key: "b", weight: 1)], lanes: 0) == [["a", "b"]])
        #expect(LaneBalancer.balance([(key: "a", weight: 100), (key: "b", weight: 0), (key: "c", weight: 0)], lanes: 3) == [["a"], ["b"], ["c"]])
    }

    @Test func take_keepsOnlySnapshotMessages_andReportsFinishedPartitions() {
        var lane = SnapshotLaneState(part: [String](), partitions: [Self.tp(0), Self.tp(1)], ends: [Self.tp(0): 2, Self.tp(1): 5, Self.tp(2): 9])
        let first: [(KafkaTopicPartition, Int64)] = [(Self.tp(0), 0), (Self.tp(0), 1), (Self.tp(0), 2), (Self.tp(1), 3), (Self.tp(2), 0)]
        let (taken, finished) = lane.take(first, position: { $0 }) { part, m in part.append("\(m.0.partition)@\(m.1)") }
        #expect(taken == 3)
        #expect(finished == [Self.tp(0)])
        #expect(lane.part == ["0@0", "0@1", "1@3"])
        #expect(lane.remaining == [Self.tp(1)])
        #expect(lane.seen == [Self.tp(0), Self.tp(1)])
        // A finished partition's late messages are dropped; the last one ends the lane.
        let second: [(KafkaTopicPartition, Int64)] = [(Self.tp(0), 3), (Self.tp(1), 4)]
        let again = lane.take(second, position: { $0 }) { part, m in part.append("\(m.0.partition)@\(m.1)") }
        #expect(again.taken == 1)
        #expect(again.finished == [Self.tp(1)])
        #expect(lane.isDone)
    }

    @Test func finish_endsPartitionsWithoutMessages() {
        var lane = SnapshotLaneState(part: 0, partitions: [Self.tp(0), Self.tp(1)], ends: [Self.tp(0): 1, Self.tp(1): 1])
        lane.finish([Self.tp(0)])
        #expect(lane.remaining == [Self.tp(1)])
        #expect(!lane.isDone)
    }
}
