import AlmanacCore
import Testing

/// `almanac estimate --app`: scheduled runs plus the follow-ups jobs declare.
@Suite struct AppRunEstimateTests {
    func job(_ name: String, _ schedule: String?, followUps: [FollowUpEstimate] = []) -> JobConfiguration {
        JobConfiguration(name: name, schedule: schedule, command: ["/bin/true"], estimatedFollowUps: followUps)
    }

    @Test func rows_whenAJobDeclaresFollowUpsOfItself_countsTheChain() {
        let app = AppConfiguration(app: "csv-import", account: "northwind",
                                   jobs: [job("import-customers", "2:00", followUps: [FollowUpEstimate(job: "import-customers", count: 19)])])
        let rows = AppRunEstimate.rows(app: app, scheduled: ["import-customers": ScheduleEstimate(runsPerDay: 1, runsPer30Days: 30)])
        #expect(rows == [AppRunEstimate.Row(job: "import-customers", estimate: ScheduleEstimate(runsPerDay: 20, runsPer30Days: 600),
                                            followUps: ScheduleEstimate(runsPerDay: 19, runsPer30Days: 570), counted: true)])
    }

    @Test func rows_whenFollowUpsAreAnotherJob_countThemThere() {
        let app = AppConfiguration(app: "a", account: "b", jobs: [
            job("fetch", "*:00", followUps: [FollowUpEstimate(job: "process", count: 3)]),
            job("process", nil),
        ])
        let rows = AppRunEstimate.rows(app: app, scheduled: ["fetch": ScheduleEstimate(runsPerDay: 24, runsPer30Days: 720)])
        #expect(rows.map(\.estimate) == [ScheduleEstimate(runsPerDay: 24, runsPer30Days: 720), ScheduleEstimate(runsPerDay: 72, runsPer30Days: 2160)])
        #expect(rows.map(\.counted) == [true, true])
    }

    @Test func rows_whenAnUnscheduledJobIsNotDeclared_isNotCounted() {
        let app = AppConfiguration(app: "a", account: "b", jobs: [job("nightly", "2:00"), job("by-hand", nil)])
        let rows = AppRunEstimate.rows(app: app, scheduled: ["nightly": ScheduleEstimate(runsPerDay: 1, runsPer30Days: 30)])
        #expect(rows.map(\.counted) == [true, false])
        #expect(rows[1].estimate == ScheduleEstimate(runsPerDay: 0, runsPer30Days: 0))
    }

    @Test func validate_whenAFollowUpNamesNoJobOrABadCount_namesTheField() {
        let app = AppConfiguration(app: "a", account: "b", jobs: [
            job("fetch", "*:00", followUps: [FollowUpEstimate(job: "nope", count: 3), FollowUpEstimate(job: "fetch", count: -1)]),
        ])
        #expect(app.validate().map(\.description) == [
            #"jobs[0].estimatedFollowUps[0].job: "nope" is not a job of this app"#,
            "jobs[0].estimatedFollowUps[1].count: -1 is outside 0-100000",
        ])
    }
}
