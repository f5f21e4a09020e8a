/// Parses 5-field cron (`minute hour day-of-month month day-of-week`) and the `@` macros.
///
/// Accepts what cronsim 2.8 accepts (names, `7` = Sunday, `N/S` = `N-max/S`, `L`, `LW`,
/// `5L`, `0#2`, lists of any of these), in the same order of checks as its
/// `Field.parse`, except where Almanac refuses on purpose or docs/design.md wins:
/// - a step wider than the field (`*/90` in minutes) is refused instead of selecting
///   just the first value;
/// - `A-A/S` is the single value `A` (cronsim reads it as `A/S`, i.e. `A-max/S`);
/// - `L/S` and `LW/S` are refused (cronsim ignores the step);
/// - 6 fields (seconds) and 7 (Quartz year) are refused;
/// - only ASCII whitespace separates fields and only ASCII letters fold case;
/// - the macros are accepted (cronsim has none).
enum CronParser {
    static let macros: [(name: String, expansion: String)] = [
        ("@YEARLY", "0 0 1 1 *"), ("@ANNUALLY", "0 0 1 1 *"), ("@MONTHLY", "0 0 1 * *"),
        ("@WEEKLY", "0 0 * * 0"), ("@DAILY", "0 0 * * *"), ("@MIDNIGHT", "0 0 * * *"),
        ("@HOURLY", "0 * * * *"),
    ]

    static let fieldSpecs: [ScheduleFieldSpec] = [.minute, .hour, .dayOfMonth, .month, .dayOfWeek]

    static func parseMacro(_ source: ScheduleSource, tokens: [Range<Int>]) throws(ScheduleError) -> ScheduleExpression {
        let token = tokens[0]
        if source.equals(token, "@EVERY") {
            throw source.error(
                field: "expression", at: token.lowerBound,
                "`@every` is not supported; write a step instead, e.g. `*/5 * * * *` or `*:*/5`",
                code: .unsupported)
        }
        if source.equals(token, "@REBOOT") {
            throw source.error(
                field: "expression", at: token.lowerBound,
                "`@reboot` is not supported: Almanac schedules run at clock times", code: .unsupported)
        }
        guard let macro = macros.first(where: { source.equals(token, $0.name) }) else {
            throw source.error(
                field: "expression", at: token.lowerBound,
                "unknown macro `\(source.original(token))`; expected one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly")
        }
        guard tokens.count == 1 else {
            throw source.error(
                field: "expression", at: tokens[1].lowerBound,
                "`\(source.original(token))` stands alone; nothing may follow it")
        }
        let expansion = ScheduleSource(macro.expansion)
        let parsed = try parse(expansion, tokens: expansion.tokens())
        return ScheduleExpression(
            text: source.text, form: .macro, isInterval: parsed.isInterval, fields: parsed.fields)
    }

    static func parse(_ source: ScheduleSource, tokens: [Range<Int>]) throws(ScheduleError) -> ScheduleExpression {
        let expected = "expected 5 fields (minute hour day-of-month month day-of-week)"
        if tokens.count == 6 || tokens.count == 7 {
            // Garbage that merely looks like an extra field is reported as such.
            for token in tokens {
                try ScheduleFieldReader(source: source, spec: .minute)
                    .checkCharacters(token, extra: [UInt8(ascii: "#"), UInt8(ascii: "?")], fieldName: "expression")
            }
        }
        switch tokens.count {
        case 5:
            break
        case 6:
            throw source.error(
                field: "expression", at: tokens[0].lowerBound,
                "found 6 fields; seconds fields are not supported, \(expected)", code: .unsupported)
        case 7:
            throw source.error(
                field: "expression", at: tokens[0].lowerBound,
                "found 7 fields; Quartz seconds and year fields are not supported, \(expected)",
                code: .unsupported)
        case 8...:
            throw source.error(
                field: "expression", at: tokens[5].lowerBound, "\(expected), found \(tokens.count)")
        default:
            throw source.error(
                field: "expression", at: tokens[tokens.count - 1].upperBound,
                "\(expected), found \(tokens.count)")
        }
        var accumulators: [CronFieldAccumulator] = []
        for (token, spec) in zip(tokens, fieldSpecs) {
            let reader = ScheduleFieldReader(source: source, spec: spec)
            try reader.checkCharacters(token, extra: [UInt8(ascii: "#")])
            var accumulator = CronFieldAccumulator()
            var start = token.lowerBound
            for index in token.lowerBound...token.upperBound
            where index == token.upperBound || source.bytes[index] == UInt8(ascii: ",") {
                try parseItem(start..<index, reader: reader, into: &accumulator)
                start = index + 1
            }
            accumulators.append(accumulator)
        }
        let star = UInt8(ascii: "*")
        var fields = ScheduleFields()
        fields.minutes = accumulators[0].values
        fields.hours = UInt32(truncatingIfNeeded: accumulators[1].values)
        fields.daysOfMonth = UInt32(truncatingIfNeeded: accumulators[2].values)
        fields.lastDayOfMonth = accumulators[2].lastDay
        fields.lastWeekdayOfMonth = accumulators[2].lastWeekday
        fields.months = UInt16(truncatingIfNeeded: accumulators[3].values)
        let weekdays = accumulators[4].values
        fields.daysOfWeek = UInt8(truncatingIfNeeded: weekdays & 0x7F) | UInt8(truncatingIfNeeded: weekdays >> 7 & 1)
        fields.lastDaysOfWeek = accumulators[4].lastDaysOfWeek
        fields.nthDaysOfWeek = accumulators[4].nthDaysOfWeek
        // Debian cron / cronsim: "restricted" means the field text does not start with `*`.
        fields.daysMatchBoth = source.bytes[tokens[2].lowerBound] == star || source.bytes[tokens[4].lowerBound] == star
        try checkDaysExist(fields, source: source, at: tokens[2].lowerBound)
        let isInterval = source.bytes[tokens[0].lowerBound] == star || source.bytes[tokens[1].lowerBound] == star
        return ScheduleExpression(text: source.text, form: .cron, isInterval: isInterval, fields: fields)
    }

