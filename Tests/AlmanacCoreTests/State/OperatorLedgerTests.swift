import AlmanacCore
import Foundation
import Testing

@Suite struct OperatorLedgerTests {
    static func at(_ text: String) -> Date { RFC3339.parse(text)! }
    static func charge(_ trigger: String, account: String = "acme", app: String = "a", credits: Int64, at time: String) -> EventEnvelope {
        let charge = CreditsCharged(triggerId: TriggerID(trigger), account: account, app: app, job: "j", executionId: "e",
                                    status: .succeeded, pricingVersion: "v1",
                                    lineItems: [ChargeLineItem(item: "base", quantity: 1, unitPrice: .credits(credits), amount: .credits(credits))])
        return EventEnvelope(source: "t", time: at(time), event: .creditsCharged(charge))
    }
    static func rejection(_ n: Int64, at time: String) -> EventEnvelope {
        EventEnvelope(source: "t", time: at(time), event: .eventRejected(EventRejected(
            topic: "almanac.control", partition: 0, offset: n, key: "k", raw: Array("x".utf8), reason: .notJSON,
            detail: "not JSON", rejectedBy: "projector")))
    }

    @Test func credits_perAccountAndApp_countEachChargeIdOnce() {
        var ledger = OperatorLedger()
        ledger.apply(Self.charge("t1", app: "a", credits: 3, at: "2026-03-02T10:00:00Z"))
        ledger.apply(Self.charge("t2", app: "b", credits: 2, at: "2026-03-02T11:00:00Z"))
        let duplicateApplied = ledger.apply(Self.charge("t1", app: "a", credits: 3, at: "2026-03-02T10:00:05Z"))   // crash duplicate
        #expect(!duplicateApplied)
        ledger.apply(Self.charge("t3", account: "other", app: "c", credits: 7, at: "2026-03-02T12:00:00Z"))
        let today = ledger.credits(onDayOf: Self.at("2026-03-02T23:59:59Z"))
        #expect(today.accounts == ["acme": .credits(5), "other": .credits(7)])
        #expect(today.apps[OperatorLedger.AppRef(account: "acme", app: "a")] == .credits(3))
        #expect(today.runs[OperatorLedger.AppRef(account: "acme", app: "a")] == 1)
    }

    /// Five of the largest charges the pricing limits allow (~2.2 × 10¹⁸ millicredits each) pass
    /// 64 bits together: the day's totals stop at the limit instead of trapping the ledger's
    /// service (which would trap again on every restart, replaying the day).
    @Test func credits_whoseSumPassesSixtyFourBits_stopAtTheLimit() {
        var ledger = OperatorLedger()
        let largest = Millicredits(2_200_000_000_000_000_000)
        for n in 1...6 {
            let charge = CreditsCharged(triggerId: TriggerID("big\(n)"), account: "acme", app: n == 6 ? "b" : "a", job: "j", executionId: "e",
                                        status: .succeeded, pricingVersion: "v1",
                                        lineItems: [ChargeLineItem(item: "base", quantity: 1, unitPrice: largest, amount: largest)])
            ledger.apply(EventEnvelope(source: "t", time: Self.at("2026-03-02T10:00:00Z"), event: .creditsCharged(charge)))
        }
        let today = ledger.credits(onDayOf: Self.at("2026-03-02T12:00:00Z"))
        #expect(today.apps[OperatorLedger.AppRef(account: "acme", app: "a")] == Millicredits(Int64.max))
        #expect(today.apps[OperatorLedger.AppRef(account: "acme", app: "b")] == largest)
        #expect(today.accounts == ["acme": Millicredits(Int64.max)])
        #expect(today.runs[OperatorLedger.AppRef(account: "acme", app: "a")] == 5)
    }

    @Test func credits_areSplitByUTCDay_andOldDaysAreDropped() {
        var ledger = OperatorLedger()
        ledger.dayLimit = 2
        ledger.apply(Self.charge("d1", credits: 1, at: "2026-03-01T23:59:59Z"))
        ledger.apply(Self.charge("d2", credits: 2, at: "2026-03-02T00:00:00Z"))
        #expect(ledger.credits(onDayOf: Self.at("2026-03-01T12:00:00Z")).accounts == ["acme": .credits(1)])
        #expect(ledger.credits(onDayOf: Self.at("2026-03-02T12:00:00Z")).accounts == ["acme": .credits(2)])
        ledger.apply(Self.charge("d3", credits: 4, at: "2026-03-03T08:00:00Z"))
        #expect(ledger.days.count == 2)
        #expect(ledger.credits(onDayOf: Self.at("2026-03-01T12:00:00Z")).accounts.isEmpty)
        #expect(ledger.credits(onDayOf: Self.at("2026-03-04T12:00:00Z")).accounts.isEmpty)
    }

    @Test func rejections_keepTheNewest_andCountAll() {
        var ledger = OperatorLedger()
        ledger.rejectionLimit = 3
        for n in 0..<5 { ledger.apply(Self.rejection(Int64(n), at: "2026-03-02T10:00:0\(n)Z")) }
        #expect(ledger.rejectionCount == 5)
        #expect(ledger.rejections.map(\.rejected.offset) == [2, 3, 4])
        #expect(ledger.rejections.last?.time == Self.at("2026-03-02T10:00:04Z"))
    }

    @Test func apply_recordsRunDurationAndAttemptOfCompletions() {
        var state = SchedulerState()
        state.apply(SchedulerStateTests.configured("*:*"))
        let key = JobKey(account: "acct", app: "app", job: "job")
        let completed = JobCompleted(triggerId: TriggerID("t"), executionId: "e", job: key, status: .failed, attempt: 2, exitCode: 1,
                                     startedAt: Self.at("2026-03-02T15:00:01Z"), finishedAt: Self.at("2026-03-02T15:00:03.5Z"), usage: .none)
        state.apply(EventEnvelope(source: "t", time: Self.at("2026-03-02T15:00:04Z"), event: .jobCompleted(completed)))
        let run = state.job(key)?.recentRuns.last
        #expect(run?.outcome == "failed")
        #expect(run?.durationMilliseconds == 2500)
        #expect(run?.attempt == 2)
        #expect(run?.startedAt == Self.at("2026-03-02T15:00:01Z"))
    }
}
