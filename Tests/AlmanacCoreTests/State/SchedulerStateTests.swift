import AlmanacCore
import Foundation
import Testing

@Suite struct SchedulerStateTests {
    static func at(_ text: String) -> Date { RFC3339.parse(text)! }
    static func configured(_ schedule: String, window: Int = 900) -> EventEnvelope {
        EventEnvelope(source: "t", time: at("2026-03-02T14:00:00Z"), event: .appConfigured(AppConfigured(config: AppConfiguration(
            app: "app", account: "acct", jobs: [JobConfiguration(name: "job", schedule: schedule, command: ["x"], catchUpWindowSeconds: window)]))))
    }

    @Test func plan_whenDue_triggersWithDeterministicID() {
        var state = SchedulerState()
        state.apply(Self.configured("*:*/5"))
        let minute = Self.at("2026-03-02T15:10:00Z")
        let plan = TickPlanner.plan(state: state, minute: minute, now: minute, ticker: "t")
        #expect(plan.triggers.map(\.triggerId.rawValue) == ["acct/app/job@2026-03-02T15:10Z"])
        #expect(TickPlanner.plan(state: state, minute: Self.at("2026-03-02T15:11:00Z"), now: minute, ticker: "t").triggers.isEmpty)
    }

    @Test func plan_whenPaused_skipsAndAfterResumeTriggersAgain() {
        var state = SchedulerState()
        state.apply(Self.configured("*:*"))
        state.apply(EventEnvelope(source: "t", time: Self.at("2026-03-02T15:07:30Z"), event: .schedulePaused(ScheduleToggled(app: "app", reason: "r"))))
        let paused = TickPlanner.plan(state: state, minute: Self.at("2026-03-02T15:08:00Z"), now: Self.at("2026-03-02T15:08:01Z"), ticker: "t")
        #expect(paused.triggers.isEmpty)
        #expect(paused.skipped.map(\.reason) == [.paused])
        state.apply(EventEnvelope(source: "t", time: Self.at("2026-03-02T15:08:10Z"), event: .scheduleResumed(ScheduleToggled(app: "app"))))
        let resumed = TickPlanner.plan(state: state, minute: Self.at("2026-03-02T15:09:00Z"), now: Self.at("2026-03-02T15:09:01Z"), ticker: "t")
        #expect(resumed.triggers.count == 1)
    }

    @Test func plan_judgesPauseAndResumeByEventTime_notArrival() {
        var state = SchedulerState()
        state.apply(Self.configured("*:*"))
        // Paused 1 s before 15:10 and resumed 5 s after it, both projected before 15:10 is planned.
        state.apply(EventEnvelope(source: "t", time: Self.at("2026-03-02T15:09:59Z"), event: .schedulePaused(ScheduleToggled(app: "app"))))
        state.apply(EventEnvelope(source: "t", time: Self.at("2026-03-02T15:10:05Z"), event: .scheduleResumed(ScheduleToggled(app: "app"))))
        let boundary = TickPlanner.plan(state: state, minute: Self.at("2026-03-02T15:10:00Z"), now: Self.at("2026-03-02T15:10:06Z"), ticker: "t")
        #expect(boundary.skipped.map(\.reason) == [.paused])
        #expect(TickPlanner.plan(state: state, minute: Self.at("2026-03-02T15:11:00Z"), now: Self.at("2026-03-02T15:11:01Z"), ticker: "t").triggers.count == 1)
        // A pause stamped 1 s after a boundary does not hold that minute.
        state.apply(EventEnvelope(source: "t", time: Self.at("2026-03-02T15:12:01Z"), event: .schedulePaused(ScheduleToggled(app: "app"))))
        #expect(TickPlanner.plan(state: state, minute: Self.at("2026-03-02T15:12:00Z"), now: Self.at("2026-03-02T15:12:02Z"), ticker: "t").triggers.count == 1)
        #expect(TickPlanner.plan(state: state, minute: Self.at("2026-03-02T15:13:00Z"), now: Self.at("2026-03-02T15:13:02Z"), ticker: "t").triggers.isEmpty)
    }

    @Test func plan_whenOlderThanCatchUpWindow_recordsMissed() {
        var state = SchedulerState()
        state.apply(Self.configured("*:*", window: 900))
        let minute = Self.at("2026-03-02T15:00:00Z")
        #expect(TickPlanner.plan(state: state, minute: minute, now: minute.addingTimeInterval(600), ticker: "t").triggers.count == 1)
        #expect(TickPlanner.plan(state: state, minute: minute, now: minute.addingTimeInterval(3600), ticker: "t").skipped.map(\.reason) == [.missed])
    }

