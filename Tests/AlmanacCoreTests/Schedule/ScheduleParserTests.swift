import Testing

@testable import AlmanacCore

/// Every accepted form parses to the intended calendar.
struct ScheduleParserTests {
    typealias Support = ScheduleTestSupport

    @Test func parse_whenPlatformDaily_isFixedAtThatTime() throws {
        let expression = try ScheduleExpression.parse("9:00")
        #expect(expression.form == .platform)
        #expect(expression.hours == [9])
        #expect(expression.minutes == [0])
        #expect(expression.daysOfWeek == Array(0...6))
        #expect(!expression.isInterval)
        #expect(expression.text == "9:00")
        #expect(expression.description == "9:00")
    }

    @Test func parse_whenPlatformHourly_isIntervalEveryHour() throws {
        let expression = try ScheduleExpression.parse("*:00")
        #expect(expression.hours == Array(0...23))
        #expect(expression.minutes == [0])
        #expect(expression.isInterval)
    }

    @Test func parse_whenPlatformEveryMinute_matchesAllMinutes() throws {
        let expression = try ScheduleExpression.parse("*:*")
        #expect(expression.minutes == Array(0...59))
        #expect(expression.hours == Array(0...23))
        #expect(expression.isInterval)
    }

    @Test func parse_whenPlatformHourRange_isInclusive() throws {
        let expression = try ScheduleExpression.parse("8-19:00")
        #expect(expression.hours == Array(8...19))
        #expect(!expression.isInterval)
    }

    @Test(arguments: [
        ("*/15:00", [0, 15], [0]),
        ("9:*/20", [9], [0, 20, 40]),
        ("8-18/5:05", [8, 13, 18], [5]),
        ("9:0-30/15", [9], [0, 15, 30]),
        ("7,12,17:30", [7, 12, 17], [30]),
        ("9:5", [9], [5]),
        ("09:00", [9], [0]),
        ("1-3,22:10,40", [1, 2, 3, 22], [10, 40]),
    ])
    func parse_whenPlatformListsRangesSteps_expandsThem(text: String, hours: [Int], minutes: [Int]) throws {
        let expression = try ScheduleExpression.parse(text)
        #expect(expression.hours == hours)
        #expect(expression.minutes == minutes)
    }

    @Test(arguments: [
        ("mon-fri 8-18:*/15", [1, 2, 3, 4, 5]),
        ("sat,sun 10:00", [0, 6]),
        ("SAT,Sun 10:00", [0, 6]),
        ("mon-sun 10:00", [0, 1, 2, 3, 4, 5, 6]),
        ("sun-sat 10:00", [0, 1, 2, 3, 4, 5, 6]),
        ("sat-sun 10:00", [0, 6]),
        ("mon,wed-fri 10:00", [1, 3, 4, 5]),
        ("  tue   7:30  ", [2]),
    ])
    func parse_whenPlatformDayPrefix_restrictsDaysOfWeek(text: String, days: [Int]) throws {
        let expression = try ScheduleExpression.parse(text)
        #expect(expression.daysOfWeek == days)
        #expect(expression.daysMatchBoth)
    }

    @Test func parse_whenPlatformPrefixWithIntervalMinutes_isInterval() throws {
        #expect(try ScheduleExpression.parse("mon-fri 8-18:*/15").isInterval)
        #expect(try !ScheduleExpression.parse("mon-fri 8-18:15").isInterval)
        #expect(try ScheduleExpression.parse("*/2:30").isInterval)
    }

    @Test func parse_whenCronEveryField_expandsThem() throws {
        let expression = try ScheduleExpression.parse("5,35 */6 1-10/3 JAN,jul mon-FRI")
        #expect(expression.form == .cron)
        #expect(expression.minutes == [5, 35])
        #expect(expression.hours == [0, 6, 12, 18])
        #expect(expression.daysOfMonth == [1, 4, 7, 10])
        #expect(expression.months == [1, 7])
        #expect(expression.daysOfWeek == [1, 2, 3, 4, 5])
        #expect(!expression.daysMatchBoth)
        #expect(expression.isInterval)  // the hour field starts with `*`
    }

    @Test func parse_whenCronSevenOrZero_meansSunday() throws {
        #expect(try ScheduleExpression.parse("0 0 * * 7").daysOfWeek == [0])
        #expect(try ScheduleExpression.parse("0 0 * * 0").daysOfWeek == [0])
        #expect(try ScheduleExpression.parse("0 0 * * 5-7").daysOfWeek == [0, 5, 6])
        #expect(try ScheduleExpression.parse("0 0 * * 0-7").daysOfWeek == Array(0...6))
    }

