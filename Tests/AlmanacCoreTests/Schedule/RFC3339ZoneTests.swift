import Foundation
import Testing

@testable import AlmanacCore

/// `RFC3339.format(_:zoneIdentifier:)`, the form `almanac next` prints.
struct RFC3339ZoneTests {
    @Test func format_whenZoneHasDST_writesLocalOffset() {
        let instant = Date(timeIntervalSince1970: 1_793_511_000)  // 2026-11-01T05:30:00Z
        #expect(RFC3339.format(instant, zoneIdentifier: "America/New_York") == "2026-11-01T01:30:00-04:00")
        #expect(
            RFC3339.format(instant.addingTimeInterval(3600), zoneIdentifier: "America/New_York")
                == "2026-11-01T01:30:00-05:00")
        #expect(RFC3339.format(instant, zoneIdentifier: "Asia/Kathmandu") == "2026-11-01T11:15:00+05:45")
        #expect(RFC3339.format(instant, zoneIdentifier: "Australia/Lord_Howe") == "2026-11-01T16:30:00+11:00")
        #expect(RFC3339.format(instant.addingTimeInterval(59.9), zoneIdentifier: "Pacific/Chatham") == "2026-11-01T19:15:59+13:45")
    }

    @Test func format_whenZoneIsUTCOrUnknown_writesZ() {
        let instant = Date(timeIntervalSince1970: 1_793_511_000)
        #expect(RFC3339.format(instant, zoneIdentifier: "UTC") == "2026-11-01T05:30:00Z")
        #expect(RFC3339.format(instant, zoneIdentifier: "No/Such_Zone") == "2026-11-01T05:30:00Z")
    }

    @Test func format_thenParse_roundTrips() {
        var random = ScheduleTestSupport.SeededGenerator(seed: 3)
        for _ in 0..<1000 {
            let instant = Date(timeIntervalSince1970: (Double.random(in: 0...4e9, using: &random)).rounded(.down))
            for zone in ["America/New_York", "Australia/Lord_Howe", "UTC", "Pacific/Chatham", "America/St_Johns"] {
                #expect(RFC3339.parse(RFC3339.format(instant, zoneIdentifier: zone)) == instant)
            }
        }
    }
}
