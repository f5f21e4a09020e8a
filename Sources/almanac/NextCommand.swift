import AlmanacCore
import ArgumentParser
import Foundation

struct NextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next",
        abstract: "Print a schedule's next fire times (RFC 3339 with the local offset).",
        discussion: """
            EXPR is the platform form (HOURS:MINUTES, optional day prefix: `9:00`, `*:00`, `8-19:00`,
            `mon-fri 8-18:*/15`) or 5-field cron (`30 2 * * *`, `0 9 * * MON-FRI`, `@hourly`, `0 0 L * *`).
            Example: almanac next '*:30' --tz America/New_York --after 2026-11-01T00:45:00-04:00 --count 4
            """)

    @Argument(help: "Schedule expression.")
    var expression: String

    @Option(help: "IANA time zone.")
    var tz: String = AppConfiguration.defaultTimeZone

    @Option(help: "Start after this instant (RFC 3339). Default: now.")
    var after: String?

    @Option(help: "How many fire times.")
    var count: Int = 5

    @Flag(help: "Print a JSON array of strings.")
    var json = false

    func run() throws {
        guard count >= 0 && count <= 1_000_000 else { throw InputError(description: "--count must be between 0 and 1000000") }
        let schedule = try compile(expression, zone: tz)
        var cursor: Date
        if let after {
            guard let parsed = RFC3339.parse(after) else { throw InputError(description: "--after \"\(after)\" is not an RFC 3339 instant") }
            cursor = parsed
        } else {
            cursor = Date()
        }
        var lines: [String] = []
        lines.reserveCapacity(count)
        for _ in 0..<count {
            guard let next = schedule.next(after: cursor) else { break }
            lines.append(RFC3339.format(next, zoneIdentifier: tz))
            cursor = next
        }
        if json {
            let data = try JSONEncoder().encode(lines)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(lines.joined(separator: "\n"))
        }
    }
}

/// Parses and compiles, turning errors into exit-code-2 input errors.
func compile(_ expression: String, zone: String) throws -> CompiledSchedule {
    do {
        return try CompiledSchedule(try ScheduleExpression.parse(expression), zoneIdentifier: zone)
    } catch {
        throw InputError(description: error.description)
    }
}
