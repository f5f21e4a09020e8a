/// Reads the pieces of one field (values, steps, ranges) and explains what is wrong with
/// a piece it cannot read. Shared by `CronParser` and `PlatformScheduleParser`.
struct ScheduleFieldReader {
    let source: ScheduleSource
    let spec: ScheduleFieldSpec

    func error(at index: Int, _ reason: String, code: ScheduleError.Code = .syntax) -> ScheduleError {
        source.error(field: spec.name, at: index, reason, code: code)
    }

    /// Refuses characters no cron dialect Almanac accepts could mean here (Quartz `?`,
    /// `$`, non-ASCII, …), pointing at the first one.
    func checkCharacters(_ range: Range<Int>, extra: Set<UInt8> = [], fieldName: String? = nil) throws(ScheduleError) {
        for index in range {
            let byte = source.bytes[index]
            if ScheduleSource.isDigit(byte) || (byte >= 0x41 && byte <= 0x5A) { continue }
            if byte == UInt8(ascii: "*") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "/") || extra.contains(byte) {
                continue
            }
            if byte == UInt8(ascii: "?") {
                throw error(
                    at: index, "`?` (Quartz \"no specific value\") is not supported; use `*`",
                    code: .unsupported)
            }
            guard let fieldName else {
                throw error(at: index, "unexpected character `\(source.character(at: index))` in the \(spec.name) field")
            }
            throw source.error(
                field: fieldName, at: index, "unexpected character `\(source.character(at: index))`")
        }
    }

    /// A number in the field's range, or (month, day of week) a 3-letter name.
    ///
    /// - Parameter context: where the value stands, for messages: "after `-`", "before `#`".
    func value(_ range: Range<Int>, _ context: String? = nil) throws(ScheduleError) -> Int {
        if range.isEmpty {
            let place = context.map { " \($0)" } ?? ""
            throw error(at: range.lowerBound, "expected \(spec.expectation)\(place)")
        }
        if let number = source.number(range) {
            guard spec.range.contains(number) else {
                throw error(
                    at: range.lowerBound,
                    "\(spec.name) \(source.original(range)) is out of range \(spec.range.lowerBound)-\(spec.range.upperBound)",
                    code: .outOfRange)
            }
            return number
        }
        if let named = spec.value(ofName: range, in: source) { return named }
        throw invalid(range)
    }

    /// The step after a `/`: 1 up to the width of the field's range.
    func step(_ range: Range<Int>) throws(ScheduleError) -> Int {
        guard let step = source.number(range) else {
            throw error(at: range.lowerBound, "expected a step number after `/`, e.g. `*/15`")
        }
        guard step >= 1 && step <= spec.maximumStep else {
            throw error(
                at: range.lowerBound,
                "\(spec.name) step \(source.original(range)) is out of range 1-\(spec.maximumStep)",
                code: .outOfRange)
        }
        return step
    }

    /// `A-B` with `A <= B`; wrap-around ranges are refused.
    func bounds(_ range: Range<Int>, dash: Int) throws(ScheduleError) -> ClosedRange<Int> {
        let low = try value(range.lowerBound..<dash, "before `-`")
        let high = try value((dash + 1)..<range.upperBound, "after `-`")
        guard low <= high else {
            // Suggest the two ranges, spelled like the input (names or numbers).
            let named = !spec.names.isEmpty && spec.value(ofName: range.lowerBound..<dash, in: source) != nil
            func spell(_ value: Int) -> String {
                named ? spec.names[(value - spec.nameBase) % spec.names.count] : String(value)
            }
            func span(_ from: Int, _ to: Int) -> String { from == to ? spell(from) : "\(spell(from))-\(spell(to))" }
            let top = spec.kind == .dayOfWeek ? 6 : spec.range.upperBound
            let split = low > top ? span(spec.range.lowerBound, high) : "\(span(low, top)),\(span(spec.range.lowerBound, high))"
            throw error(
                at: range.lowerBound,
                "range \(source.original(range)) wraps around; wrap-around ranges are not supported, write \(split)",
                code: .unsupported)
        }
        return low...high
    }

    /// Explains why `range` is not a value of this field.
    func invalid(_ range: Range<Int>) -> ScheduleError {
        let text = source.original(range)
        let bytes = source.bytes[range]
        let letterW = UInt8(ascii: "W")
        if spec.kind == .dayOfMonth, bytes.last == letterW, bytes.count > 1,
            source.number(range.lowerBound..<(range.upperBound - 1)) != nil
        {
            return error(
                at: range.lowerBound,
                "`\(text)` (nearest weekday) is not supported; only `LW` (last weekday of the month) is",
                code: .unsupported)
        }
        if spec.kind != .dayOfMonth && spec.kind != .dayOfWeek && bytes.contains(UInt8(ascii: "L")) {
            return error(
                at: range.lowerBound,
                "`L` is only allowed in the day-of-month and day-of-week fields, found `\(text)`",
                code: .unsupported)
        }
        if spec.kind != .dayOfWeek, let hash = bytes.firstIndex(of: UInt8(ascii: "#")) {
            return error(
                at: hash, "`#` is only allowed in the day-of-week field, e.g. `MON#2`", code: .unsupported)
        }
        if bytes.contains(UInt8(ascii: "*")) {
            return error(at: range.lowerBound, "`*` must stand alone or before `/`, found `\(text)`")
        }
        return error(at: range.lowerBound, "expected \(spec.expectation), found `\(text)`")
    }
}
