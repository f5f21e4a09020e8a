/// Parses the platform form `[DAYS ]HOURS:MINUTES` (docs/design.md §4).
///
/// - `HOURS` and `MINUTES`: lists (`a,b,c`) of `*`, `N`, `A-B`, `*/S`, `A-B/S`.
///   `8-19:00` runs at 8:00 … 19:00 (ranges are inclusive).
/// - `DAYS` (optional): lists of day names or name ranges, case-insensitive:
///   `mon-fri`, `sat,sun`. `sun` is 0 at the start of a range and 7 at its end, so both
///   `sun-sat` and `mon-sun` mean every day; wrap-around ranges (`fri-mon`) are refused.
/// - The schedule is an interval schedule when `HOURS` or `MINUTES` starts with `*`.
enum PlatformScheduleParser {
    static let shape = "expected [DAYS ]HOURS:MINUTES, e.g. `9:00`, `*:*/15` or `mon-fri 8-18:00`"

    static func parse(_ source: ScheduleSource, tokens: [Range<Int>]) throws(ScheduleError) -> ScheduleExpression {
        let colon = UInt8(ascii: ":")
        guard tokens.count <= 2 else {
            throw source.error(field: "expression", at: tokens[2].lowerBound, "too many parts; \(shape)")
        }
        let time = tokens[tokens.count - 1]
        if tokens.count == 2 && source.bytes[tokens[0]].contains(colon) {
            throw source.error(
                field: "expression", at: tokens[1].lowerBound,
                "the days go before the time, e.g. `mon-fri 9:00`; \(shape)")
        }
        guard let split = source.firstIndex(of: ":", in: time) else {
            throw source.error(field: "expression", at: time.lowerBound, shape)
        }
        if let second = source.firstIndex(of: ":", in: (split + 1)..<time.upperBound) {
            throw source.error(
                field: "expression", at: second, "seconds are not supported; \(shape)", code: .unsupported)
        }
        let hourRange = time.lowerBound..<split
        let minuteRange = (split + 1)..<time.upperBound
        var fields = ScheduleFields()
        fields.hours = UInt32(truncatingIfNeeded: try side(hourRange, spec: .hour, source: source, before: "`:`"))
        fields.minutes = try side(minuteRange, spec: .minute, source: source, before: nil)
        fields.daysOfMonth = ScheduleFields.allDaysOfMonth
        fields.months = ScheduleFields.allMonths
        fields.daysOfWeek =
            tokens.count == 2 ? try days(tokens[0], source: source) : ScheduleFields.allDaysOfWeek
        fields.daysMatchBoth = true
        let star = UInt8(ascii: "*")
        let isInterval = source.bytes[hourRange.lowerBound] == star
            || (!minuteRange.isEmpty && source.bytes[minuteRange.lowerBound] == star)
        return ScheduleExpression(text: source.text, form: .platform, isInterval: isInterval, fields: fields)
    }

    /// One side of the `:` as a bit mask.
    static func side(
        _ range: Range<Int>, spec: ScheduleFieldSpec, source: ScheduleSource, before: String?
    ) throws(ScheduleError) -> UInt64 {
        let reader = ScheduleFieldReader(source: source, spec: spec)
        if range.isEmpty {
            let place = before.map { "before \($0)" } ?? "after `:`"
            throw reader.error(at: range.lowerBound, "expected \(spec.name)s \(place)")
        }
        try reader.checkCharacters(range)
        var mask: UInt64 = 0
        var start = range.lowerBound
        for index in range.lowerBound...range.upperBound
        where index == range.upperBound || source.bytes[index] == UInt8(ascii: ",") {
            mask |= try item(start..<index, reader: reader)
            start = index + 1
        }
        return mask
    }

    /// `*`, `N`, `A-B`, `*/S`, `A-B/S`.
    static func item(_ range: Range<Int>, reader: ScheduleFieldReader) throws(ScheduleError) -> UInt64 {
        let source = reader.source
        let spec = reader.spec
        if range.isEmpty {
            throw reader.error(at: range.lowerBound, "empty item in the \(spec.name) list")
        }
        var values: ClosedRange<Int>
        var step = 1
        var term = range
        if let slash = source.firstIndex(of: "/", in: range) {
            term = range.lowerBound..<slash
            step = try reader.step((slash + 1)..<range.upperBound)
            if !source.equals(term, "*") && source.firstIndex(of: "-", in: term) == nil {
                throw reader.error(
                    at: slash, "a step needs `*` or a range before `/`, e.g. `*/15` or `0-30/15`")
            }
        }
        if source.equals(term, "*") {
            values = spec.range
        } else if let dash = source.firstIndex(of: "-", in: term) {
            values = try reader.bounds(term, dash: dash)
        } else {
            let value = try reader.value(term, term.upperBound < range.upperBound ? "before `/`" : nil)
            values = value...value
        }
        var mask: UInt64 = 0
        for value in stride(from: values.lowerBound, through: values.upperBound, by: step) {
            mask |= UInt64(1) << UInt64(value)
        }
        return mask
    }

    /// The day-of-week prefix as a mask (bit 0 = Sunday).
    static func days(_ range: Range<Int>, source: ScheduleSource) throws(ScheduleError) -> UInt8 {
        let reader = ScheduleFieldReader(source: source, spec: .dayOfWeek)
        var mask: UInt8 = 0
        var start = range.lowerBound
        for index in range.lowerBound...range.upperBound
        where index == range.upperBound || source.bytes[index] == UInt8(ascii: ",") {
            let item = start..<index
            if item.isEmpty { throw reader.error(at: start, "empty item in the day-of-week list") }
            if let dash = source.firstIndex(of: "-", in: item) {
                let low = try day(start..<dash, reader: reader)
                var high = try day((dash + 1)..<index, reader: reader)
                if high == 0 { high = 7 }  // `mon-sun`
                guard low <= high else {
                    throw reader.error(
                        at: start,
                        "range \(source.original(item)) wraps around; wrap-around ranges are not supported, split it, e.g. `fri-sat,sun-mon`",
                        code: .unsupported)
                }
                for weekday in low...high { mask |= UInt8(1) << UInt8(weekday % 7) }
            } else {
                mask |= UInt8(1) << UInt8(try day(item, reader: reader))
            }
            start = index + 1
        }
        return mask
    }

    /// A day name `mon` … `sun` (0 = Sunday).
    static func day(_ range: Range<Int>, reader: ScheduleFieldReader) throws(ScheduleError) -> Int {
        let source = reader.source
        if let value = reader.spec.value(ofName: range, in: source) { return value }
        let names = "a day name (mon, tue, wed, thu, fri, sat, sun)"
        if range.isEmpty { throw reader.error(at: range.lowerBound, "expected \(names)") }
        if let index = range.first(where: { source.bytes[$0] >= 0x80 }) {
            throw reader.error(
                at: index, "unexpected character `\(source.character(at: index))` in the day-of-week prefix")
        }
        throw reader.error(at: range.lowerBound, "expected \(names), found `\(source.original(range))`")
    }
}
