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
}
