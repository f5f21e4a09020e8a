import AlmanacCore
import Foundation
import Testing

/// `almanac runs show`'s core: which events of a log belong to one run, by trigger id or execution id.
@Suite struct RunStoryTests {
    let job = JobKey(account: "acme", app: "app", job: "import")
    let root = TriggerID("acme/app/import@2026-03-02T13:00Z")
    let t0 = Date(timeIntervalSince1970: 1_772_456_400)

    func envelope(_ event: AlmanacEvent, _ seconds: Double) -> EventEnvelope {
        EventEnvelope(source: "test", time: t0.addingTimeInterval(seconds), event: event)
    }

    /// The root fails, its retry succeeds and queues a follow-up; unrelated events around it.
    var log: [EventEnvelope] {
        let retry = root.retry(attempt: 2)
        let followUp = retry.followUp("import", number: 1)
        func completed(_ id: TriggerID, _ execution: String, _ status: RunStatus, attempt: Int, at: Double) -> AlmanacEvent {
            .jobCompleted(JobCompleted(triggerId: id, executionId: execution, job: job, status: status, attempt: attempt,
                                       exitCode: status == .succeeded ? 0 : 2, startedAt: t0.addingTimeInterval(at - 1),
                                       finishedAt: t0.addingTimeInterval(at), usage: .none))
        }
        func charge(_ id: TriggerID, _ execution: String) -> AlmanacEvent {
            .creditsCharged(CreditsCharged(triggerId: id, account: "acme", app: "app", job: "import", executionId: execution,
                                           status: .failed, pricingVersion: "v1",
                                           lineItems: [ChargeLineItem(item: "base", quantity: 1, unitPrice: Millicredits(2000),
                                                                      amount: Millicredits(2000))]))
        }
        return [
            envelope(.jobTriggered(JobTriggered(triggerId: root, job: job, scheduledFor: t0, source: .scheduled)), 0),
            envelope(.jobTriggered(JobTriggered(triggerId: TriggerID("acme/app/import@2026-03-02T13:01Z"), job: job,
                                                scheduledFor: t0, source: .scheduled)), 60),
            envelope(completed(root, "e1", .failed, attempt: 1, at: 2), 2),
            envelope(charge(root, "e1"), 2),
            envelope(charge(root, "e1"), 2),   // a copy after a crash
            envelope(.jobTriggered(JobTriggered(triggerId: retry, job: job, scheduledFor: t0, source: .retry, attempt: 2,
                                                parentTriggerId: root, notBefore: t0.addingTimeInterval(12))), 2),
            envelope(completed(retry, "e2", .succeeded, attempt: 2, at: 14), 14),
            envelope(.jobTriggered(JobTriggered(triggerId: followUp, job: job, scheduledFor: t0, source: .enqueue,
                                                parentTriggerId: retry)), 14),
            envelope(completed(followUp, "e3", .succeeded, attempt: 1, at: 16), 16),
            envelope(completed(TriggerID("acme/app/import@2026-03-02T13:01Z"), "e9", .succeeded, attempt: 1, at: 61), 61),
        ]
    }

    @Test func add_whenGivenTheTriggerId_collectsAttemptsChargesAndFollowUps() {
        var story = RunStory(lookingFor: root.rawValue)
        for event in log.reversed() { story.add(event) }   // any order
        #expect(story.attempts.map(\.number) == [1, 2])
        #expect(story.attempts.map { $0.completed?.event.status } == [.failed, .succeeded])
        #expect(story.attempts[0].chargeCopies == 2 && story.attempts[1].charge == nil)
        #expect(story.attempts[1].trigger?.event.notBefore == t0.addingTimeInterval(12))
        #expect(story.followUps.map(\.trigger.event.triggerId) == [root.retry(attempt: 2).followUp("import", number: 1)])
        #expect(story.followUps.first?.completed?.event.status == .succeeded)
    }

    @Test func add_whenGivenAnExecutionId_findsItsTriggerId() {
        var story = RunStory(lookingFor: "e2")
        for event in log { story.add(event) }
        #expect(story.foundTriggerId == root.retry(attempt: 2))
        #expect(story.root == root)
        #expect(RunStory.base(of: TriggerID("x@1~12")) == TriggerID("x@1") && RunStory.base(of: TriggerID("a~b")) == TriggerID("a~b"))
    }
}
