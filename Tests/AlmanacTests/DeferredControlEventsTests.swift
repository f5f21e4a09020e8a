@testable import Almanac
import AlmanacCore
import Foundation
@testable import Kafka
import Testing

/// A pause read before its app's config is held; whatever follows it on the same partition waits
/// behind it, so a resume can never overtake its pause on replay (the projector's order rule).
@Suite struct DeferredControlEventsTests {
    static let control = KafkaTopicPartition(topic: "almanac.control", partition: 2)
    static let config = KafkaTopicPartition(topic: "almanac.config", partition: 2)

    func message(_ offset: Int64, on tp: KafkaTopicPartition = control) -> KafkaConsumerMessage {
        KafkaConsumerMessage(topicPartition: tp, offset: offset, key: Array("app".utf8), value: [], headers: [], timestampMilliseconds: nil)
    }

    func toggle(_ paused: Bool, at seconds: Double) -> EventEnvelope {
        let toggle = ScheduleToggled(app: "app", reason: paused ? "p" : "r", actor: "t")
        return EventEnvelope(source: "t", time: Date(timeIntervalSince1970: seconds), event: paused ? .schedulePaused(toggle) : .scheduleResumed(toggle))
    }

    @Test func laterEventsOfAHeldPartition_waitWithTheSameTarget_andComeOutInReadOrder() {
        let deferred = DeferredControlEvents()
        #expect(deferred.target(heldOn: Self.control) == nil)
        deferred.add(message(10), toggle(true, at: 100), until: [Self.config: 5])
        #expect(deferred.target(heldOn: Self.control) == [Self.config: 5])
        #expect(deferred.target(heldOn: KafkaTopicPartition(topic: "almanac.control", partition: 3)) == nil)
        deferred.add(message(11), toggle(false, at: 200), until: deferred.target(heldOn: Self.control)!)
        #expect(deferred.holds == [Self.control: 10])
        #expect(deferred.takeReady { $0[Self.config]! <= 4 }.isEmpty)
        let ready = deferred.takeReady { $0[Self.config]! <= 5 }
        #expect(ready.map(\.0.offset) == [10, 11])
        #expect(ready.map(\.1.type) == ["almanac.schedule.paused", "almanac.schedule.resumed"])
        #expect(deferred.isEmpty && deferred.target(heldOn: Self.control) == nil)
    }
}
