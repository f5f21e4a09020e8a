import Foundation

/// A calendar month written `YYYY-MM` (e.g. `2026-03`), as the window of a billing report:
/// from local midnight of its first day to local midnight of the next month's first day, in a zone
/// (so a month in `America/New_York` starts at 05:00Z in winter and 04:00Z in summer).
///
/// ```swift
/// let march = CalendarMonth("2026-03")!
/// march.window(in: TimeZone(identifier: "UTC")!)   // 2026-03-01T00:00:00Z ..< 2026-04-01T00:00:00Z
/// ```
public struct CalendarMonth: Sendable, Hashable, CustomStringConvertible {
    public var year: Int
    /// 1–12.
    public var month: Int

    /// `nil` unless `text` is exactly `YYYY-MM` with a month 01–12 and a year 1970–2199 (the
    /// range the schedule calendar covers).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 7, parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int(parts[0]), let month = Int(parts[1]),
              (1970...2199).contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    public var description: String { String(format: "%04d-%02d", year, month) }

    /// The month's instants in `zone`: start inclusive, end exclusive.
    public func window(in zone: TimeZone) -> (start: Date, end: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        func midnight(_ year: Int, _ month: Int) -> Date {
            // A zone whose midnight falls in a DST gap starts the day at the gap's end.
            calendar.date(from: DateComponents(year: year, month: month, day: 1, hour: 0, minute: 0))
                ?? calendar.startOfDay(for: calendar.date(from: DateComponents(year: year, month: month, day: 1, hour: 12))!)
        }
        let next = month == 12 ? (year + 1, 1) : (year, month + 1)
        return (midnight(year, month), midnight(next.0, next.1))
    }
}