    @Test func plan_neverFiresAtOrBeforeTheScheduleTookEffect() {
        var state = SchedulerState()
        state.apply(Self.configured("*:*"))
        let beforeConfig = Self.at("2026-03-02T13:59:00Z")
        #expect(TickPlanner.plan(state: state, minute: beforeConfig, now: beforeConfig, ticker: "t").triggers.isEmpty)
    }

    @Test func apply_pauseForUnknownApp_isRejectedAsUnknownApp() {
        var state = SchedulerState()
        let outcome = state.apply(EventEnvelope(source: "t", time: Self.at("2026-03-02T15:00:00Z"), event: .schedulePaused(ScheduleToggled(app: "ghost"))))
        guard case .rejected(let error) = outcome else { Issue.record("expected a rejection"); return }
        #expect(error.reason == .unknownApp)
    }

    @Test func apply_whenAnotherAccountClaimsOrRemovesAnApp_isRejected() {
        var state = SchedulerState()
        state.apply(Self.configured("*:*"))
        let takeover = AppConfiguration(app: "app", account: "intruder", jobs: [JobConfiguration(name: "j", schedule: "*:*", command: ["x"])])
        guard case .rejected(let claim) = state.apply(EventEnvelope(source: "t", time: Self.at("2026-03-02T15:00:00Z"), event: .appConfigured(AppConfigured(config: takeover)))) else {
            Issue.record("a configure from another account must be rejected"); return
        }
        #expect(claim.reason == .invalidData)
        guard case .rejected(let removal) = state.apply(EventEnvelope(source: "t", time: Self.at("2026-03-02T15:00:00Z"), event: .appRemoved(AppRemoved(app: "app", account: "intruder")))) else {
            Issue.record("a removal from another account must be rejected"); return
        }
        #expect(removal.reason == .invalidData)
        guard case .rejected(let unknown) = state.apply(EventEnvelope(source: "t", time: Self.at("2026-03-02T15:00:00Z"), event: .appRemoved(AppRemoved(app: "ghost", account: "acct")))) else {
            Issue.record("removing an unknown app must be rejected"); return
        }
        #expect(unknown.reason == .unknownApp)
        #expect(state.apps["app"]?.config.account == "acct")
    }

    @Test func offsetTracker_commitsOnlyBelowTheOldestUnfinished() {
        var tracker = PartitionOffsetTracker()
        for offset in 10...14 { tracker.begin(Int64(offset)) }
        tracker.finish(11); tracker.finish(12); tracker.finish(14)
        #expect(tracker.committable == 10)
        tracker.finish(10)
        #expect(tracker.committable == 13)
        tracker.finish(13)
        #expect(tracker.committable == 15)
    }

    @Test func validate_namesTheFieldAndTheProblem() {
        let config = AppConfiguration(app: "a", account: "b", timeZone: "Mars/Olympus",
                                      jobs: [JobConfiguration(name: "j", schedule: "8-25:00", command: ["x"], complexity: 0)])
        let fields = config.validate().map(\.field)
        #expect(fields.contains("timeZone"))
        #expect(fields.contains("jobs[0].schedule"))
        #expect(fields.contains("jobs[0].complexity"))
    }
}

@Suite struct PricingTests {
    @Test func everyMinuteAtTwoCredits_is2880CreditsADay() {
        let items = Pricer.lineItems(complexity: 2, usage: .none, table: .standard)
        let perRun = items.reduce(Millicredits.zero) { $0 + $1.amount }
        #expect(Millicredits(perRun.rawValue * 1440) == .credits(2880))
        #expect(Millicredits(perRun.rawValue * 24) == .credits(48))
    }

    @Test func aiEmailAndSms_addUpExactly() {
        let usage = RunUsage(ai: [.init(model: "gpt-4o-mini", inputTokens: 1200, outputTokens: 300)], emails: 3, sms: 2)
        let items = Pricer.lineItems(complexity: 3, usage: usage, table: .standard)
        #expect(items.map(\.item) == ["base", "ai:gpt-4o-mini:input", "ai:gpt-4o-mini:output", "email", "sms"])
        // 3000 + 1200*150/1000 (180) + 300*600/1000 (180) + 3*100 + 2*1000
        #expect(items.reduce(Millicredits.zero) { $0 + $1.amount } == Millicredits(5660))
    }

    @Test func unknownModel_isPricedAtTheDefaultRateAndFlagged() {
        let usage = RunUsage(ai: [.init(model: "mystery", inputTokens: 1000, outputTokens: 0)])
        let item = Pricer.lineItems(complexity: 1, usage: usage, table: .standard)[1]
        #expect(item.amount == Millicredits(2500))
        #expect(item.note?.contains("unknown model") == true)
    }
}
