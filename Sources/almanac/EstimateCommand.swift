import Almanac
import AlmanacCore
import ArgumentParser
import Foundation

struct EstimateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Runs per day and per 30 days of a schedule, and the credits they cost.",
        discussion: """
            Counts real fire times on that local date, so DST days show 23- or 25-hour totals.
            With --app, estimates every job of an app file before it is enabled: runs, and credits priced
            by the pricing table (base by complexity plus the assumed usage per run).
            Examples:
              almanac estimate '*:*' --credits 2        (1,440 runs and 2,880 credits a day)
              almanac estimate --app examples/apps/support-queue.yaml --usage '{"emails":1,"ai":[{"model":"gpt-4o-mini","inputTokens":800,"outputTokens":60}]}'
            """)

    @Argument(help: "Schedule expression (or use --app).")
    var expression: String?

    @Option(help: "An app file: estimate each of its jobs with the pricing table.")
    var app: String?

    @Option(help: "With --app: assumed usage per run, JSON {\"emails\":N,\"sms\":N,\"ai\":[{\"model\":…,\"inputTokens\":N,\"outputTokens\":N}]}.")
    var usage: String?

    @Option(help: "With --app: pricing file (default ops/pricing.yaml if present, else the built-in table).")
    var pricing: String?

    @Option(help: "IANA time zone.")
    var tz: String = AppConfiguration.defaultTimeZone

    @Option(help: "Local date YYYY-MM-DD. Default: today in the zone.")
    var date: String?

    @Option(help: "Credits per run (the job's complexity, 1-10).")
    var credits: Int = 1

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        if let app { return try estimateApp(app) }
        guard let expression else { throw InputError(description: "give a schedule expression or --app FILE") }
        let schedule = try compile(expression, zone: tz)
        guard (1...10).contains(credits) else {
            throw InputError(description: "--credits \(credits) is outside 1-10 (a job's complexity, its base credits per run)")
        }
        let day = try localDate(zone: tz)
        let estimate = ScheduleEstimate(schedule: schedule, startingOn: day)
        let (perDay, per30) = estimate.credits(perRun: credits)
        let dateText = String(format: "%04d-%02d-%02d", day.year, day.month, day.day)
        if json {
            let object: [String: JSONValue] = [
                "expression": .string(expression), "timeZone": .string(tz), "date": .string(dateText),
                "runsPerDay": .int(Int64(estimate.runsPerDay)), "runsPer30Days": .int(Int64(estimate.runsPer30Days)),
                "creditsPerRun": .int(Int64(credits)), "creditsPerDay": .int(Int64(perDay)), "creditsPer30Days": .int(Int64(per30)),
            ]
            print(try jsonText(object))
        } else {
            print("\(expression) in \(tz) on \(dateText):")
            print("  runs per day       \(grouped(estimate.runsPerDay))")
            print("  runs per 30 days   \(grouped(estimate.runsPer30Days))")
            print("  credits per day    \(grouped(perDay))  (at \(credits) per run)")
            print("  credits per 30 days \(grouped(per30))")
        }
    }

    /// Every job of an app file: runs per day and per 30 days, and their price in millicredits.
    private func estimateApp(_ file: String) throws {
        let loaded = AppFileLoader.load(path: file)
        if !loaded.errors.isEmpty { throw InputError(description: loaded.errors.map(\.description).joined(separator: "\n")) }
        guard let app = loaded.apps.first else { throw InputError(description: "\(file): no app") }
        // The checks a worker applies to a run's report (keys, types, limits), so that a run's
        // price fits 64 bits.
        var checked = RunReport()
        if let usage, let problem = checked.addUsage(json: Array(usage.utf8)) {
            throw InputError(description: "--usage: \(problem); e.g. {\"emails\":1,\"sms\":0,\"ai\":[{\"model\":\"gpt-4o-mini\",\"inputTokens\":800,\"outputTokens\":60}]}")
        }
        let assumed = checked.usage
        let schedules = try loadPricing(pricing)
        let day = try localDate(zone: app.config.timeZone)
        let dateText = String(format: "%04d-%02d-%02d", day.year, day.month, day.day)
        let table = schedules.table(at: RFC3339.parse("\(dateText)T12:00:00Z") ?? Date())
        var rows: [JSONValue] = []
        var lines = ["\(app.config.app) (\(app.config.account), \(app.config.timeZone)) on \(dateText), pricing \(table.version):",
                     "  job                      schedule            runs/day  runs/30d   credits/run  credits/day  credits/30d"]
        var totalDay = Millicredits.zero, total30 = Millicredits.zero
        var scheduled: [String: ScheduleEstimate] = [:]
        for job in app.config.jobs {
            if let text = job.schedule {
                scheduled[job.name] = ScheduleEstimate(schedule: try compile(text, zone: app.config.timeZone), startingOn: day)
            }
        }
        let estimates = AppRunEstimate.rows(app: app.config, scheduled: scheduled)
        var notes: [String] = []
        for (job, row) in zip(app.config.jobs, estimates) {
            // Within RunUsage's limits and a validated table's prices a run's price fits (see
            // Pricer); a day or 30 days of the largest runs may not.
            guard let perRun = Pricer.total(complexity: job.complexity, usage: assumed, table: table) else {
                throw InputError(description: "\(job.name): one run's price passes 64-bit millicredits (\(Int64.max)); assume less usage per run")
            }
            let estimate = row.estimate
            if row.followUps.runsPerDay + row.followUps.runsPer30Days > 0 {
                notes.append("\(job.name): includes \(grouped(row.followUps.runsPerDay)) follow-up runs a day declared by estimatedFollowUps")
            }
            if !row.counted {
                notes.append("\(job.name): no schedule and no job declares it in estimatedFollowUps, so its runs (by hand or as follow-ups) cannot be estimated and count 0")
            }
            let perDay = try Self.checked(perRun.rawValue.multipliedReportingOverflow(by: Int64(estimate.runsPerDay)), job.name)
            let per30 = try Self.checked(perRun.rawValue.multipliedReportingOverflow(by: Int64(estimate.runsPer30Days)), job.name)
            totalDay = try Self.checked(totalDay.rawValue.addingReportingOverflow(perDay.rawValue), "the total")
            total30 = try Self.checked(total30.rawValue.addingReportingOverflow(per30.rawValue), "the total")
            rows.append(.object([
                "job": .string(job.name), "schedule": job.schedule.map(JSONValue.string) ?? .null,
                "runsPerDay": .int(Int64(estimate.runsPerDay)), "runsPer30Days": .int(Int64(estimate.runsPer30Days)),
                "followUpRunsPerDay": .int(Int64(row.followUps.runsPerDay)), "counted": .bool(row.counted),
                "millicreditsPerRun": .int(perRun.rawValue), "millicreditsPerDay": .int(perDay.rawValue), "millicreditsPer30Days": .int(per30.rawValue),
            ]))
            lines.append("  " + [pad(job.name, 24), pad(job.schedule ?? (row.counted ? "(follow-up)" : "(not counted)"), 19), pad(grouped(estimate.runsPerDay), 9),
                                 pad(grouped(estimate.runsPer30Days), 10), pad(perRun.description, 12), pad(perDay.description, 12),
                                 per30.description].joined(separator: " "))
        }
        lines.append("  total                                                                     \(pad(totalDay.description, 12)) \(total30.description)")
        lines += notes.map { "  note: " + $0 }
        if json {
            print(try jsonText(["app": .string(app.config.app), "date": .string(dateText), "pricingVersion": .string(table.version),
                                "jobs": .array(rows), "notes": .array(notes.map(JSONValue.string)), "millicreditsPerDay": .int(totalDay.rawValue), "millicreditsPer30Days": .int(total30.rawValue)]))
        } else {
            print(lines.joined(separator: "\n"))
        }
    }

    /// The amount of a checked product or sum.
    /// - Throws: ``InputError`` naming `what` when the amount passes 64-bit millicredits.
    private static func checked(_ result: (partialValue: Int64, overflow: Bool), _ what: String) throws -> Millicredits {
        guard !result.overflow else {
            throw InputError(description: "\(what): the estimate passes 64-bit millicredits (\(Int64.max)); assume less usage per run")
        }
        return Millicredits(result.partialValue)
    }

    private func localDate(zone: String) throws -> (year: Int, month: Int, day: Int) {
        let day: (year: Int, month: Int, day: Int)
        if let date {
            let parts = date.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3, date.count == 10, RFC3339.parse("\(date)T12:00:00Z") != nil else {
                throw InputError(description: "--date \"\(date)\" is not a date YYYY-MM-DD")
            }
            // The calendar answers from 1970 (its epoch) to 2200; an estimate outside would count 0.
            guard (1970...2199).contains(parts[0]) else {
                throw InputError(description: "--date \"\(date)\": estimates cover 1970-01-01 to 2199-12-31")
            }
            day = (parts[0], parts[1], parts[2])
        } else {
            let local = RFC3339.format(Date(), zoneIdentifier: zone)
            let parts = local.prefix(10).split(separator: "-").compactMap { Int($0) }
            day = (parts[0], parts[1], parts[2])
        }
        return day
    }

    private func jsonText(_ object: [String: JSONValue]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(object), as: UTF8.self)
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
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
