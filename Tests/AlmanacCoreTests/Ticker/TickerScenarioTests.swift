import AlmanacCore
import Foundation
import Testing

/// Issue 11's pause and edit scenarios, driven minute by minute through the planner with the
/// events arriving when a ticker would see them (published before the minute's tick, 1 s after the
/// boundary), all times America/New_York on 2026-03-02 (UTC-5).
@Suite struct TickerScenarioTests {
    static func local(_ hhmmss: String) -> Date { RFC3339.parse("2026-03-02T\(hhmmss)-05:00")! }

    struct Outcome: Equatable {
        var triggered: [String] = []
        var skipped: [String: SkipReason] = [:]
    }

    /// Plans every minute in `[from, to]`, applying each event once the ticker would have read it.
    static func run(schedule: String, from: String, to: String, events: [(String, AlmanacEvent)]) -> Outcome {
        var state = SchedulerState()
        state.apply(EventEnvelope(source: "t", time: local("09:00:00"), event: .appConfigured(AppConfigured(config: AppConfiguration(
            app: "app", account: "acct", jobs: [JobConfiguration(name: "job", schedule: schedule, command: ["x"])])))))
        var pending = events.map { (local($0.0), $0.1) }
        var due = DueJobs(afterMinute: local(from).addingTimeInterval(-60))
        var outcome = Outcome()
        var minute = local(from)
        while minute <= local(to) {
            let tickAt = minute.addingTimeInterval(1)
            while let next = pending.first, next.0 < tickAt {
                state.apply(EventEnvelope(source: "t", time: next.0, event: next.1))
                pending.removeFirst()
            }
            due.sync(with: state)
            let plan = TickPlanner.plan(state: state, dueJobs: due.pop(minute: minute), minute: minute, now: tickAt, ticker: "t")
            let hhmm = String(RFC3339.local(minute, offsetSeconds: -5 * 3600).dropFirst(11).prefix(5))
            outcome.triggered += plan.triggers.map { _ in hhmm }
            for skip in plan.skipped { outcome.skipped[hhmm] = skip.reason }
            minute = minute.addingTimeInterval(60)
        }
        return outcome
    }

    @Test func pauseAt100730_resumeAt102010_skipsThreeSlots_andResumesAt1025() {
        let outcome = Self.run(schedule: "*:*/5", from: "10:00:00", to: "10:40:00", events: [
            ("10:07:30", .schedulePaused(ScheduleToggled(app: "app", reason: "maintenance"))),
            ("10:20:10", .scheduleResumed(ScheduleToggled(app: "app"))),
        ])
        #expect(outcome.triggered == ["10:00", "10:05", "10:25", "10:30", "10:35", "10:40"])
        #expect(outcome.skipped == ["10:10": .paused, "10:15": .paused, "10:20": .paused])
    }

    @Test func editHourlyToHalfPastAt1010_nextRunIs1030_andTheOldScheduleNeverFiresAgain() {
        let edited = AlmanacEvent.appConfigured(AppConfigured(config: AppConfiguration(
            app: "app", account: "acct", jobs: [JobConfiguration(name: "job", schedule: "*:30", command: ["x"])])))
        let outcome = Self.run(schedule: "*:00", from: "10:00:00", to: "12:00:00", events: [("10:10:00", edited)])
        #expect(outcome.triggered == ["10:00", "10:30", "11:30"])
        #expect(outcome.skipped.isEmpty)
    }

    @Test func pauseOneSecondBeforeABoundary_stopsThatMinute_oneSecondAfter_doesNot() {
        let before = Self.run(schedule: "*:*", from: "09:58:00", to: "10:01:00", events: [
            ("09:59:59", .schedulePaused(ScheduleToggled(app: "app"))),
        ])
        #expect(before.triggered == ["09:58", "09:59"])
        let after = Self.run(schedule: "*:*", from: "09:58:00", to: "10:01:00", events: [
            ("10:00:01", .schedulePaused(ScheduleToggled(app: "app"))),
        ])
        #expect(after.triggered == ["09:58", "09:59", "10:00"])
    }

    @Test func removingAnAppStopsItsRuns_andReAddingStartsFreshWithoutCatchingUp() {
        let removed = AlmanacEvent.appRemoved(AppRemoved(app: "app", account: "acct"))
        let readded = AlmanacEvent.appConfigured(AppConfigured(config: AppConfiguration(
            app: "app", account: "acct", jobs: [JobConfiguration(name: "job", schedule: "*:*/10", command: ["x"])])))
        let outcome = Self.run(schedule: "*:*/10", from: "10:00:00", to: "11:00:00", events: [
            ("10:05:00", removed), ("10:33:00", readded),
        ])
        #expect(outcome.triggered == ["10:00", "10:40", "10:50", "11:00"])
    }
}
