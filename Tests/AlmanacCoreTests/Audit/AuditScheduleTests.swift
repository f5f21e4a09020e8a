import AlmanacCore
import Foundation
import Testing

/// Fire times from the schedule in force (edits, DST), manual and follow-up rows, `verify`'s
/// billing identity and `state --at`.
@Suite struct AuditScheduleTests {
    typealias B = AuditLogBuilder

    @Test func fireTimes_whenEditedAt1010_oldScheduleUntilTheEditNewOneAfter() {
        var b = B()
        b.configure("2026-03-02T14:00:00Z", schedule: "*:00")
        b.configure("2026-03-02T15:10:00Z", schedule: "*:30")
        let times = AuditReconciler(b.log).fireTimes(app: "app", job: "job", from: B.at("2026-03-02T14:30:00Z"), to: B.at("2026-03-02T17:00:00Z"))
        #expect(times == ["2026-03-02T15:00:00Z", "2026-03-02T15:30:00Z", "2026-03-02T16:30:00Z"].map(B.at))
    }

    @Test func fireTimes_whenEditReadBeforeTheMinuteWasTicked_followTheTicker() {
        // The edit is stamped 10 s after 15:00 but before 15:00 was ticked: the ticker planned
        // 15:00 with the new schedule, which fires only after the edit, so 15:00 was not due.
        var b = B()
        b.configure("2026-03-02T14:00:00Z", schedule: "*:00")
        b.configure("2026-03-02T15:00:10Z", schedule: "*:30")
        b.tick("2026-03-02T15:00:00Z", written: "2026-03-02T15:00:18Z")
        let times = AuditReconciler(b.log).fireTimes(app: "app", job: "job", from: B.at("2026-03-02T14:30:00Z"), to: B.at("2026-03-02T16:00:00Z"))
        #expect(times == [B.at("2026-03-02T15:30:00Z")])
    }

    @Test(arguments: [
        // New York, fall back on 2026-11-01: `*:30` runs at 01:30 EDT and 01:30 EST; `1:30` once.
        ("*:30", "2026-11-01T04:00:00Z", "2026-11-01T08:00:00Z", ["2026-11-01T04:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-01T07:30:00Z"]),
        ("1:30", "2026-11-01T04:00:00Z", "2026-11-01T08:00:00Z", ["2026-11-01T05:30:00Z"]),
        // Spring forward on 2026-03-08: `2:30` runs at 03:00 EDT; `*:30` has no 02:30.
        ("2:30", "2026-03-08T06:00:00Z", "2026-03-08T09:00:00Z", ["2026-03-08T07:00:00Z"]),
        ("*:30", "2026-03-08T06:00:00Z", "2026-03-08T08:00:00Z", ["2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z"]),
    ])
    func fireTimes_acrossDST_followCompiledSchedule(_ schedule: String, _ from: String, _ to: String, _ expected: [String]) {
        var b = B()
        b.configure("2026-01-01T00:00:00Z", schedule: schedule)
        #expect(AuditReconciler(b.log).fireTimes(app: "app", job: "job", from: B.at(from), to: B.at(to)) == expected.map(B.at))
    }

    @Test func runs_listManualAndFollowUpRunsBesideScheduledOnes() {
        var b = B()
        b.configure("2026-03-02T14:00:00Z", schedule: "9:00")
        let manual = TriggerID("6f1c1a5e-0000-4000-8000-000000000001")
        b.trigger("2026-03-02T15:02:00Z", written: "2026-03-02T15:02:00Z", id: manual, source: .manual)
        b.complete(manual, at: "2026-03-02T15:02:05Z")
        let followUp = manual.followUp("job", number: 1)
        b.trigger("2026-03-02T15:02:05Z", written: "2026-03-02T15:02:05Z", id: followUp, source: .enqueue)
        b.complete(followUp, at: "2026-03-02T15:02:09Z")
        b.tick("2026-03-02T15:03:00Z", written: "2026-03-02T15:03:01Z")
        let report = b.runs(from: "2026-03-02T15:00:00Z", to: "2026-03-02T16:00:00Z")
        #expect(report.rows.map(\.source) == [.manual, .enqueue])
        #expect(report.rows.allSatisfy { $0.outcome == .succeeded && !$0.expected })
        #expect(report.discrepancies.isEmpty)
    }

    @Test func verify_cleanLog_isCleanAndTheBillingIdentityHolds() {
        var b = B()
        b.configure("2026-03-02T14:00:00Z", schedule: "*:*/5")
        b.ran("2026-03-02T15:00:00Z", written: "2026-03-02T15:00:01Z", finished: "2026-03-02T15:00:03Z")
        b.ran("2026-03-02T15:05:00Z", written: "2026-03-02T15:05:01Z", finished: "2026-03-02T15:05:03Z")
        let result = AuditReconciler(b.log).verify(pricing: PricingSchedule([.standard]))
        #expect(result.isClean, "\(result.discrepancies)")
        #expect(result.billing.charges == 2)
        #expect(result.billing.charged == Millicredits(2200))
        #expect(result.billing.priced == Millicredits(2200))
        #expect(result.billing.holds)
    }

