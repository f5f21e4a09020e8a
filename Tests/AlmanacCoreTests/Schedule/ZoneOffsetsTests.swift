import Foundation
import Testing

@testable import AlmanacCore

/// The cached offset tables agree with Foundation and resolve wall times per docs/design.md §4.
struct ZoneOffsetsTests {
    @Test func table_whenEveryKnownZone_agreesWithFoundationSince1972() throws {
        var random = ScheduleTestSupport.SeededGenerator(seed: 1)
        for identifier in TimeZone.knownTimeZoneIdentifiers {
            let table = try #require(ZoneOffsets.table(for: identifier), "\(identifier)")
            let zone = try #require(TimeZone(identifier: identifier))
            for _ in 0..<100 {
                let seconds = Double.random(in: 63_072_000...(4_102_444_800), using: &random).rounded(.down)
                let minute = Int(seconds / 60)
                let expected = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(minute * 60)))
                #expect(table.offset(at: minute) * 60 == expected, "\(identifier) at \(minute)")
            }
        }
    }

    @Test func table_whenSameZoneTwice_isShared() throws {
        let first = try #require(ZoneOffsets.table(for: "Europe/Berlin"))
        let second = try #require(ZoneOffsets.table(for: "Europe/Berlin"))
        #expect(first === second)
        #expect(ZoneOffsets.table(for: "Nowhere/Special") == nil)
    }

    @Test func firstInstant_whenGapOrRepeat_followsDesign() throws {
        let newYork = try #require(ZoneOffsets.table(for: "America/New_York"))
        func wall(_ text: String) -> Int {  // local wall time as minutes, from "YYYY-MM-DDTHH:MM"
            let date = RFC3339.parse(text + ":00Z")!
            return Int(date.timeIntervalSince1970 / 60)
        }
        func instant(_ text: String) -> Int { Int(RFC3339.parse(text)!.timeIntervalSince1970 / 60) }
        #expect(newYork.firstInstant(ofWallMinute: wall("2026-03-08T02:30")) == instant("2026-03-08T03:00:00-04:00"))
        #expect(newYork.firstInstant(ofWallMinute: wall("2026-03-08T02:00")) == instant("2026-03-08T03:00:00-04:00"))
        #expect(newYork.firstInstant(ofWallMinute: wall("2026-03-08T03:00")) == instant("2026-03-08T03:00:00-04:00"))
        #expect(newYork.firstInstant(ofWallMinute: wall("2026-03-08T01:59")) == instant("2026-03-08T01:59:00-05:00"))
        #expect(newYork.firstInstant(ofWallMinute: wall("2026-11-01T01:30")) == instant("2026-11-01T01:30:00-04:00"))
        #expect(newYork.firstInstant(ofWallMinute: wall("2026-11-01T02:00")) == instant("2026-11-01T02:00:00-05:00"))
        let santiago = try #require(ZoneOffsets.table(for: "America/Santiago"))
        #expect(santiago.firstInstant(ofWallMinute: wall("2026-09-06T00:00")) == instant("2026-09-06T01:00:00-03:00"))
    }

    @Test func table_whenZoneHasNoDST_hasOneOffset() throws {
        let utc = try #require(ZoneOffsets.table(for: "UTC"))
        #expect(utc.offsets == [0])
        let kolkata = try #require(ZoneOffsets.table(for: "Asia/Kolkata"))
        #expect(kolkata.offset(at: 29_000_000) == 330)
    }
}
