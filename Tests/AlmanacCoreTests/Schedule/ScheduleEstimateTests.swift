import Testing

@testable import AlmanacCore

/// `almanac estimate` arithmetic (issue 3): runs per local day and per 30 days.
struct ScheduleEstimateTests {
    typealias Support = ScheduleTestSupport

    @Test func estimate_whenEveryMinuteAtTwoCredits_isPlatformArithmetic() throws {
        let estimate = ScheduleEstimate(schedule: try Support.schedule("*:*"), startingOn: (2026, 7, 1))
        #expect(estimate.runsPerDay == 1440)
        #expect(estimate.runsPer30Days == 43_200)
        #expect(estimate.credits(perRun: 2) == (2880, 86_400))
    }

    @Test func estimate_whenHourlyAtTwoCredits_is24RunsAnd48Credits() throws {
        let estimate = ScheduleEstimate(schedule: try Support.schedule("*:00"), startingOn: (2026, 7, 1))
        #expect(estimate.runsPerDay == 24)
        #expect(estimate.credits(perRun: 2).perDay == 48)
    }

    @Test(arguments: [
        ("*:*", 3, 8, 1380), ("*:*", 11, 1, 1500), ("*:00", 3, 8, 23), ("*:00", 11, 1, 25), ("9:00", 3, 8, 1),
        ("2:30", 3, 8, 1), ("1:30", 11, 1, 1), ("8-19:00", 7, 1, 12), ("mon-fri 9:00", 7, 4, 0),
    ])
    func runs_whenNewYorkDates_countsLocalDay(text: String, month: Int, day: Int, runs: Int) throws {
        #expect(ScheduleEstimate.runs(on: (2026, month, day), schedule: try Support.schedule(text)) == runs)
    }

    @Test func runsPer30Days_whenSpanningSpringForward_losesAnHour() throws {
        let schedule = try Support.schedule("*:*")
        #expect(ScheduleEstimate.runsPer30Days(from: (2026, 3, 1), schedule: schedule) == 43_200 - 60)
        #expect(ScheduleEstimate.runs(onDays: 2, from: (2026, 10, 31), schedule: schedule) == 1440 + 1500)
    }

    @Test func runs_whenMidnightMissing_dayStartsAtGapEnd() throws {
        let everyMinute = try Support.schedule("*:*", zone: "America/Santiago")
        #expect(ScheduleEstimate.runs(on: (2026, 9, 6), schedule: everyMinute) == 1380)
        let midnight = try Support.schedule("0 0 * * *", zone: "America/Santiago")
        #expect(ScheduleEstimate.runs(on: (2026, 9, 6), schedule: midnight) == 1)
    }

    @Test func runs_whenDateInvalid_isZero() throws {
        let schedule = try Support.schedule("*:*")
        #expect(ScheduleEstimate.runs(on: (2026, 2, 29), schedule: schedule) == 0)
        #expect(ScheduleEstimate.runs(on: (2026, 13, 1), schedule: schedule) == 0)
        #expect(ScheduleEstimate.runs(on: (2026, 1, 0), schedule: schedule) == 0)
    }
}
