/// The compiled calendar of one expression: which local wall-clock minutes match.
///
/// Every input form (platform `HOURS:MINUTES`, 5-field cron, `@macros`) becomes this one
/// structure. Sets are bit masks so that matching a month costs a handful of instructions.
/// Day matching follows cronsim 2.8 (`match_dom`, `match_dow`, `match_day`).
struct ScheduleFields: Sendable, Hashable {
    /// Bit `m` for minute `m`, 0...59.
    var minutes: UInt64 = 0
    /// Bit `h` for hour `h`, 0...23.
    var hours: UInt32 = 0
    /// Bit `d` for day of month `d`, 1...31.
    var daysOfMonth: UInt32 = 0
    /// `L` in the day-of-month field: the last day of the month.
    var lastDayOfMonth = false
    /// `LW` in the day-of-month field: the last weekday (Monday–Friday) of the month.
    var lastWeekdayOfMonth = false
    /// Bit `m` for month `m`, 1...12.
    var months: UInt16 = 0
    /// Bit `w` for day of week `w`, 0 = Sunday … 6 = Saturday (`7` is folded into `0`).
    var daysOfWeek: UInt8 = 0
    /// `wL` in the day-of-week field: bit `w` when the last such weekday of the month matches.
    var lastDaysOfWeek: UInt8 = 0
    /// `w#n`: byte `w` (bits 8w...8w+7) has bit `n` (1...5) set.
    var nthDaysOfWeek: UInt64 = 0
    /// The Debian cron rule: when either day field starts with `*`, a day must match both
    /// fields; otherwise a day matching either runs.
    var daysMatchBoth = true

    static let allDaysOfMonth: UInt32 = 0xFFFF_FFFE
    static let allMonths: UInt16 = 0x1FFE
    static let allDaysOfWeek: UInt8 = 0x7F

    /// Bit `d` set for every day `d` in 1...31 with `(d - 1) % 7 == k`.
    private static let weekdayCombs: [UInt32] = (0..<7).map { k in
        var mask: UInt32 = 0
        var d = k + 1
        while d <= 31 { mask |= 1 << UInt32(d); d += 7 }
        return mask
    }

    /// The matching days of one month as a mask (bit `d` for day `d`).
    ///
    /// - Parameters:
    ///   - firstDay: the day number (days since 1970-01-01) of the 1st of the month.
    func matchingDays(year: Int, month: Int, firstDay: Int) -> UInt32 {
        let length = GregorianMath.daysInMonth(year: year, month: month)
        let valid: UInt32 = (UInt32.max >> UInt32(31 - length)) & ~1
        var dom = daysOfMonth & valid
        let firstWeekday = GregorianMath.weekday(days: firstDay)
        if lastDayOfMonth { dom |= 1 << UInt32(length) }
        if lastWeekdayOfMonth {
            let lastWeekday = (firstWeekday + length - 1) % 7
            let day = lastWeekday == 0 ? length - 2 : (lastWeekday == 6 ? length - 1 : length)
            dom |= 1 << UInt32(day)
        }
        var dow: UInt32 = 0
        if daysOfWeek == Self.allDaysOfWeek {
            dow = valid
        } else if daysOfWeek | lastDaysOfWeek != 0 || nthDaysOfWeek != 0 {
            for weekday in 0..<7 {
                let plain = daysOfWeek >> UInt8(weekday) & 1 != 0
                let last = lastDaysOfWeek >> UInt8(weekday) & 1 != 0
                let nth = UInt8(truncatingIfNeeded: nthDaysOfWeek >> UInt64(8 * weekday))
                if !plain && !last && nth == 0 { continue }
                let first = 1 + (weekday - firstWeekday + 7) % 7
                let comb = Self.weekdayCombs[first - 1] & valid
                if plain { dow |= comb }
                if last { dow |= 1 << UInt32(31 - comb.leadingZeroBitCount) }
                if nth != 0 {
                    for n in 1...5 where nth >> UInt8(n) & 1 != 0 {
                        let day = first + 7 * (n - 1)
                        if day <= length { dow |= 1 << UInt32(day) }
                    }
                }
            }
        }
        return daysMatchBoth ? dom & dow : dom | dow
    }

    /// The first matching minute of a day at or after `minuteOfDay` (0...1439), if any.
    @inline(__always)
    func firstMinuteOfDay(atOrAfter minuteOfDay: Int) -> Int? {
        var hour = minuteOfDay / 60
        var minute = minuteOfDay % 60
        while hour < 24 {
            if hours >> UInt32(hour) & 1 != 0 {
                let rest = minutes >> UInt64(minute)
                if rest != 0 { return hour * 60 + minute + rest.trailingZeroBitCount }
            }
            let later = hours >> UInt32(hour + 1)
            if later == 0 { return nil }
            hour += 1 + later.trailingZeroBitCount
            minute = 0
        }
        return nil
    }

    /// The first matching local wall-clock minute `w >= wall` with `w <= limit`, if any.
    ///
    /// Wall minutes count minutes since 1970-01-01 00:00 of the local calendar, as if the
    /// zone had no offset; DST is not this function's concern.
    func firstWallMinute(atOrAfter wall: Int, through limit: Int) -> Int? {
        var days = GregorianMath.floorDiv(wall, GregorianMath.minutesPerDay)
        var minuteOfDay = wall - days * GregorianMath.minutesPerDay
        var (year, month, day) = GregorianMath.civilFromDays(days)
        while days * GregorianMath.minutesPerDay <= limit {
            if months >> UInt16(month) & 1 != 0 {
                let firstDay = days - (day - 1)
                var candidates = matchingDays(year: year, month: month, firstDay: firstDay)
                    & ~((UInt32(1) << UInt32(day)) - 1)
                while candidates != 0 {
                    let matchDay = candidates.trailingZeroBitCount
                    let from = matchDay == day ? minuteOfDay : 0
                    if let minute = firstMinuteOfDay(atOrAfter: from) {
                        let result = (firstDay + matchDay - 1) * GregorianMath.minutesPerDay + minute
                        return result <= limit ? result : nil
                    }
                    candidates &= candidates - 1
                }
            }
            days += GregorianMath.daysInMonth(year: year, month: month) - (day - 1)
            month += 1
            if month > 12 { month = 1; year += 1 }
            day = 1
            minuteOfDay = 0
        }
        return nil
    }
}
