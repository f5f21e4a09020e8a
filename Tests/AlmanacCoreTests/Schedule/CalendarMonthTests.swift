import AlmanacCore
import Foundation
import Testing

/// `almanac billing report --month YYYY-MM`: the month's window in the report's zone.
@Suite struct CalendarMonthTests {
    @Test(arguments: [
        ("2026-03", "UTC", "2026-03-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z"),
        ("2026-03", "America/New_York", "2026-03-01T05:00:00.000Z", "2026-04-01T04:00:00.000Z"),
        ("2026-12", "UTC", "2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"),
        ("2026-02", "Asia/Tokyo", "2026-01-31T15:00:00.000Z", "2026-02-28T15:00:00.000Z"),
    ])
    func window_whenGivenAMonthAndZone_spansLocalMidnights(text: String, zone: String, start: String, end: String) throws {
        let month = try #require(CalendarMonth(text))
        #expect(month.description == text)
        let window = month.window(in: TimeZone(identifier: zone)!)
        #expect(RFC3339.utcMilliseconds(window.start) == start)
        #expect(RFC3339.utcMilliseconds(window.end) == end)
    }

    @Test(arguments: ["2026-13", "2026-00", "2026-3", "26-03", "2026/03", "2026-03-01", "", "1969-12", "2026-0x", "２０２６-03"])
    func init_whenNotYearDashMonth_isNil(text: String) {
        #expect(CalendarMonth(text) == nil)
    }
}
