import Testing

@testable import AlmanacCore

/// Everything outside the language is refused with a message naming the expression, the
/// field, the column and what was expected; nothing crashes or hangs.
struct ScheduleRefusalTests {
    typealias Support = ScheduleTestSupport

    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var field: String?
        var message: String
        var code: ScheduleError.Code
        var testDescription: String { text.debugDescription }

        init(_ text: String, _ field: String?, _ message: String, _ code: ScheduleError.Code = .syntax) {
            self.text = text
            self.field = field
            self.message = message
            self.code = code
        }
    }

    static let platformCases: [Case] = [
        Case("8-25:00", "hour", #""8-25:00": hour 25 is out of range 0-23 (column 3)"#, .outOfRange),
        Case("24:00", "hour", #""24:00": hour 24 is out of range 0-23 (column 1)"#, .outOfRange),
        Case("9:60", "minute", #""9:60": minute 60 is out of range 0-59 (column 3)"#, .outOfRange),
        Case(
            "19-7:00", "hour",
            #""19-7:00": range 19-7 wraps around; wrap-around ranges are not supported, write 19-23,0-7 (column 1)"#,
            .unsupported),
        Case("*/0:00", "hour", #""*/0:00": hour step 0 is out of range 1-23 (column 3)"#, .outOfRange),
        Case("9:*/60", "minute", #""9:*/60": minute step 60 is out of range 1-59 (column 5)"#, .outOfRange),
        Case(
            "5/15:00", "hour",
            #""5/15:00": a step needs `*` or a range before `/`, e.g. `*/15` or `0-30/15` (column 2)"#),
        Case(
            "9:00:00", "expression",
            #""9:00:00": seconds are not supported; expected [DAYS ]HOURS:MINUTES, e.g. `9:00`, `*:*/15` or `mon-fri 8-18:00` (column 5)"#,
            .unsupported),
        Case("9:", "minute", #""9:": expected minutes after `:` (column 3)"#),
        Case(":00", "hour", #"":00": expected hours before `:` (column 1)"#),
        Case("9:0a", "minute", #""9:0a": expected a minute 0-59, found `0a` (column 3)"#),
        Case("9:$", "minute", #""9:$": unexpected character `$` in the minute field (column 3)"#),
        Case("9:00é", "minute", #""9:00é": unexpected character `é` in the minute field (column 5)"#),
        Case("1,,2:00", "hour", #""1,,2:00": empty item in the hour list (column 3)"#),
        Case(
            "9:00 mon", "expression",
            #""9:00 mon": the days go before the time, e.g. `mon-fri 9:00`; expected [DAYS ]HOURS:MINUTES, e.g. `9:00`, `*:*/15` or `mon-fri 8-18:00` (column 6)"#
        ),
        Case(
            "mon fri 9:00", "expression",
            #""mon fri 9:00": too many parts; expected [DAYS ]HOURS:MINUTES, e.g. `9:00`, `*:*/15` or `mon-fri 8-18:00` (column 9)"#
        ),
        Case(
            "funday 9:00", "day-of-week",
            #""funday 9:00": expected a day name (mon, tue, wed, thu, fri, sat, sun), found `funday` (column 1)"#),
        Case(
            "1-5 9:00", "day-of-week",
            #""1-5 9:00": expected a day name (mon, tue, wed, thu, fri, sat, sun), found `1` (column 1)"#),
        Case(
            "fri-mon 9:00", "day-of-week",
            #""fri-mon 9:00": range fri-mon wraps around; wrap-around ranges are not supported, split it, e.g. `fri-sat,sun-mon` (column 1)"#,
            .unsupported),
        Case("mon, 9:00", "day-of-week", #""mon, 9:00": empty item in the day-of-week list (column 5)"#),
    ]

    static let cronCases: [Case] = [
        Case(
            "0 */5 * * * *", "expression",
            #""0 */5 * * * *": found 6 fields; seconds fields are not supported, expected 5 fields (minute hour day-of-month month day-of-week) (column 1)"#,
            .unsupported),
        Case(
            "0 0 12 * * ? 2026", "expression",
            #""0 0 12 * * ? 2026": found 7 fields; Quartz seconds and year fields are not supported, expected 5 fields (minute hour day-of-month month day-of-week) (column 1)"#,
            .unsupported),
        Case(
            "* * * *", "expression",
            #""* * * *": expected 5 fields (minute hour day-of-month month day-of-week), found 4 (column 8)"#),
        Case(
            "* * * * * * * *", "expression",
            #""* * * * * * * *": expected 5 fields (minute hour day-of-month month day-of-week), found 8 (column 11)"#),
        Case("0 0 * * 1 ;", "expression", #""0 0 * * 1 ;": unexpected character `;` (column 11)"#),
        Case("60 * * * *", "minute", #""60 * * * *": minute 60 is out of range 0-59 (column 1)"#, .outOfRange),
        Case("* 24 * * *", "hour", #""* 24 * * *": hour 24 is out of range 0-23 (column 3)"#, .outOfRange),
        Case("* * 0 * *", "day-of-month", #""* * 0 * *": day-of-month 0 is out of range 1-31 (column 5)"#, .outOfRange),
        Case("* * 32 * *", "day-of-month", #""* * 32 * *": day-of-month 32 is out of range 1-31 (column 5)"#, .outOfRange),
        Case("* * * 13 *", "month", #""* * * 13 *": month 13 is out of range 1-12 (column 7)"#, .outOfRange),
        Case("* * * * 8", "day-of-week", #""* * * * 8": day-of-week 8 is out of range 0-7 (column 9)"#, .outOfRange),
        Case(
            "99999999999999999999 * * * *", "minute",
            #""99999999999999999999 * * * *": minute 99999999999999999999 is out of range 0-59 (column 1)"#,
            .outOfRange),
        Case("*/0 * * * *", "minute", #""*/0 * * * *": minute step 0 is out of range 1-59 (column 3)"#, .outOfRange),
        Case("*/90 * * * *", "minute", #""*/90 * * * *": minute step 90 is out of range 1-59 (column 3)"#, .outOfRange),
        Case(
            "0 0 */31 * *", "day-of-month", #""0 0 */31 * *": day-of-month step 31 is out of range 1-30 (column 7)"#,
            .outOfRange),
        Case(
            "5-1 * * * *", "minute",
            #""5-1 * * * *": range 5-1 wraps around; wrap-around ranges are not supported, write 5-59,0-1 (column 1)"#,
            .unsupported),
        Case(
            "0 19-7 * * *", "hour",
            #""0 19-7 * * *": range 19-7 wraps around; wrap-around ranges are not supported, write 19-23,0-7 (column 3)"#,
            .unsupported),
        Case(
            "0 0 * NOV-FEB *", "month",
            #""0 0 * NOV-FEB *": range NOV-FEB wraps around; wrap-around ranges are not supported, write NOV-DEC,JAN-FEB (column 7)"#,
            .unsupported),
        Case(
            "0 0 * * FRI-MON", "day-of-week",
            #""0 0 * * FRI-MON": range FRI-MON wraps around; wrap-around ranges are not supported, write FRI-SAT,SUN-MON (column 9)"#,
            .unsupported),
        Case(
            "0 0 ? * *", "day-of-month",
            #""0 0 ? * *": `?` (Quartz "no specific value") is not supported; use `*` (column 5)"#, .unsupported),
        Case(
            "0 0 15W * *", "day-of-month",
            #""0 0 15W * *": `15W` (nearest weekday) is not supported; only `LW` (last weekday of the month) is (column 5)"#,
            .unsupported),
        Case("0 0 W * *", "day-of-month", #""0 0 W * *": expected a day of month 1-31, L or LW, found `W` (column 5)"#),
        Case("$ * * * *", "minute", #""$ * * * *": unexpected character `$` in the minute field (column 1)"#),
        Case("😀 * * * *", "minute", #""😀 * * * *": unexpected character `😀` in the minute field (column 1)"#),
        Case(
            "0 0 * * L", "day-of-week",
            #""0 0 * * L": expected a day-of-week number before `L`, e.g. `5L` (the last Friday of the month), found `L` (column 9)"#
        ),
        Case("0 0 * * 1#6", "day-of-week", #""0 0 * * 1#6": occurrence #6 is out of range 1-5 (column 11)"#, .outOfRange),
        Case("0 0 * * 1#", "day-of-week", #""0 0 * * 1#": expected an occurrence 1-5 after `#`, e.g. `MON#2` (column 11)"#),
        Case("0 0 * * #2", "day-of-week", #""0 0 * * #2": expected a day of week 0-7 or SUN-SAT before `#` (column 9)"#),
        Case(
            "0 0 1#2 * *", "day-of-month",
            #""0 0 1#2 * *": `#` is only allowed in the day-of-week field, e.g. `MON#2` (column 6)"#, .unsupported),
        Case(
            "0 L * * *", "hour",
            #""0 L * * *": `L` is only allowed in the day-of-month and day-of-week fields, found `L` (column 3)"#,
            .unsupported),
        Case("0 0 L/2 * *", "day-of-month", #""0 0 L/2 * *": a step cannot follow `L`; write it alone (column 6)"#, .unsupported),
        Case(
            "0 0 1 JANUARY *", "month", #""0 0 1 JANUARY *": expected a month 1-12 or JAN-DEC, found `JANUARY` (column 7)"#),
        Case(
            "0 0 * * MONDAY", "day-of-week",
            #""0 0 * * MONDAY": expected a day of week 0-7 or SUN-SAT, found `MONDAY` (column 9)"#),
        Case("1,,2 * * * *", "minute", #""1,,2 * * * *": empty item in the minute list (column 3)"#),
        Case("*-5 * * * *", "minute", #""*-5 * * * *": `*` must stand alone or before `/`, found `*` (column 1)"#),
        Case("*/ * * * *", "minute", #""*/ * * * *": expected a step number after `/`, e.g. `*/15` (column 3)"#),
        Case("/5 * * * *", "minute", #""/5 * * * *": expected a minute 0-59 before `/` (column 1)"#),
        Case("1-/2 * * * *", "minute", #""1-/2 * * * *": expected a minute 0-59 after `-` (column 3)"#),
        Case(
            "0 0 30 2 *", "day-of-month", #""0 0 30 2 *": day-of-month 30 never occurs in the selected months (column 5)"#,
            .outOfRange),
        Case(
            "0 0 31 4,6 *", "day-of-month",
            #""0 0 31 4,6 *": day-of-month 31 never occurs in the selected months (column 5)"#, .outOfRange),
        Case("0 9:00 * * *", "hour", #""0 9:00 * * *": unexpected character `:` in the hour field (column 4)"#),
    ]

    static let otherCases: [Case] = [
        Case(
            "", "expression",
            #""": the expression is empty; expected HOURS:MINUTES (e.g. 9:00), 5 cron fields or a macro such as @daily"#),
        Case(
            " \t ", "expression",
            #"" \t ": the expression is empty; expected HOURS:MINUTES (e.g. 9:00), 5 cron fields or a macro such as @daily (column 1)"#
        ),
        Case(
            "@every 5m", "expression",
            #""@every 5m": `@every` is not supported; write a step instead, e.g. `*/5 * * * *` or `*:*/5` (column 1)"#,
            .unsupported),
        Case(
            "@reboot", "expression", #""@reboot": `@reboot` is not supported: Almanac schedules run at clock times (column 1)"#,
            .unsupported),
        Case(
            "@fortnightly", "expression",
            #""@fortnightly": unknown macro `@fortnightly`; expected one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly (column 1)"#
        ),
        Case("@daily 9", "expression", #""@daily 9": `@daily` stands alone; nothing may follow it (column 8)"#),
        Case(
            "garbage", "expression",
            #""garbage": expected 5 fields (minute hour day-of-month month day-of-week), found 1 (column 8)"#),
    ]

    @Test(arguments: platformCases + cronCases + otherCases)
    func parse_whenOutsideTheLanguage_refusesWithMessage(_ refused: Case) throws {
        let error = try #require(Support.refusal(refused.text))
        #expect(error.description == refused.message)
        #expect(error.field == refused.field)
        #expect(error.code == refused.code)
        #expect(error.expression == refused.text)
    }

    @Test func description_whenExpressionHasQuotesAndNewlines_staysOneLine() throws {
        let error = try #require(Support.refusal("9:0\"\n"))
        #expect(error.description == #""9:0\"\n": unexpected character `\"` in the minute field (column 4)"#)
    }

    @Test func description_whenExpressionIsHuge_isShortened() throws {
        let text = String(repeating: "1,", count: 50_000) + "x * * * *"
        let error = try #require(Support.refusal(text))
        #expect(error.column == 100_001)
        #expect(error.description.count < 300)
    }

    @Test func compile_whenZoneUnknown_throwsZoneError() throws {
        let expression = try ScheduleExpression.parse("9:00")
        for zone in ["Mars/Olympus", "", "PST", "GMT+5", "america/new_york", "+05:00", "America/New_York\n"] {
            #expect(throws: ScheduleError.self) { try CompiledSchedule(expression, zoneIdentifier: zone) }
            do {
                _ = try CompiledSchedule(expression, zoneIdentifier: zone)
            } catch {
                #expect(error.field == "zone")
                #expect(error.code == .unknownZone)
                #expect(error.column == nil)
            }
        }
        let error = try #require(throws: ScheduleError.self) {
            try CompiledSchedule(expression, zoneIdentifier: "Mars/Olympus")
        }
        #expect(
            error.description
                == #""9:00": unknown time zone `Mars/Olympus`; expected an IANA name such as America/New_York"#)
    }

    @Test func compile_whenZoneIsIANAAliasOrLegacy_accepts() throws {
        let expression = try ScheduleExpression.parse("9:00")
        for zone in ["UTC", "Etc/UTC", "US/Eastern", "EST5EDT", "Etc/GMT+5", "Asia/Kolkata", "Asia/Calcutta", "GMT"] {
            #expect(throws: Never.self) { try CompiledSchedule(expression, zoneIdentifier: zone) }
        }
    }

    /// Random byte soup never crashes, never hangs, and either parses or explains.
    @Test func parse_whenRandomGarbage_refusesOrAccepts() {
        var random = Support.SeededGenerator(seed: 7)
        let alphabet = Array("0123456789*/-,#LW?$@: \tMONJANmonfriabc😀é\n".map(String.init))
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...24, using: &random)
            let text = (0..<length).map { _ in alphabet.randomElement(using: &random)! }.joined()
            if let error = Support.refusal(text) {
                #expect(!error.reason.isEmpty)
                if let column = error.column { #expect(column >= 1 && column <= text.count + 1) }
            }
        }
    }
}
