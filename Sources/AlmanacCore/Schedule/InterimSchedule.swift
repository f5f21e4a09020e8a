// INTERIM: replaced by the full schedule module (issue 3). Platform form only.
import Foundation

public struct ScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var expression: String
    public var field: String?
    public var column: Int?
    public var reason: String
    public var description: String {
        var text = "\"\(expression)\": \(reason)"
        if let column { text += " (column \(column))" }
        return text
    }
}

public struct ScheduleExpression: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public let isInterval: Bool
    let minutes: Set<Int>
    let hours: Set<Int>
    public var description: String { text }

    public static func parse(_ text: String) throws(ScheduleError) -> ScheduleExpression {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw ScheduleError(expression: text, field: nil, column: nil, reason: "expected HOURS:MINUTES") }
        func field(_ s: Substring, _ name: String, _ range: ClosedRange<Int>) throws(ScheduleError) -> Set<Int> {
            var result = Set<Int>()
            for whole in s.split(separator: ",") {
                let stepParts = whole.split(separator: "/")
                let step = stepParts.count == 2 ? Int(stepParts[1]) ?? 0 : 1
                guard step > 0 else { throw ScheduleError(expression: text, field: name, column: nil, reason: "bad step") }
                let item = stepParts[0]
                if item == "*" { result.formUnion(Swift.stride(from: range.lowerBound, through: range.upperBound, by: step)); continue }
                let bounds = item.split(separator: "-")
                guard let a = Int(bounds[0]), let b = Int(bounds.last!), range.contains(a), range.contains(b), a <= b else {
                    throw ScheduleError(expression: text, field: name, column: nil, reason: "bad \(name) \"\(item)\"")
                }
                result.formUnion(Swift.stride(from: a, through: b, by: step))
            }
            return result
        }
        let hours = try field(parts[0], "hour", 0...23)
        let minutes = try field(parts[1], "minute", 0...59)
        return ScheduleExpression(text: text, isInterval: parts[0].hasPrefix("*") || parts[1].hasPrefix("*"), minutes: minutes, hours: hours)
    }
}

public struct CompiledSchedule: Sendable {
    public let expression: ScheduleExpression
    public let zoneIdentifier: String
    let zone: TimeZone

    public init(_ expression: ScheduleExpression, zoneIdentifier: String = "America/New_York") throws(ScheduleError) {
        guard let zone = TimeZone(identifier: zoneIdentifier) else {
            throw ScheduleError(expression: expression.text, field: "zone", column: nil, reason: "unknown time zone \(zoneIdentifier)")
        }
        self.expression = expression
        self.zoneIdentifier = zoneIdentifier
        self.zone = zone
    }

    public func next(after instant: Date) -> Date? {
        var t = (instant.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        for _ in 0..<(60 * 24 * 8) {
            let date = Date(timeIntervalSince1970: t)
            let c = calendar.dateComponents([.hour, .minute], from: date)
            if expression.hours.contains(c.hour!) && expression.minutes.contains(c.minute!) { return date }
            t += 60
        }
        return nil
    }

    public func occurrences(after start: Date, through end: Date) -> [Date] {
        var result: [Date] = []
        var t = start
        while let n = next(after: t), n <= end { result.append(n); t = n }
        return result
    }
}
