import Foundation

/// A configuration problem: where it is (`jobs[2].schedule`) and what is wrong.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file or source the configuration came from, if any.
    public var source: String?
    /// Field path, e.g. `jobs[1].complexity`.
    public var field: String
    public var reason: String
    /// 1-based line and column in the source where the problem is, when known.
    public var line: Int?
    public var column: Int?
    public init(source: String? = nil, field: String, reason: String, line: Int? = nil, column: Int? = nil) {
        self.source = source
        self.field = field
        self.reason = reason
        self.line = line
        self.column = column
    }
    /// `file: field: reason (line L, column C)`.
    public var description: String {
        var text = "\(source.map { "\($0): " } ?? "")\(field): \(reason)"
        if let line { text += column.map { " (line \(line), column \($0))" } ?? " (line \(line))" }
        return text
    }
}

extension AppConfiguration {
    /// Checks every semantic rule (ids, zone, schedules, complexity 1–10, limits).
    /// - Returns: all problems found, in field order; empty when valid.
    public func validate() -> [ConfigError] {
        var errors: [ConfigError] = []
        func check(_ ok: Bool, _ field: String, _ reason: @autoclosure () -> String) {
            if !ok { errors.append(ConfigError(field: field, reason: reason())) }
        }
        check(Self.isValidID(app), "app", "\"\(app)\" is not a valid id (letters, digits, '.', '_', '-'; 1-64 characters)")
        check(Self.isValidID(account), "account", "\"\(account)\" is not a valid id (letters, digits, '.', '_', '-'; 1-64 characters)")
        let zoneKnown = TimeZone(identifier: timeZone) != nil
        if !zoneKnown {
            let hint = NameSuggestions.closest(to: timeZone, in: TimeZone.knownTimeZoneIdentifiers)
            check(false, "timeZone", "unknown IANA time zone \"\(timeZone)\"" + (hint.isEmpty ? "" : "; did you mean \(NameSuggestions.quotedList(hint))?"))
        }
        check(!jobs.isEmpty, "jobs", "an app needs at least one job")
        var seen = Set<String>()
        for (index, job) in jobs.enumerated() {
            let path = "jobs[\(index)]"
            check(Self.isValidID(job.name), "\(path).name", "\"\(job.name)\" is not a valid job name (letters, digits, '.', '_', '-')")
            check(seen.insert(job.name).inserted, "\(path).name", "duplicate job name \"\(job.name)\"")
            if let schedule = job.schedule {
                do {
                    let expression = try ScheduleExpression.parse(schedule)
                    if zoneKnown { _ = try CompiledSchedule(expression, zoneIdentifier: timeZone) }
                } catch {
                    errors.append(ConfigError(field: "\(path).schedule", reason: error.description))
                }
            }
            if let handler = job.handler {
                check(job.command.isEmpty, "\(path).handler", "a job runs either a command or a handler, not both")
                check(Self.isValidID(handler), "\(path).handler", "\"\(handler)\" is not a valid handler name (letters, digits, '.', '_', '-')")
            } else {
                check(!job.command.isEmpty && !(job.command.first ?? "").isEmpty, "\(path).command", "needs at least the program to run (or a handler)")
            }
            check((1...10).contains(job.complexity), "\(path).complexity", "\(job.complexity) is outside the allowed range 1-10")
            check((1...86_400).contains(job.timeoutSeconds), "\(path).timeoutSeconds", "\(job.timeoutSeconds) is outside 1-86400 seconds")
            check((0...20).contains(job.retries), "\(path).retries", "\(job.retries) is outside 0-20")
            check((0...604_800).contains(job.catchUpWindowSeconds), "\(path).catchUpWindowSeconds", "\(job.catchUpWindowSeconds) is outside 0-604800 seconds")
            for (entry, followUp) in job.estimatedFollowUps.enumerated() {
                let field = "\(path).estimatedFollowUps[\(entry)]"
                check(jobs.contains { $0.name == followUp.job }, "\(field).job", "\"\(followUp.job)\" is not a job of this app")
                check((0...100_000).contains(followUp.count), "\(field).count", "\(followUp.count) is outside 0-100000")
            }
        }
        return errors
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 46 || c == 95
        }
    }
}
