/// A parsed schedule: which local wall-clock minutes a job runs at (docs/design.md §4).
///
/// Three forms are accepted, all compiled to the same calendar:
/// - the platform form `[DAYS ]HOURS:MINUTES`: `9:00`, `*:00`, `*:*`, `8-19:00`,
///   `mon-fri 8-18:*/15`, `sat,sun 10:00`;
/// - 5-field cron `minute hour day-of-month month day-of-week` with names, `7` = Sunday,
///   `L`, `LW`, `5L`, `0#2` (what cronsim accepts);
/// - the macros `@yearly @annually @monthly @weekly @daily @midnight @hourly`.
///
/// ```swift
/// let expression = try ScheduleExpression.parse("mon-fri 8-18:*/15")
/// expression.isInterval  // true: the minutes start with `*`
/// ```
///
/// A time zone is not part of the expression; `CompiledSchedule` adds it.
public struct ScheduleExpression: Sendable, Hashable, CustomStringConvertible {
    /// Which syntax the text used.
    public enum Form: Sendable, Hashable {
        /// `[DAYS ]HOURS:MINUTES`.
        case platform
        /// 5-field cron.
        case cron
        /// `@daily` and friends.
        case macro
    }

    /// The original expression, as given to `parse`.
    public let text: String
    public let form: Form
    /// docs/design.md §4: the minute or the hour field starts with `*`. Interval schedules follow
    /// real elapsed time across DST changes; the others (fixed-time) run once per local
    /// wall time.
    public let isInterval: Bool
    let fields: ScheduleFields

    init(text: String, form: Form, isInterval: Bool, fields: ScheduleFields) {
        self.text = text
        self.form = form
        self.isInterval = isInterval
        self.fields = fields
    }

    /// Parses the platform form (`HOURS:MINUTES`, optional day-of-week prefix) or 5-field
    /// cron / @macros.
    ///
    /// - Throws: `ScheduleError` naming the field, the 1-based column and what was
    ///   expected, e.g. `"8-25:00": hour 25 is out of range 0-23 (column 3)`.
    public static func parse(_ text: String) throws(ScheduleError) -> ScheduleExpression {
        try ScheduleParser.parse(text)
    }

    public var description: String { text }
}

extension ScheduleExpression {
    /// The `w#n` items of the day-of-week field.
    public struct NthWeekday: Sendable, Hashable {
        /// 0 = Sunday … 6 = Saturday.
        public var weekday: Int
        /// 1...5.
        public var occurrence: Int
    }

    /// Minutes of the hour that match, ascending (0...59).
    public var minutes: [Int] { Self.bits(fields.minutes, in: 0...59) }
    /// Hours of the day that match, ascending (0...23).
    public var hours: [Int] { Self.bits(UInt64(fields.hours), in: 0...23) }
    /// Numeric days of the month (1...31), without `L` / `LW`.
    public var daysOfMonth: [Int] { Self.bits(UInt64(fields.daysOfMonth), in: 1...31) }
    /// Months (1...12).
    public var months: [Int] { Self.bits(UInt64(fields.months), in: 1...12) }
    /// Plain days of the week, 0 = Sunday … 6 = Saturday (cron's `7` is reported as `0`).
    public var daysOfWeek: [Int] { Self.bits(UInt64(fields.daysOfWeek), in: 0...6) }
    /// `L` in the day-of-month field.
    public var includesLastDayOfMonth: Bool { fields.lastDayOfMonth }
    /// `LW` in the day-of-month field.
    public var includesLastWeekdayOfMonth: Bool { fields.lastWeekdayOfMonth }
    /// Weekdays of `wL` items (the last such weekday of the month).
    public var lastDaysOfWeek: [Int] { Self.bits(UInt64(fields.lastDaysOfWeek), in: 0...6) }
    /// The `w#n` items.
    public var nthDaysOfWeek: [NthWeekday] {
        (0..<7).flatMap { weekday in
            (1...5).compactMap { n in
                fields.nthDaysOfWeek >> UInt64(8 * weekday + n) & 1 != 0
                    ? NthWeekday(weekday: weekday, occurrence: n) : nil
            }
        }
    }
    /// The Debian cron rule: true when a day must match both day fields (one of them
    /// starts with `*`), false when matching either is enough.
    public var daysMatchBoth: Bool { fields.daysMatchBoth }

    private static func bits(_ mask: UInt64, in range: ClosedRange<Int>) -> [Int] {
        range.filter { mask >> UInt64($0) & 1 != 0 }
    }
}
