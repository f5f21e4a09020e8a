import AlmanacCore
import Foundation
import Testing

@Suite struct EventCodecTests {
    @Test func kindOrdinal_isThePositionInAllCases() {
        #expect(AlmanacEvent.Kind.allCases.map(\.ordinal) == Array(AlmanacEvent.Kind.allCases.indices))
    }

    static let at = RFC3339.parse("2026-03-02T13:00:00Z")!
    static let job = JobKey(account: "acme", app: "reminders", job: "send")
    static let trigger = TriggerID.scheduled(job, at: at)

    static let events: [AlmanacEvent] = [
        .appConfigured(AppConfigured(config: AppConfiguration(app: "reminders", account: "acme",
            jobs: [JobConfiguration(name: "send", schedule: "8:00", command: ["./send.py"], complexity: 3, params: .object(["n": .int(1)]))]))),
        .appRemoved(AppRemoved(app: "reminders", account: "acme")),
        .schedulePaused(ScheduleToggled(app: "reminders", reason: "holiday", actor: "cli:ops")),
        .scheduleResumed(ScheduleToggled(app: "reminders", job: "send")),
        .jobTriggered(JobTriggered(triggerId: trigger, job: job, scheduledFor: at, source: .scheduled)),
        .tickCompleted(TickCompleted(minute: at, triggered: 1, skipped: 0, ticker: "host:1")),
        .jobStarted(JobStarted(triggerId: trigger, executionId: "e1", job: job, worker: "w", startedAt: at, attempt: 1)),
        .jobCompleted(JobCompleted(triggerId: trigger, executionId: "e1", job: job, status: .succeeded, attempt: 1, exitCode: 0,
                                   startedAt: at, finishedAt: at.addingTimeInterval(1.5), usage: RunUsage(emails: 2))),
        .jobSkipped(JobSkipped(triggerId: trigger, job: job, scheduledFor: at, reason: .paused)),
        .creditsCharged(CreditsCharged(triggerId: trigger, account: "acme", app: "reminders", job: "send", executionId: "e1",
                                       status: .succeeded, pricingVersion: "v1",
                                       lineItems: [ChargeLineItem(item: "base", quantity: 1, unitPrice: .credits(3), amount: .credits(3))])),
        .eventRejected(EventRejected(topic: "almanac.control", partition: 0, offset: 7, key: "x", raw: Array("{".utf8),
                                     reason: .notJSON, detail: "bad", rejectedBy: "projector")),
    ]

    @Test(arguments: events)
    func encodeDecodeEncode_isByteStable(_ event: AlmanacEvent) throws {
        let envelope = EventEnvelope(source: "test", time: Self.at, event: event)
        let bytes = try EventCodec.encode(envelope)
        let decoded = try EventCodec.decode(bytes)
        #expect(decoded == envelope)
        #expect(try EventCodec.encode(decoded) == bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"specversion\":\"1.0\""))
        #expect(text.contains("\"dataschema\":\"https://almanac.dev/schemas/\(event.kind.schemaName)/v1\""))
    }

    @Test func triggerID_followsDeterministicRules() {
        #expect(Self.trigger.rawValue == "acme/reminders/send@2026-03-02T13:00Z")
        #expect(Self.trigger.followUp("batch", number: 2).rawValue == "acme/reminders/send@2026-03-02T13:00Z/batch#2")
        #expect(Self.trigger.retry(attempt: 2).retry(attempt: 3).rawValue == "acme/reminders/send@2026-03-02T13:00Z~3")
    }

    static func reason(_ text: String) -> RejectionReason? {
        do { _ = try EventCodec.decode(Array(text.utf8)); return nil } catch { return error.reason }
    }

    @Test func decode_rejectsEachKindOfBadInput_withItsReason() {
        #expect(Self.reason("not json") == .notJSON)
        #expect(Self.reason("{\"a\":1}") == .notCloudEvent)
        #expect(Self.reason(#"{"specversion":"1.0","id":"1","source":"s","type":"almanac.nope","time":"2026-03-02T13:00:00Z","data":{}}"#) == .unknownType)
        #expect(Self.reason(#"{"specversion":"1.0","id":"1","source":"s","type":"almanac.schedule.paused","time":"2026-03-02T13:00:00Z","dataschema":"https://almanac.dev/schemas/schedule.paused/v2","data":{"app":"a"}}"#) == .unsupportedVersion)
        #expect(Self.reason(#"{"specversion":"1.0","id":"1","source":"s","type":"almanac.schedule.paused","time":"2026-03-02T13:00:00Z","data":{"app":5}}"#) == .schemaViolation)
        let badComplexity = #"{"specversion":"1.0","id":"1","source":"s","type":"almanac.app.configured","time":"2026-03-02T13:00:00Z","data":{"config":{"app":"a","account":"b","jobs":[{"name":"j","schedule":"8:00","command":["x"],"complexity":11}]}}}"#
        #expect(Self.reason(badComplexity) == .invalidData)
        #expect(Self.reason(String(repeating: " ", count: EventCodec.maximumSize + 1)) == .tooLarge)
    }

    @Test func decode_whenV1EventHasAnAddedOptionalField_readsItUnchanged() throws {
        let text = #"{"specversion":"1.0","id":"1","source":"kcat","type":"almanac.schedule.paused","time":"2026-03-02T13:00:00Z","dataschema":"https://almanac.dev/schemas/schedule.paused/v1","data":{"app":"a","ticket":"OPS-1"}}"#
        let envelope = try EventCodec.decode(Array(text.utf8))
        #expect(envelope.event == .schedulePaused(ScheduleToggled(app: "a")))
    }
}

extension AlmanacEvent: CustomTestStringConvertible {
    public var testDescription: String { type }
}
