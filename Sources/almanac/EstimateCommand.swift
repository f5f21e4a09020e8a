import AlmanacCore
import ArgumentParser
import Foundation

struct EstimateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Runs per day and per 30 days of a schedule, and the credits they cost.",
        discussion: """
            Counts real fire times on that local date, so DST days show 23- or 25-hour totals.
            Example: almanac estimate '*:*' --credits 2        (1,440 runs and 2,880 credits a day)
            """)

    @Argument(help: "Schedule expression.")
    var expression: String

    @Option(help: "IANA time zone.")
    var tz: String = AppConfiguration.defaultTimeZone

    @Option(help: "Local date YYYY-MM-DD. Default: today in the zone.")
    var date: String?

    @Option(help: "Credits per run (the job's complexity, 1-10).")
    var credits: Int = 1

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let schedule = try compile(expression, zone: tz)
        guard (0...1_000_000).contains(credits) else { throw InputError(description: "--credits must be between 0 and 1000000") }
        let day: (year: Int, month: Int, day: Int)
        if let date {
            let parts = date.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3, date.count == 10, RFC3339.parse("\(date)T12:00:00Z") != nil else {
                throw InputError(description: "--date \"\(date)\" is not a date YYYY-MM-DD")
            }
            day = (parts[0], parts[1], parts[2])
        } else {
            let local = RFC3339.format(Date(), zoneIdentifier: tz)
            let parts = local.prefix(10).split(separator: "-").compactMap { Int($0) }
            day = (parts[0], parts[1], parts[2])
        }
        let estimate = ScheduleEstimate(schedule: schedule, startingOn: day)
        let (perDay, per30) = estimate.credits(perRun: credits)
        let dateText = String(format: "%04d-%02d-%02d", day.year, day.month, day.day)
        if json {
            let object: [String: JSONValue] = [
                "expression": .string(expression), "timeZone": .string(tz), "date": .string(dateText),
                "runsPerDay": .int(Int64(estimate.runsPerDay)), "runsPer30Days": .int(Int64(estimate.runsPer30Days)),
                "creditsPerRun": .int(Int64(credits)), "creditsPerDay": .int(Int64(perDay)), "creditsPer30Days": .int(Int64(per30)),
            ]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(object), as: UTF8.self))
        } else {
            print("\(expression) in \(tz) on \(dateText):")
            print("  runs per day       \(grouped(estimate.runsPerDay))")
            print("  runs per 30 days   \(grouped(estimate.runsPer30Days))")
            print("  credits per day    \(grouped(perDay))  (at \(credits) per run)")
            print("  credits per 30 days \(grouped(per30))")
        }
    }

    private func grouped(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return String(result.reversed())
    }
}
