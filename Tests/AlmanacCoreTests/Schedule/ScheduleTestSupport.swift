import Foundation
import Testing

@testable import AlmanacCore

/// Helpers shared by the schedule tests.
enum ScheduleTestSupport {
    static func date(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Date {
        guard let date = RFC3339.parse(text) else {
            Issue.record("not an RFC 3339 date-time: \(text)", sourceLocation: sourceLocation)
            return Date(timeIntervalSince1970: 0)
        }
        return date
    }

    static func schedule(_ text: String, zone: String = "America/New_York") throws -> CompiledSchedule {
        try CompiledSchedule(ScheduleExpression.parse(text), zoneIdentifier: zone)
    }

    /// The next `count` fire times after `after`, formatted in the schedule's zone.
    static func next(_ text: String, zone: String = "America/New_York", after: String, count: Int = 4) throws -> [String] {
        let schedule = try schedule(text, zone: zone)
        var cursor = date(after)
        var result: [String] = []
        while result.count < count, let next = schedule.next(after: cursor) {
            result.append(RFC3339.format(next, zoneIdentifier: zone))
            cursor = next
        }
        return result
    }

    /// The error `parse` throws, or nil if it accepts `text`.
    static func refusal(_ text: String) -> ScheduleError? {
        do {
            _ = try ScheduleExpression.parse(text)
            return nil
        } catch {
            return error
        }
    }

    /// A small deterministic generator (SplitMix64) so that property tests repeat exactly.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
