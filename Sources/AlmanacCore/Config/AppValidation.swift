import Foundation

/// A configuration problem: where it is (`jobs[2].schedule`) and what is wrong.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file or source the configuration came from, if any.
    public var source: String?
    /// Field path, e.g. `jobs[1].complexity`.
    public var field: String
    public var reason: String
    public init(source: String? = nil, field: String, reason: String) {
        self.source = source
        self.field = field
        self.reason = reason
    }
    public var description: String { "\(source.map { "\($0): " } ?? "")\(field): \(reason)" }
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
        check(zoneKnown, "timeZone", "unknown IANA time zone \"\(timeZone)\"")
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
        }
        return errors
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 46 || c == 95
        }
    }
}
