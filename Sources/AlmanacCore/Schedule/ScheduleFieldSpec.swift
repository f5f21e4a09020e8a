/// One field of an expression: its name in messages, its range and its names.
struct ScheduleFieldSpec: Sendable {
    enum Kind: Sendable { case minute, hour, dayOfMonth, month, dayOfWeek }

    let kind: Kind
    let name: String
    let range: ClosedRange<Int>
    /// Upper-case 3-letter names; `names[i]` means `nameBase + i`.
    let names: [String]
    let nameBase: Int
    /// What a value looks like, for messages: "a minute 0-59".
    let expectation: String

    static let minute = ScheduleFieldSpec(
        kind: .minute, name: "minute", range: 0...59, names: [], nameBase: 0, expectation: "a minute 0-59")
    static let hour = ScheduleFieldSpec(
        kind: .hour, name: "hour", range: 0...23, names: [], nameBase: 0, expectation: "an hour 0-23")
    static let dayOfMonth = ScheduleFieldSpec(
        kind: .dayOfMonth, name: "day-of-month", range: 1...31, names: [], nameBase: 0,
        expectation: "a day of month 1-31, L or LW")
    static let month = ScheduleFieldSpec(
        kind: .month, name: "month", range: 1...12,
        names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
        nameBase: 1, expectation: "a month 1-12 or JAN-DEC")
    static let dayOfWeek = ScheduleFieldSpec(
        kind: .dayOfWeek, name: "day-of-week", range: 0...7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
        nameBase: 0, expectation: "a day of week 0-7 or SUN-SAT")

    /// The largest step accepted: a step at least as wide as the field's whole range would
    /// select one value and read like something else (`*/90` is not "every 90 minutes").
    var maximumStep: Int { range.upperBound - range.lowerBound }

    /// Every value of the field as a bit mask (bit `v` for value `v`).
    var allValues: UInt64 {
        (UInt64(1) << UInt64(range.upperBound + 1)) - (UInt64(1) << UInt64(range.lowerBound))
    }

    /// The value a name stands for, if `range` of `source` spells one.
    func value(ofName range: Range<Int>, in source: ScheduleSource) -> Int? {
        guard range.count == 3 else { return nil }
        for (index, name) in names.enumerated() where source.equals(range, name) {
            return nameBase + index
        }
        return nil
    }
}
