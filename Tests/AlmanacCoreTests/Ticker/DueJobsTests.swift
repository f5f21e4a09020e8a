import AlmanacCore
import Foundation
import Testing

@Suite struct DueJobsTests {
    static func at(_ text: String) -> Date { RFC3339.parse(text)! }

    static func configure(_ state: inout SchedulerState, app: String, at time: String, _ jobs: [(String, String)], zone: String = "America/New_York") {
        state.apply(EventEnvelope(source: "t", time: at(time), event: .appConfigured(AppConfigured(config: AppConfiguration(
            app: app, account: "acct", timeZone: zone,
            jobs: jobs.map { JobConfiguration(name: $0.0, schedule: $0.1, command: ["x"]) })))))
    }

    /// The due-index path plans exactly what the reference scan plans, minute by minute, across
    /// the New York fall-back night, with jobs added, rescheduled, paused and removed on the way.
    @Test func plan_withDueJobs_matchesTheReferenceScan_throughEditsAndDST() {
        var state = SchedulerState()
        Self.configure(&state, app: "a", at: "2026-10-31T12:00:00Z", [("m", "*:*/7"), ("h", "*:00"), ("f", "1:30"), ("c", "*/20 1 * * *")])
        Self.configure(&state, app: "b", at: "2026-10-31T12:00:00Z", [("b", "0 9 * * MON-FRI"), ("x", "2:30")], zone: "Europe/Berlin")
        var due = DueJobs(afterMinute: Self.at("2026-10-31T23:59:00Z"))
        var minute = Self.at("2026-11-01T00:00:00Z")
        var compared = 0
        var fired = 0
        while minute < Self.at("2026-11-03T00:00:00Z") {
            switch RFC3339.minute(minute) {
            case "2026-11-01T06:10Z": Self.configure(&state, app: "a", at: "2026-11-01T06:09:30Z", [("m", "*:*/7"), ("h", "*:30"), ("f", "1:30")])
            case "2026-11-01T09:00Z":
                state.apply(EventEnvelope(source: "t", time: Self.at("2026-11-01T08:59:59Z"), event: .schedulePaused(ScheduleToggled(app: "b"))))
            case "2026-11-02T03:00Z":
                state.apply(EventEnvelope(source: "t", time: Self.at("2026-11-02T02:59:00Z"), event: .appRemoved(AppRemoved(app: "b", account: "acct"))))
            case "2026-11-02T04:00Z": Self.configure(&state, app: "c", at: "2026-11-02T03:59:10Z", [("n", "*:*")])
            default: break
            }
            due.sync(with: state)
            let fast = TickPlanner.plan(state: state, dueJobs: due.pop(minute: minute), minute: minute, now: minute, ticker: "t")
            let reference = TickPlanner.plan(state: state, minute: minute, now: minute, ticker: "t")
            #expect(fast == reference, "\(RFC3339.minute(minute))")
            compared += 1
            fired += fast.triggers.count + fast.skipped.count
            minute = minute.addingTimeInterval(60)
        }
        #expect(compared == 2880)
        #expect(fired > 1500)
    }
}
