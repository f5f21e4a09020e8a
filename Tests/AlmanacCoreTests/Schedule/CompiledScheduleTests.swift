import Foundation
import Testing

@testable import AlmanacCore

/// `next` and `occurrences`, including the DST rules of docs/design.md §4.
struct CompiledScheduleTests {
    typealias Support = ScheduleTestSupport

    @Test func next_whenDaily_runsAtThatLocalTime() throws {
        #expect(
            try Support.next("9:00", after: "2026-01-10T10:00:00-05:00", count: 2) == [
                "2026-01-11T09:00:00-05:00", "2026-01-12T09:00:00-05:00",
            ])
    }

    @Test func next_whenExactlyAtFireTime_returnsTheFollowingOne() throws {
        let schedule = try Support.schedule("*:00")
        let at = Support.date("2026-01-10T09:00:00-05:00")
        #expect(schedule.next(after: at) == Support.date("2026-01-10T10:00:00-05:00"))
        #expect(schedule.next(after: at.addingTimeInterval(-0.001)) == at)
        #expect(schedule.next(after: at.addingTimeInterval(30)) == Support.date("2026-01-10T10:00:00-05:00"))
    }

    @Test func next_whenHourRange_runsHourlyInclusive() throws {
        let runs = try Support.next("8-19:00", after: "2026-01-10T07:59:00-05:00", count: 13)
        #expect(runs.first == "2026-01-10T08:00:00-05:00")
        #expect(runs[11] == "2026-01-10T19:00:00-05:00")
        #expect(runs[12] == "2026-01-11T08:00:00-05:00")
    }

    @Test func next_whenDayPrefix_skipsOtherDays() throws {
        #expect(
            try Support.next("sat,sun 10:00", after: "2026-01-05T00:00:00-05:00", count: 3) == [
                "2026-01-10T10:00:00-05:00", "2026-01-11T10:00:00-05:00", "2026-01-17T10:00:00-05:00",
            ])
    }

    @Test func next_whenSpringForwardGap_runsAtEndOfGap() throws {
        #expect(
            try Support.next("2:30", after: "2026-03-07T12:00:00-05:00", count: 2) == [
                "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00",
            ])
        // Two wall times in the gap collapse into one run.
        #expect(
            try Support.next("0,30 2 * * *", after: "2026-03-07T12:00:00-05:00", count: 2) == [
                "2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00",
            ])
    }

    @Test func next_whenFallBackRepeat_fixedRunsAtFirstOccurrenceOnly() throws {
        #expect(
            try Support.next("1:30", after: "2026-10-31T12:00:00-04:00", count: 2) == [
                "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00",
            ])
        // Asked during the second pass of the repeated hour, the run has already happened.
        #expect(
            try Support.next("1:30", after: "2026-11-01T01:15:00-05:00", count: 1) == ["2026-11-02T01:30:00-05:00"])
        #expect(
            try Support.next("0-59/30 1 * * *", after: "2026-11-01T01:10:00-05:00", count: 1) == [
                "2026-11-02T01:00:00-05:00"
            ])
    }

    @Test func next_whenFallBackRepeat_intervalRunsInBothPasses() throws {
        #expect(
            try Support.next("*:30", after: "2026-11-01T00:45:00-04:00", count: 3) == [
                "2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", "2026-11-01T02:30:00-05:00",
            ])
    }

    @Test func next_whenSpringForwardGap_intervalSkipsMissingWallTimes() throws {
        #expect(
            try Support.next("*:30", after: "2026-03-08T00:45:00-05:00", count: 2) == [
                "2026-03-08T01:30:00-05:00", "2026-03-08T03:30:00-04:00",
            ])
        #expect(
            try Support.next("2:*/15", after: "2026-03-07T23:00:00-05:00", count: 1) == ["2026-03-09T02:00:00-04:00"])
    }

    @Test func next_whenHalfHourShift_intervalRunsAtEveryExistingWallTime() throws {
        // Lord Howe springs forward 02:00 → 02:30; 02:40 exists (cronsim skips it).
        #expect(
            try Support.next("40 * * * *", zone: "Australia/Lord_Howe", after: "2026-10-04T01:00:00+10:30", count: 2)
                == ["2026-10-04T01:40:00+10:30", "2026-10-04T02:40:00+11:00"])
        #expect(
            try Support.next("2:*/15", zone: "Australia/Lord_Howe", after: "2026-10-04T01:00:00+10:30", count: 3)
                == ["2026-10-04T02:30:00+11:00", "2026-10-04T02:45:00+11:00", "2026-10-05T02:00:00+11:00"])
    }

    @Test func next_whenMidnightMissing_intervalSkipsHourZero() throws {
        // Santiago springs forward at 24:00: 2026-09-06 00:xx does not exist.
        #expect(
            try Support.next("*/30 0 * * *", zone: "America/Santiago", after: "2026-09-05T12:00:00-04:00", count: 3)
                == ["2026-09-07T00:00:00-03:00", "2026-09-07T00:30:00-03:00", "2026-09-08T00:00:00-03:00"])
        #expect(
            try Support.next("0 0 * * *", zone: "America/Santiago", after: "2026-09-05T12:00:00-04:00", count: 2)
                == ["2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00"])
    }

    /// New York local days: (date, offset at its midnight, offset at the next midnight).
    static let days = [
        "2026-03-08": ("-05:00", "2026-03-09", "-04:00"),
        "2026-11-01": ("-04:00", "2026-11-02", "-05:00"),
        "2026-07-01": ("-04:00", "2026-07-02", "-04:00"),
    ]

    @Test(arguments: [
        ("*:*", "2026-03-08", 1380), ("*:*", "2026-11-01", 1500), ("*:*", "2026-07-01", 1440),
        ("*:00", "2026-03-08", 23), ("*:00", "2026-11-01", 25), ("*:00", "2026-07-01", 24),
        ("* * * * *", "2026-03-08", 1380), ("* * * * *", "2026-11-01", 1500),
        ("@hourly", "2026-03-08", 23), ("@hourly", "2026-11-01", 25),
        ("9:00", "2026-03-08", 1), ("9:00", "2026-11-01", 1),
        ("2:30", "2026-03-08", 1), ("1:30", "2026-11-01", 1),
        ("8-19:00", "2026-03-08", 12), ("*/30 1 * * *", "2026-11-01", 4), ("0-59/30 1 * * *", "2026-11-01", 2),
        ("0-59 2 * * *", "2026-03-08", 1), ("* 2 * * *", "2026-03-08", 0), ("*:*/15", "2026-11-01", 100),
    ])
    func occurrences_whenNewYorkDSTDays_countsRuns(text: String, day: String, runs: Int) throws {
        let schedule = try Support.schedule(text)
        let (startOffset, nextDay, endOffset) = try #require(Self.days[day])
        let start = Support.date("\(day)T00:00:00\(startOffset)")
        let end = Support.date("\(nextDay)T00:00:00\(endOffset)")
        // [local midnight, next local midnight)
        let all = schedule.occurrences(after: start.addingTimeInterval(-1), through: end.addingTimeInterval(-1))
        #expect(all.count == runs)
    }

    @Test func occurrences_whenEveryMinuteOnDSTDays_areStrictlyIncreasingAndUnique() throws {
        let schedule = try Support.schedule("*:*")
        let all = schedule.occurrences(
            after: Support.date("2026-11-01T00:00:00-04:00"), through: Support.date("2026-11-01T23:59:00-05:00"))
        #expect(all.count == 1500 - 1)  // (start, end]: 00:00 itself is excluded
        #expect(zip(all, all.dropFirst()).allSatisfy { $0 < $1 })
        #expect(Set(all).count == all.count)
    }

    @Test func occurrences_whenEndBeforeStart_isEmpty() throws {
        let schedule = try Support.schedule("*:*")
        #expect(schedule.occurrences(after: Support.date("2026-01-02T00:00:00Z"), through: Support.date("2026-01-01T00:00:00Z")).isEmpty)
    }

    @Test func next_whenDayFieldsBothRestricted_eitherMatches() throws {
        #expect(
            try Support.next("0 12 1 * MON", after: "2026-11-20T00:00:00-05:00") == [
                "2026-11-23T12:00:00-05:00", "2026-11-30T12:00:00-05:00", "2026-12-01T12:00:00-05:00",
                "2026-12-07T12:00:00-05:00",
            ])
        // `*/2` counts as unrestricted: both must match (odd days that are Mondays).
        #expect(
            try Support.next("0 12 */2 * MON", after: "2026-11-20T00:00:00-05:00", count: 3) == [
                "2026-11-23T12:00:00-05:00", "2026-12-07T12:00:00-05:00", "2026-12-21T12:00:00-05:00",
            ])
    }

    @Test func next_whenLastDayForms_findsThem() throws {
        #expect(
            try Support.next("0 0 L * *", after: "2026-01-15T00:00:00-05:00", count: 3) == [
                "2026-01-31T00:00:00-05:00", "2026-02-28T00:00:00-05:00", "2026-03-31T00:00:00-04:00",
            ])
        // Last weekday: 2026-01-31 is a Saturday, 2026-05-31 a Sunday.
        #expect(
            try Support.next("0 0 LW 1,5 *", after: "2026-01-01T00:00:00-05:00", count: 2) == [
                "2026-01-30T00:00:00-05:00", "2026-05-29T00:00:00-04:00",
            ])
        #expect(
            try Support.next("0 12 * * 5L", after: "2026-01-01T00:00:00-05:00", count: 2) == [
                "2026-01-30T12:00:00-05:00", "2026-02-27T12:00:00-05:00",
            ])
        #expect(
            try Support.next("0 9 * * 0#2", after: "2026-01-01T00:00:00-05:00", count: 2) == [
                "2026-01-11T09:00:00-05:00", "2026-02-08T09:00:00-05:00",
            ])
        #expect(
            try Support.next("0 9 * * MON#5", after: "2026-01-01T00:00:00-05:00", count: 2) == [
                "2026-03-30T09:00:00-04:00", "2026-06-29T09:00:00-04:00",
            ])
    }

    @Test func next_whenLeapDay_waitsForLeapYears() throws {
        #expect(
            try Support.next("0 0 29 2 *", after: "2026-01-01T00:00:00-05:00", count: 2) == [
                "2028-02-29T00:00:00-05:00", "2032-02-29T00:00:00-05:00",
            ])
    }

    @Test func next_whenNoRunWithinFiftyYears_isNil() throws {
        // Odd days that are the fifth Sunday of February: never.
        let schedule = try Support.schedule("0 0 */30 2 0#5")
        #expect(schedule.next(after: Support.date("2026-01-01T00:00:00Z")) == nil)
        #expect(schedule.next(afterEpochMinute: 0) == nil)
    }

    @Test func next_whenInstantIsExtreme_isNilWithoutCrashing() throws {
        let schedule = try Support.schedule("*:*")
        #expect(schedule.next(after: .distantFuture) == nil)
        #expect(schedule.next(after: .distantPast) == nil)
        #expect(schedule.next(after: Date(timeIntervalSince1970: .infinity)) == nil)
        #expect(schedule.next(after: Date(timeIntervalSince1970: .nan)) == nil)
        #expect(schedule.next(afterEpochMinute: .max) == nil)
        #expect(schedule.next(afterEpochMinute: .min) == nil)
        #expect(schedule.occurrences(after: .distantPast, through: .distantFuture).isEmpty)
        let late = try #require(schedule.next(after: Support.date("2199-12-31T23:58:00Z")))
        #expect(late == Support.date("2199-12-31T23:59:00Z"))
    }

    @Test func nextEpochMinute_agreesWithDateAPI() throws {
        let schedule = try Support.schedule("mon-fri 8-18:*/15", zone: "Europe/Berlin")
        var minute: Int64 = 29_500_000
        for _ in 0..<500 {
            let next = try #require(schedule.next(afterEpochMinute: minute))
            #expect(schedule.next(after: Date(timeIntervalSince1970: Double(minute * 60))) == Date(timeIntervalSince1970: Double(next * 60)))
            #expect(next > minute)
            minute = next
        }
    }

    @Test func compiled_keepsExpressionAndZone() throws {
        let schedule = try Support.schedule("9:00", zone: "Asia/Tokyo")
        #expect(schedule.zoneIdentifier == "Asia/Tokyo")
        #expect(schedule.expression.text == "9:00")
        let defaultZone = try CompiledSchedule(ScheduleExpression.parse("9:00"))
        #expect(defaultZone.zoneIdentifier == "America/New_York")
    }
}