    @Test func parse_whenCronValueSlashStep_runsFromValueToMax() throws {
        // cronsim: `N/S` is `N-max/S`.
        #expect(try ScheduleExpression.parse("5/15 * * * *").minutes == [5, 20, 35, 50])
        #expect(try ScheduleExpression.parse("0 0 * * 1/2").daysOfWeek == [0, 1, 3, 5])
        #expect(try ScheduleExpression.parse("0 0 1 JAN/4 *").months == [1, 5, 9])
    }

    @Test func parse_whenCronSingleValueRangeStep_isThatValue() throws {
        // Deviation from cronsim (which reads `5-5/2` as `5/2`); see ops/differential.
        #expect(try ScheduleExpression.parse("5-5/2 * * * *").minutes == [5])
    }

    @Test func parse_whenCronLastDayForms_setsFlags() throws {
        let last = try ScheduleExpression.parse("0 0 L * *")
        #expect(last.includesLastDayOfMonth)
        #expect(last.daysOfMonth.isEmpty)
        let lastWeekday = try ScheduleExpression.parse("0 0 lw * *")
        #expect(lastWeekday.includesLastWeekdayOfMonth)
        let mixed = try ScheduleExpression.parse("0 0 1,L,LW * *")
        #expect(mixed.daysOfMonth == [1] && mixed.includesLastDayOfMonth && mixed.includesLastWeekdayOfMonth)
    }

    @Test func parse_whenCronLastAndNthWeekday_setsThem() throws {
        let expression = try ScheduleExpression.parse("0 12 * * 5L,0#2,7#3,MON#1")
        #expect(expression.lastDaysOfWeek == [5])
        #expect(
            expression.nthDaysOfWeek == [
                .init(weekday: 0, occurrence: 2), .init(weekday: 0, occurrence: 3), .init(weekday: 1, occurrence: 1),
            ])
        #expect(expression.daysOfWeek.isEmpty)
    }

    @Test(arguments: [
        ("0 0 * * MON", true), ("0 0 1 * MON", false), ("0 0 */2 * MON", true), ("0 0 1 * */2", true),
        ("0 0 1,* * MON", false), ("0 0 *,1 * MON", true), ("0 0 1 * *", true),
    ])
    func parse_whenDayFieldsRestricted_followsDebianRule(text: String, both: Bool) throws {
        #expect(try ScheduleExpression.parse(text).daysMatchBoth == both)
    }

    @Test(arguments: [
        ("* * * * *", true), ("*/5 3 * * *", true), ("0 * * * *", true), ("0-59 1 * * *", false),
        ("0 */2 * * *", true), ("30 2 * * *", false), ("@hourly", true), ("@daily", false),
    ])
    func parse_whenFieldStartsWithStar_isInterval(text: String, interval: Bool) throws {
        #expect(try ScheduleExpression.parse(text).isInterval == interval)
    }

    @Test(arguments: [
        ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"), ("@DAILY", "0 0 * * *"), (" @daily ", "0 0 * * *"),
    ])
    func parse_whenMacro_equalsItsExpansion(macro: String, expansion: String) throws {
        let expression = try ScheduleExpression.parse(macro)
        let expanded = try ScheduleExpression.parse(expansion)
        #expect(expression.form == .macro)
        #expect(expression.fields == expanded.fields)
        #expect(expression.isInterval == expanded.isInterval)
        #expect(expression.text == macro)
    }

    @Test func parse_whenCaseDiffers_namesStillMatch() throws {
        let upper = try ScheduleExpression.parse("0 0 * JAN-MAR MON")
        let lower = try ScheduleExpression.parse("0 0 * jan-mar mon")
        #expect(upper.fields == lower.fields)
        #expect(upper != lower)  // the text is part of the identity
    }

    @Test func parse_whenWhitespaceIsTabsOrNewline_accepts() throws {
        let expression = try ScheduleExpression.parse("0\t9 * *  *\n")
        #expect(expression.hours == [9])
    }

    @Test func parse_whenDayThirtyInMonthsWithThirty_accepts() throws {
        #expect(try ScheduleExpression.parse("0 0 30 2,4 *").months == [2, 4])
        #expect(try ScheduleExpression.parse("0 0 29 2 *").daysOfMonth == [29])
        #expect(try ScheduleExpression.parse("0 0 31 2 MON").daysOfWeek == [1])  // either day field
        #expect(try ScheduleExpression.parse("0 0 L 2 *").includesLastDayOfMonth)
    }
}
