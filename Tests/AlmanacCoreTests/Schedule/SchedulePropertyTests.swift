import Foundation
import Testing

@testable import AlmanacCore

/// Random schedules, zones and instants: invariants, and agreement with a brute-force
/// evaluation of docs/design.md §4 that asks Foundation for the offset of every single minute.
struct SchedulePropertyTests {
    typealias Support = ScheduleTestSupport

    static let zones = [
        "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Asia/Kathmandu",
        "Pacific/Chatham", "America/Havana", "Africa/Casablanca", "Europe/Dublin", "Pacific/Apia", "Asia/Tehran",
        "America/St_Johns", "UTC", "Antarctica/Troll", "America/Asuncion", "Australia/Adelaide", "Asia/Gaza",
        "Europe/London", "America/Sao_Paulo", "Asia/Tokyo",
    ]

    /// A random schedule in either form, with its matching rule written independently of
    /// the parser: plain sets of values.
    struct RandomSchedule: CustomStringConvertible {
        var text: String
        var minutes: Set<Int>
        var hours: Set<Int>
        var daysOfMonth: Set<Int>
        var months: Set<Int>
        var daysOfWeek: Set<Int>
        var daysMatchBoth: Bool
        var isInterval: Bool
        var description: String { text }

        func matches(year: Int, month: Int, day: Int, weekday: Int, hour: Int, minute: Int) -> Bool {
            guard minutes.contains(minute), hours.contains(hour), months.contains(month) else { return false }
            let dom = daysOfMonth.contains(day)
            let dow = daysOfWeek.contains(weekday)
            return daysMatchBoth ? dom && dow : dom || dow
        }
    }

    static func field(_ range: ClosedRange<Int>, _ random: inout Support.SeededGenerator, bias: [Int] = [])
        -> (text: String, values: Set<Int>)
    {
        switch Int.random(in: 0..<7, using: &random) {
        case 0:
            return ("*", Set(range))
        case 1:
            let step = Int.random(in: 1...min(range.count - 1, 20), using: &random)
            return ("*/\(step)", Set(stride(from: range.lowerBound, through: range.upperBound, by: step)))
        case 2:
            let pool = bias.isEmpty ? Array(range) : bias
            let value = pool.randomElement(using: &random)!
            return ("\(value)", [value])
        case 3:
            let low = Int.random(in: range.lowerBound..<range.upperBound, using: &random)
            let high = Int.random(in: (low + 1)...min(range.upperBound, low + 6), using: &random)
            return ("\(low)-\(high)", Set(low...high))
        case 4:
            let low = Int.random(in: range.lowerBound..<range.upperBound, using: &random)
            let high = Int.random(in: (low + 1)...range.upperBound, using: &random)
            let step = Int.random(in: 1...(range.count - 1), using: &random)
            return ("\(low)-\(high)/\(step)", Set(stride(from: low, through: high, by: step)))
        default:
            let pool = bias.isEmpty ? Array(range) : bias + [Int.random(in: range, using: &random)]
            let values = Set((0..<3).map { _ in pool.randomElement(using: &random)! })
            return (values.sorted().map(String.init).joined(separator: ","), values)
        }
    }

    static func randomSchedule(_ random: inout Support.SeededGenerator) -> RandomSchedule {
        let minute = field(0...59, &random, bias: [0, 15, 30, 45, 59])
        let hour = field(0...23, &random, bias: [0, 1, 2, 3, 23])
        if Bool.random(using: &random) {  // platform form
            var days: (text: String, values: Set<Int>) = ("", Set(0...6))
            if Int.random(in: 0..<3, using: &random) == 0 {
                let names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
                let low = Int.random(in: 1...5, using: &random)
                let high = Int.random(in: low...6, using: &random)
                days = ("\(names[low])-\(names[high]) ", Set(low...high))
            }
            return RandomSchedule(
                text: "\(days.text)\(hour.text):\(minute.text)", minutes: minute.values, hours: hour.values,
                daysOfMonth: Set(1...31), months: Set(1...12), daysOfWeek: days.values, daysMatchBoth: true,
                isInterval: hour.text.hasPrefix("*") || minute.text.hasPrefix("*"))
        }
        let dom = Int.random(in: 0..<3, using: &random) == 0 ? field(1...28, &random) : ("*", Set(1...31))
        let dow = Int.random(in: 0..<3, using: &random) == 0 ? field(0...6, &random) : ("*", Set(0...6))
        let month = Int.random(in: 0..<4, using: &random) == 0 ? field(1...12, &random) : ("*", Set(1...12))
        return RandomSchedule(
            text: "\(minute.text) \(hour.text) \(dom.0) \(month.0) \(dow.0)", minutes: minute.values,
            hours: hour.values, daysOfMonth: dom.1, months: month.1, daysOfWeek: dow.1,
            daysMatchBoth: dom.0.hasPrefix("*") || dow.0.hasPrefix("*"),
            isInterval: minute.text.hasPrefix("*") || hour.text.hasPrefix("*"))
    }

