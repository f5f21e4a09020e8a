@testable import Almanac
import AlmanacCore
import Foundation
@testable import Kafka
import Testing

@Suite struct ProjectionStoreTests {
    static let control = KafkaTopicPartition(topic: "almanac.control", partition: 0)

    static func message(offset: Int64) -> KafkaConsumerMessage {
        KafkaConsumerMessage(topicPartition: control, offset: offset, key: nil, value: [], headers: [], timestampMilliseconds: nil)
    }

    /// A deferred event holds its partition back: readers waiting for "caught up" are not released
    /// past it until it is applied, even though later offsets were read.
    @Test func waitUntilCaughtUp_whenAnEventIsDeferred_waitsForItsRelease() async {
        let store = ProjectionStore()
        store.update(after: Self.message(offset: 0)) { _ in }
        store.setHolds([Self.control: 1])
        store.update(after: Self.message(offset: 1)) { _ in }
        store.update(after: Self.message(offset: 2)) { _ in }
        #expect(!store.isCaughtUp(to: [Self.control: 3]))
        #expect(store.isCaughtUp(to: [Self.control: 1]))
        async let released: Void = store.waitUntilCaughtUp(to: [Self.control: 3])
        store.setHolds([:])
        await released
        #expect(store.isCaughtUp(to: [Self.control: 3]))
    }

    @Test func waitUntilCaughtUp_whenCancelled_returns() async {
        let store = ProjectionStore()
        let task = Task { await store.waitUntilCaughtUp(to: [Self.control: 10]) }
        task.cancel()
        await task.value
        #expect(!store.isCaughtUp(to: [Self.control: 10]))
    }

    /// A snapshot covers a partition only below its held events: they are not in the state yet, and
    /// a projector started from the snapshot must read them again.
    @Test func cut_whenAnEventIsHeld_recordsThePositionOfTheHeldEvent() {
        let store = ProjectionStore()
        let time = Date(timeIntervalSinceReferenceDate: 800_000_000.5)
        store.update(after: Self.message(offset: 0), eventTime: time) { _ in }
        store.update(after: Self.message(offset: 1)) { _ in }
        store.setHolds([Self.control: 1])
        store.update(after: Self.message(offset: 2), eventTime: time.addingTimeInterval(-5)) { _ in }
        let snapshot = store.cut(topics: ["config", "control"], writtenAt: time)
        #expect(snapshot.positions == [SnapshotPosition(topic: "almanac.control", partition: 0, offset: 1)])
        #expect(snapshot.eventTime == time)
        store.setHolds([:])
        #expect(store.cut(topics: ["config", "control"], writtenAt: time).positions.map(\.offset) == [3])
        #expect(store.messagesRead == 3)
    }

    @Test func restore_startsThePositionsAndStateFromTheSnapshot() {
        let store = ProjectionStore()
        var state = SchedulerState()
        state.apply(EventEnvelope(source: "t", time: Date(timeIntervalSinceReferenceDate: 0), event: .appConfigured(AppConfigured(
            config: AppConfiguration(app: "a", account: "acct", jobs: [])))))
        store.restore(ProjectionSnapshot(topics: ["config", "control"], eventTime: nil, writtenAt: Date(timeIntervalSinceReferenceDate: 0),
                                         positions: [SnapshotPosition(topic: "almanac.control", partition: 0, offset: 7)], state: state),
                      messagesRead: 4)
        #expect(store.isCaughtUp(to: [Self.control: 7]) && !store.isCaughtUp(to: [Self.control: 8]))
        #expect(store.state == state && store.messagesRead == 0 && store.snapshotMessagesRead == 4)
    }
}
