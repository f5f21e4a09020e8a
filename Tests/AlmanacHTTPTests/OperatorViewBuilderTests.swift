import AlmanacCore
@testable import AlmanacHTTP
import Foundation
import Testing

@Suite struct OperatorViewBuilderTests {
    let now = Fixtures.at("2026-03-02T13:30:00Z")   // 08:30 in New York, 14:30 in Berlin

    @Test func appList_showsNextRunsInLocalTimeAndUTC_andSortsByAccount() {
        let list = OperatorViewBuilder(state: Fixtures.state(), ledger: OperatorLedger(), now: now).appList()
        #expect(list.apps.map(\.app) == ["clinic", "sync"])
        #expect(list.day == "2026-03-02")
        let remind = list.apps[0].jobs.first { $0.name == "remind" }!
        #expect(remind.nextRuns.count == 5)
        #expect(remind.nextRuns.first == InstantView(utc: "2026-03-03T13:00:00.000Z", local: "2026-03-03T08:00:00-05:00"))
        let hourly = list.apps[1].jobs[0]
        #expect(hourly.nextRuns.map(\.local).prefix(2) == ["2026-03-02T15:00:00+01:00", "2026-03-02T16:00:00+01:00"])
        #expect(list.apps[0].jobs.first { $0.name == "manual" }!.nextRuns.isEmpty)
    }

    @Test func pausedAppOrJob_isDisabledWithItsReason() {
        var state = Fixtures.state()
        state.apply(EventEnvelope(source: "t", time: Fixtures.at("2026-03-02T13:00:00Z"),
                                  event: .schedulePaused(ScheduleToggled(app: "clinic", job: "remind", reason: "holiday", actor: "http"))))
        var app = OperatorViewBuilder(state: state, ledger: OperatorLedger(), now: now).app("clinic")!
        #expect(app.enabled)
        #expect(app.jobs.first { $0.name == "remind" }!.enabled == false)
        #expect(app.jobs.first { $0.name == "remind" }!.paused == PauseView(since: "2026-03-02T13:00:00.000Z", reason: "holiday", actor: "http"))
        state.apply(EventEnvelope(source: "t", time: Fixtures.at("2026-03-02T13:05:00Z"), event: .schedulePaused(ScheduleToggled(app: "clinic"))))
        app = OperatorViewBuilder(state: state, ledger: OperatorLedger(), now: now).app("clinic")!
        #expect(!app.enabled)
        #expect(app.jobs.allSatisfy { !$0.enabled })
    }

    @Test func runs_newestFirst_withStatusSkipReasonAndDuration() {
        var state = Fixtures.state()
        let key = JobKey(account: "acme", app: "clinic", job: "remind")
        state.apply(EventEnvelope(source: "t", time: Fixtures.at("2026-03-02T13:00:00Z"), event: .jobSkipped(JobSkipped(
            triggerId: TriggerID("a"), job: key, scheduledFor: Fixtures.at("2026-03-02T13:00:00Z"), reason: .paused))))
        state.apply(EventEnvelope(source: "t", time: Fixtures.at("2026-03-03T13:00:03Z"), event: .jobCompleted(JobCompleted(
            triggerId: TriggerID("b"), executionId: "e", job: key, status: .succeeded, attempt: 1, exitCode: 0,
            startedAt: Fixtures.at("2026-03-03T13:00:01Z"), finishedAt: Fixtures.at("2026-03-03T13:00:03.250Z"), usage: .none))))
        let runs = OperatorViewBuilder(state: state, ledger: OperatorLedger(), now: now).runs(app: "clinic", job: "remind", limit: 10)!
        #expect(runs.runs.map(\.triggerId) == ["b", "a"])
        #expect(runs.runs[0].status == "succeeded")
        #expect(runs.runs[0].durationMilliseconds == 2250)
        #expect(runs.runs[0].at.local == "2026-03-03T08:00:03-05:00")
        #expect(runs.runs[1].status == "skipped")
        #expect(runs.runs[1].skipReason == "paused")
        #expect(OperatorViewBuilder(state: state, ledger: OperatorLedger(), now: now).runs(app: "clinic", job: "nope", limit: 1) == nil)
    }

    @Test func creditsToday_perAppAndAccount_fromTheLedger() {
        var ledger = OperatorLedger()
        for (id, app, account, credits, time) in [("t1", "clinic", "acme", Int64(3), "2026-03-02T09:00:00Z"),
                                                  ("t2", "clinic", "acme", 2, "2026-03-02T10:00:00Z"),
                                                  ("t3", "sync", "beta", 1, "2026-03-01T10:00:00Z")] {
            ledger.apply(EventEnvelope(source: "t", time: Fixtures.at(time), event: .creditsCharged(CreditsCharged(
                triggerId: TriggerID(id), account: account, app: app, job: "j", executionId: "e", status: .succeeded, pricingVersion: "v",
                lineItems: [ChargeLineItem(item: "base", quantity: 1, unitPrice: .credits(credits), amount: .credits(credits))]))))
        }
        let list = OperatorViewBuilder(state: Fixtures.state(), ledger: ledger, now: now).appList()
        #expect(list.apps[0].creditsToday == CreditsView(millicredits: 5000, credits: "5.000", runs: 2))
        #expect(list.apps[1].creditsToday.millicredits == 0)   // yesterday's charge
        #expect(list.accounts.map(\.account) == ["acme", "beta"])
        #expect(list.accounts[0].creditsToday.millicredits == 5000)
        #expect(list.accounts[0].apps == ["clinic"])
    }
}