    /// docs/design.md §4 by brute force over epoch minutes `lo..<hi`, offsets from Foundation.
    static func bruteForce(_ schedule: RandomSchedule, zone: TimeZone, lo: Int, hi: Int) -> [Int64] {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        var cachedDay = Int.min
        var civil = (year: 0, month: 0, day: 0, weekday: 0)
        func matches(wall: Int) -> Bool {
            let day = Int((Double(wall) / 1440).rounded(.down))
            if day != cachedDay {
                let c = utc.dateComponents([.year, .month, .day, .weekday], from: Date(timeIntervalSince1970: Double(day * 86400)))
                civil = (c.year!, c.month!, c.day!, c.weekday! - 1)
                cachedDay = day
            }
            let minuteOfDay = wall - day * 1440
            return schedule.matches(
                year: civil.year, month: civil.month, day: civil.day, weekday: civil.weekday, hour: minuteOfDay / 60,
                minute: minuteOfDay % 60)
        }
        func wall(_ u: Int) -> Int { u + zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(u * 60))) / 60 }
        var fires: [Int64] = []
        if schedule.isInterval {
            for u in lo..<hi where matches(wall: wall(u)) { fires.append(Int64(u)) }
            return fires
        }
        var highest = wall(lo - 2 * 1440 - 1)
        for u in (lo - 2 * 1440)..<hi {
            let w = wall(u)
            var fire = false
            if w > highest + 1 {  // clocks jumped over (highest, w): those wall times run now
                fire = (highest + 1..<w).contains { matches(wall: $0) }
            }
            if w > highest {  // not a repeat
                fire = fire || matches(wall: w)
                highest = w
            }
            if fire && u >= lo { fires.append(Int64(u)) }
        }
        return fires
    }

    @Test func occurrences_whenRandomSchedulesAroundTransitions_matchBruteForce() throws {
        var random = Support.SeededGenerator(seed: 2026)
        var checked = 0
        for _ in 0..<240 {
            let zoneID = Self.zones.randomElement(using: &random)!
            let zone = TimeZone(identifier: zoneID)!
            let schedule = Self.randomSchedule(&random)
            let year = Int.random(in: 1995...2045, using: &random)
            let from = Date(timeIntervalSince1970: Double(GregorianMath.daysFromCivil(year: year, month: 1, day: 1) * 86400)
                + Double.random(in: 0..<(365 * 86400), using: &random))
            let center = zone.nextDaylightSavingTimeTransition(after: from) ?? from
            let centerMinute = Int(center.timeIntervalSince1970 / 60)
            let lo = centerMinute - 36 * 60
            let hi = centerMinute + 36 * 60
            let compiled = try CompiledSchedule(ScheduleExpression.parse(schedule.text), zoneIdentifier: zoneID)
            #expect(compiled.expression.isInterval == schedule.isInterval, "\(schedule)")
            let got = compiled.occurrences(afterEpochMinute: Int64(lo - 1), throughEpochMinute: Int64(hi - 1))
            let expected = Self.bruteForce(schedule, zone: zone, lo: lo, hi: hi)
            #expect(got == expected, "\(schedule.text) in \(zoneID) around \(center)")
            checked += 1
        }
        #expect(checked == 240)
    }

    @Test func next_whenRandomSchedulesZonesInstants_keepsInvariants() throws {
        var random = Support.SeededGenerator(seed: 42)
        for _ in 0..<400 {
            let zoneID = Self.zones.randomElement(using: &random)!
            let schedule = Self.randomSchedule(&random)
            let compiled = try CompiledSchedule(ScheduleExpression.parse(schedule.text), zoneIdentifier: zoneID)
            let start = Date(timeIntervalSince1970: Double.random(in: 0...(4_102_444_800), using: &random))
            // next(after: t) > t, including sub-minute instants
            if let next = compiled.next(after: start) {
                #expect(next > start)
                #expect(next.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) == 0)
            }
            let end = start.addingTimeInterval(Double.random(in: 3600...(20 * 86400), using: &random))
            let all = compiled.occurrences(after: start, through: end)
            #expect(zip(all, all.dropFirst()).allSatisfy { $0 < $1 }, "\(schedule) \(zoneID)")
            #expect(all.allSatisfy { $0 > start && $0 <= end })
            for (index, occurrence) in all.enumerated().prefix(200) {
                #expect(compiled.next(after: occurrence.addingTimeInterval(-1)) == occurrence, "\(schedule) \(zoneID)")
                #expect(compiled.next(after: occurrence.addingTimeInterval(-0.25)) == occurrence)
                let previous = index == 0 ? start : all[index - 1]
                #expect(compiled.next(after: previous) == occurrence)
            }
        }
    }
}
