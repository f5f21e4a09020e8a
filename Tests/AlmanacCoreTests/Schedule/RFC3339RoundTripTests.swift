import Foundation
import Testing
@testable import AlmanacCore

/// Times survive decode → encode unchanged: an event re-published after a crash (a recovered
/// charge) carries the `time` it was read with, to the millisecond.
struct RFC3339RoundTripTests {
    @Test func utcMilliseconds_ofAParsedTime_isTheTextParsed() throws {
        var generator = SystemRandomNumberGenerator()
        var mismatches: [String] = []
        // Every millisecond of one second, then 20,000 random instants between 1970 and 2200.
        let samples = (0..<1000).map { Int64(1_772_470_800_000 + $0) }
            + (0..<20_000).map { _ in Int64.random(in: 0..<7_258_118_400_000, using: &generator) }
        for ms in samples {
            let text = RFC3339.utcMilliseconds(Date(timeIntervalSince1970: Double(ms) / 1000))
            let parsed = try #require(RFC3339.parse(text), "\(text) does not parse")
            let again = RFC3339.utcMilliseconds(parsed)
            if again != text || RFC3339.epochMilliseconds(parsed) != ms { mismatches.append("\(ms): \(text) → \(again)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) instants moved, e.g. \(mismatches.prefix(5))")
    }

    /// RFC 3339 §5.7: a day past its month's length is refused, not rolled over into the next month.
    @Test func parse_refusesDaysTheMonthDoesNotHave_andKnowsLeapYears() {
        for text in ["2026-02-29T12:00:00Z", "2026-02-30T12:00:00Z", "2026-04-31T12:00:00Z", "2026-06-31T00:00:00Z",
                     "2026-09-31T00:00:00Z", "2026-11-31T00:00:00Z", "1900-02-29T00:00:00Z", "2100-02-29T00:00:00Z"] {
            #expect(RFC3339.parse(text) == nil, "\(text)")
        }
        for text in ["2024-02-29T12:00:00Z", "2000-02-29T00:00:00Z", "2026-01-31T00:00:00Z", "2026-12-31T23:59:59Z",
                     "2026-04-30T00:00:00Z", "2026-02-28T00:00:00-05:00"] {
            #expect(RFC3339.parse(text) != nil, "\(text)")
        }
        #expect(RFC3339.parse("2024-02-29T12:00:00Z").map(RFC3339.utcMilliseconds) == "2024-02-29T12:00:00.000Z")
    }

    @Test func epochMilliseconds_roundsSubMillisecondInstantsDown() {
        #expect(RFC3339.epochMilliseconds(Date(timeIntervalSince1970: 1.0006)) == 1000)
        #expect(RFC3339.epochMilliseconds(Date(timeIntervalSince1970: 1.9999)) == 1999)
        #expect(RFC3339.epochMilliseconds(Date(timeIntervalSince1970: -0.0004)) == -1)
        #expect(RFC3339.utcMilliseconds(Date(timeIntervalSince1970: -0.0004)) == "1969-12-31T23:59:59.999Z")
    }
}