    /// A log no worker writes (a completion reporting Int64.max tokens, charges and durations near
    /// the 64-bit limit, as kcat could publish) is verified without crashing: the completion is
    /// unpriced with a finding, the sums stop at the limit and the identity is reported broken.
    @Test func verify_whenTheLogsAmountsPassSixtyFourBits_reportsInsteadOfCrashing() {
        var b = B()
        b.configure("2026-03-02T14:00:00Z", schedule: "*:*/5")
        let huge = RunUsage(ai: [.init(model: "gpt-4o", inputTokens: Int64.max, outputTokens: 0)])
        for (index, minute) in ["2026-03-02T15:00:00Z", "2026-03-02T15:05:00Z"].enumerated() {
            b.tick(minute, written: minute)
            b.trigger(minute, written: minute)
            let id = B.id(minute)
            var completed = JobCompleted(triggerId: id, executionId: "e\(index)", job: B.key, status: .succeeded, attempt: 1, exitCode: 0,
                                         startedAt: B.at(minute), finishedAt: B.at(minute).addingTimeInterval(1), usage: index == 0 ? huge : .none)
            completed.durationMilliseconds = Int64.max - 1
            b.add(minute, .jobCompleted(completed))
            b.add(minute, .creditsCharged(CreditsCharged(triggerId: id, account: "acct", app: "app", job: "job", executionId: "e\(index)",
                                                         status: .succeeded, pricingVersion: "crafted",
                                                         lineItems: [ChargeLineItem(item: "base", quantity: 1, unitPrice: Millicredits(Int64.max / 2 + 1),
                                                                                    amount: Millicredits(Int64.max / 2 + 1))])))
        }
        #expect(Pricer.total(complexity: 1, usage: huge, table: .standard) == nil)
        let result = AuditReconciler(b.log).verify(pricing: PricingSchedule([.standard]))
        #expect(result.billing.unpriced == 1)
        #expect(result.billing.charged == Millicredits(Int64.max))
        #expect(!result.billing.holds)
        let unpriceable = result.discrepancies.filter { $0.kind == .mispricedCharge && $0.detail.contains("more than 64-bit millicredits") }
        #expect(unpriceable.map(\.triggerId) == [B.id("2026-03-02T15:00:00Z")])
        let rows = b.runs(from: "2026-03-02T15:00:00Z", to: "2026-03-02T15:10:00Z").rows
        #expect(rows.map(\.durationMilliseconds) == [Int64.max - 1, Int64.max - 1])
    }

    @Test func verify_findsConflictingMispricedAndMissingCharges() {
        var b = B()
        b.configure("2026-03-02T14:00:00Z", schedule: "*:*/5", complexity: 2)
        // Priced at complexity 1 although the job is 2: mispriced.
        b.ran("2026-03-02T15:00:00Z", written: "2026-03-02T15:00:01Z", finished: "2026-03-02T15:00:03Z")
        // A charge copied with another total: conflicting.
        b.tick("2026-03-02T15:05:00Z", written: "2026-03-02T15:05:01Z")
        b.trigger("2026-03-02T15:05:00Z", written: "2026-03-02T15:05:01Z")
        b.complete(B.id("2026-03-02T15:05:00Z"), at: "2026-03-02T15:05:03Z", complexity: 2)
        b.complete(B.id("2026-03-02T15:05:00Z"), at: "2026-03-02T15:05:03Z", complexity: 3)
        // Never triggered, and a trigger never run.
        b.tick("2026-03-02T15:10:00Z", written: "2026-03-02T15:10:01Z")
        b.tick("2026-03-02T15:15:00Z", written: "2026-03-02T15:15:01Z")
        b.trigger("2026-03-02T15:15:00Z", written: "2026-03-02T15:15:01Z")
        b.tick("2026-03-02T15:40:00Z", written: "2026-03-02T15:40:01Z")
        let result = AuditReconciler(b.log).verify(pricing: PricingSchedule([.standard]))
        let kinds = Set(result.discrepancies.map(\.kind))
        #expect(kinds == [.mispricedCharge, .conflictingCharge, .duplicateCompletion, .noTrigger, .noCompletion])
        #expect(!result.billing.holds)
        #expect(!result.isClean)
    }

    @Test func state_atT_showsOnlyEventsStampedAtOrBeforeT() {
        var b = B()
        b.configure("2026-03-02T14:00:00Z", schedule: "*:00")
        b.add("2026-03-02T15:07:30Z", .schedulePaused(ScheduleToggled(app: "app", reason: "maintenance", actor: "cli:alice")))
        b.configure("2026-03-02T15:10:00Z", schedule: "*:30")
        b.add("2026-03-02T15:20:10Z", .scheduleResumed(ScheduleToggled(app: "app", actor: "cli:alice")))
        let before = AuditStateSnapshot(b.log, at: B.at("2026-03-02T15:07:00Z"))
        #expect(before.apps.first?.paused == nil)
        #expect(before.apps.first?.jobs.first?.schedule == "*:00")
        let during = AuditStateSnapshot(b.log, at: B.at("2026-03-02T15:15:00Z"))
        #expect(during.apps.first?.paused?.since == "2026-03-02T15:07:30.000Z")
        #expect(during.apps.first?.paused?.actor == "cli:alice")
        #expect(during.apps.first?.paused?.reason == "maintenance")
        #expect(during.apps.first?.jobs.first?.schedule == "*:30")
        #expect(during.apps.first?.jobs.first?.nextRunAfter == "2026-03-02T15:30:00.000Z")
        #expect(AuditStateSnapshot(b.log, at: B.at("2026-03-02T15:21:00Z")).apps.first?.paused == nil)
        #expect(AuditStateSnapshot(b.log, at: B.at("2026-03-02T13:00:00Z")).apps.isEmpty)
    }
}