    /// One list item, checked in cronsim's order: `*`, `wL`, `w#n`, `…/S`, `A-B`, `LW`, `L`, value.
    static func parseItem(
        _ range: Range<Int>, reader: ScheduleFieldReader, into accumulator: inout CronFieldAccumulator
    ) throws(ScheduleError) {
        let source = reader.source
        let spec = reader.spec
        if range.isEmpty {
            throw reader.error(at: range.lowerBound, "empty item in the \(spec.name) list")
        }
        if source.equals(range, "*") {
            accumulator.values |= spec.allValues
            return
        }
        if spec.kind == .dayOfWeek, source.firstIndex(of: "L", in: range) != nil {
            let prefix = range.lowerBound..<(range.upperBound - 1)
            guard source.bytes[range.upperBound - 1] == UInt8(ascii: "L"), source.number(prefix) != nil else {
                throw reader.error(
                    at: range.lowerBound,
                    "expected a day-of-week number before `L`, e.g. `5L` (the last Friday of the month), found `\(source.original(range))`")
            }
            let weekday = try reader.value(prefix, "before `L`")
            accumulator.lastDaysOfWeek |= UInt8(1) << UInt8(weekday % 7)
            return
        }
        if spec.kind == .dayOfWeek, let hash = source.firstIndex(of: "#", in: range) {
            let occurrence = (hash + 1)..<range.upperBound
            guard let nth = source.number(occurrence) else {
                throw reader.error(at: hash + 1, "expected an occurrence 1-5 after `#`, e.g. `MON#2`")
            }
            guard (1...5).contains(nth) else {
                throw reader.error(
                    at: hash + 1, "occurrence #\(source.original(occurrence)) is out of range 1-5",
                    code: .outOfRange)
            }
            let weekday = try reader.value(range.lowerBound..<hash, "before `#`")
            accumulator.nthDaysOfWeek |= UInt64(1) << UInt64(8 * (weekday % 7) + nth)
            return
        }
        if let slash = source.firstIndex(of: "/", in: range) {
            let term = range.lowerBound..<slash
            let step = try reader.step((slash + 1)..<range.upperBound)
            let values: ClosedRange<Int>
            if source.equals(term, "*") {
                values = spec.range
            } else if spec.kind == .dayOfMonth && (source.equals(term, "L") || source.equals(term, "LW")) {
                throw reader.error(
                    at: slash, "a step cannot follow `\(source.original(term))`; write it alone",
                    code: .unsupported)
            } else if let dash = source.firstIndex(of: "-", in: term) {
                values = try reader.bounds(term, dash: dash)
            } else {
                values = try reader.value(term, "before `/`")...spec.range.upperBound
            }
            for value in stride(from: values.lowerBound, through: values.upperBound, by: step) {
                accumulator.values |= UInt64(1) << UInt64(value)
            }
            return
        }
        if let dash = source.firstIndex(of: "-", in: range) {
            let values = try reader.bounds(range, dash: dash)
            for value in values { accumulator.values |= UInt64(1) << UInt64(value) }
            return
        }
        if spec.kind == .dayOfMonth && source.equals(range, "LW") {
            accumulator.lastWeekday = true
            return
        }
        if spec.kind == .dayOfMonth && source.equals(range, "L") {
            accumulator.lastDay = true
            return
        }
        accumulator.values |= UInt64(1) << UInt64(try reader.value(range))
    }

    /// cronsim's check: when a day must match both day fields, its smallest day of month
    /// must exist in one of the months (`30 2 *` never runs).
    static func checkDaysExist(_ fields: ScheduleFields, source: ScheduleSource, at index: Int) throws(ScheduleError) {
        guard fields.daysMatchBoth, !fields.lastDayOfMonth, !fields.lastWeekdayOfMonth else { return }
        let smallest = fields.daysOfMonth.trailingZeroBitCount
        guard smallest > 29 else { return }
        var longest = 0
        for month in 1...12 where fields.months >> UInt16(month) & 1 != 0 {
            longest = max(longest, month == 2 ? 29 : GregorianMath.daysInMonth(year: 2001, month: month))
        }
        if smallest > longest {
            throw source.error(
                field: "day-of-month", at: index,
                "day-of-month \(smallest) never occurs in the selected months", code: .outOfRange)
        }
    }
}

/// What the items of one cron field add up to.
struct CronFieldAccumulator {
    /// Bit `v` for each plain value `v` (day of week: 0...7).
    var values: UInt64 = 0
    var lastDay = false
    var lastWeekday = false
    var lastDaysOfWeek: UInt8 = 0
    var nthDaysOfWeek: UInt64 = 0
}
