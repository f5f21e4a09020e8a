import Foundation

/// Checks the shape of an app file before it is decoded, so that a file's every problem is
/// reported at once, each with its field, line and column, in words a user reads ("overlap must
/// be skip, queue or allow", "command is an argv list, e.g. [\"python3\", \"job.py\"]"), with the
/// closest key for an unknown one. Decoding (``AppConfiguration``'s `Codable`) stays the one
/// source of the configuration; this pass only explains what decoding would refuse, and records
/// where each field is so that ``AppConfiguration/validate()``'s findings get a line too.
///
/// ```swift
/// let checked = AppFileChecker.check(document)      // document: SourceValue from the YAML parser
/// checked.problems      // [jobs[0].overlap: overlap must be skip, queue or allow, got "never" (line 9, column 14)]
/// checked.locate(errors) // validate()'s errors with their lines
/// ```
public enum AppFileChecker {
    public struct Result: Sendable {
        /// Shape problems, in document order; empty when decoding can proceed.
        public var problems: [ConfigError]
        /// Field path (`jobs[0].schedule`) → (line, column) of its value.
        public var positions: [String: (line: Int, column: Int?)]

        /// `errors` with the line and column of their field (or of the nearest enclosing field).
        public func locate(_ errors: [ConfigError]) -> [ConfigError] {
            errors.map { error in
                var error = error
                var path = error.field
                while error.line == nil {
                    if let position = positions[path] {
                        error.line = position.line
                        error.column = position.column
                    }
                    guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
                    path = String(path[..<cut])
                }
                return error
            }
        }
    }

    enum Expected {
        case text, integer, boolean, any
        case textList(example: String)
        case textMap
        case oneOf([String])
        case followUps
    }

    static let appFields: [String: Expected] = ["app": .text, "account": .text, "timeZone": .text, "jobs": .any]
    static let appRequired = ["app", "account", "jobs"]
    static let jobFields: [String: Expected] = [
        "name": .text, "schedule": .text, "command": .textList(example: #"["python3", "job.py"]"#), "handler": .text,
        "env": .textMap, "complexity": .integer, "timeoutSeconds": .integer, "retries": .integer,
        "overlap": .oneOf(OverlapPolicy.allCases.map(\.rawValue)), "catchUpWindowSeconds": .integer, "params": .any,
        "pauseHoldsFollowUps": .boolean, "workingDirectory": .text, "estimatedFollowUps": .followUps,
    ]

    /// Checks a whole app document.
    /// - Parameter json: the file is JSON, where a text field takes only a string (YAML reads any
    ///   plain scalar there as its text: `schedule: 9:00`, `name: 5`).
    public static func check(_ document: SourceValue, json: Bool = false) -> Result {
        var checker = Walk(json: json)
        checker.app(document)
        return Result(problems: checker.problems, positions: checker.positions)
    }

    struct Walk {
        let json: Bool
        var problems: [ConfigError] = []
        var positions: [String: (line: Int, column: Int?)] = [:]

        mutating func problem(_ field: String, _ reason: String, at value: SourceValue?) {
            problems.append(ConfigError(field: field, reason: reason, line: value?.line, column: value?.column))
        }

        mutating func note(_ field: String, _ value: SourceValue) {
            if let line = value.line { positions[field] = (line, value.column) }
        }

        mutating func app(_ document: SourceValue) {
            guard case .object(let entries) = document.kind else {
                problem("(file)", "an app file is a mapping with app, account and jobs, got \(document.shown)", at: document)
                return
            }
            let allowed = AppConfiguration.CodingKeys.allCases.map(\.rawValue)
            keys(entries, allowed: allowed, required: AppFileChecker.appRequired, path: "", at: document)
            for entry in entries {
                note(entry.key, entry.value)
                if entry.key == "jobs" {
                    jobs(entry.value)
                } else if let expected = AppFileChecker.appFields[entry.key] {
                    value(entry.value, expected, field: entry.key)
                }
            }
        }

        mutating func jobs(_ list: SourceValue) {
            guard case .array(let jobs) = list.kind else {
                problem("jobs", "jobs is a list of jobs (each with name and command or handler), got \(list.shown)", at: list)
                return
            }
            let allowed = JobConfiguration.CodingKeys.allCases.map(\.rawValue)
            for (index, job) in jobs.enumerated() {
                let path = "jobs[\(index)]"
                note(path, job)
                guard case .object(let entries) = job.kind else {
                    problem(path, "a job is a mapping with name and command (or handler), got \(job.shown)", at: job)
                    continue
                }
                let hasHandler = entries.contains { $0.key == "handler" }
                keys(entries, allowed: allowed, required: hasHandler ? ["name"] : ["name", "command"], path: path, at: job)
                for entry in entries {
                    let field = "\(path).\(entry.key)"
                    note(field, entry.value)
                    if let expected = AppFileChecker.jobFields[entry.key] { value(entry.value, expected, field: field) }
                }
            }
        }

        /// Unknown keys (with the closest allowed one) and missing required ones.
        mutating func keys(_ entries: [SourceValue.Entry], allowed: [String], required: [String], path: String, at object: SourceValue) {
            for entry in entries where !allowed.contains(entry.key) {
                let field = path.isEmpty ? entry.key : "\(path).\(entry.key)"
                let hint = NameSuggestions.closest(to: entry.key, in: allowed, limit: 1).first.map { "; did you mean \"\($0)\"?" } ?? ""
                problems.append(ConfigError(field: field, reason: "unknown key \"\(entry.key)\"\(hint) (allowed: \(allowed.joined(separator: ", ")))",
                                            line: entry.line ?? entry.value.line, column: entry.line == nil ? entry.value.column : nil))
            }
            for key in required where !entries.contains(where: { $0.key == key }) {
                let field = path.isEmpty ? key : "\(path).\(key)"
                let what = key == "command"
                    ? #"required: the program to run as an argv list, e.g. ["python3", "job.py"] (or a handler)"#
                    : "required field is missing"
                problem(field, what, at: object)
            }
        }

        mutating func value(_ value: SourceValue, _ expected: Expected, field: String) {
            let name = field.split(separator: ".").last.map(String.init) ?? field
            switch expected {
            case .any:
                return
            case .text:
                if !isText(value) { problem(field, "\(name) is text, got \(value.shown)", at: value) }
            case .integer:
                if case .int = value.kind { return }
                problem(field, "\(name) is a whole number, got \(value.shown)", at: value)
            case .boolean:
                if case .bool = value.kind { return }
                problem(field, "\(name) is true or false, got \(value.shown)", at: value)
            case .textList(let example):
                guard case .array(let items) = value.kind else {
                    problem(field, "\(name) is an argv list, e.g. \(example), got \(value.shown)", at: value)
                    return
                }
                for (index, item) in items.enumerated() where !isText(item) {
                    problem("\(field)[\(index)]", "each argument of \(name) is text, got \(item.shown)", at: item)
                }
            case .textMap:
                guard case .object(let entries) = value.kind else {
                    problem(field, "\(name) is a mapping of names to text, e.g. {OUTBOX_DIR: out}, got \(value.shown)", at: value)
                    return
                }
                for entry in entries where !isText(entry.value) {
                    problem("\(field).\(entry.key)", "\(name) values are text, got \(entry.value.shown)", at: entry.value)
                }
            case .oneOf(let choices):
                let text = value.text ?? ""
                guard isText(value), choices.contains(text) else {
                    let hint = NameSuggestions.closest(to: text, in: choices, limit: 1).first.map { "; did you mean \"\($0)\"?" } ?? ""
                    problem(field, "\(name) must be \(choices.joined(separator: ", ").replacingLast(", ", with: " or ")), got \(value.shown)\(hint)", at: value)
                    return
                }
            case .followUps:
                guard case .array(let items) = value.kind else {
                    problem(field, "\(name) is a list such as [{job: import-batch, count: 19}], got \(value.shown)", at: value)
                    return
                }
                for (index, item) in items.enumerated() {
                    let path = "\(field)[\(index)]"
                    guard case .object(let entries) = item.kind else {
                        problem(path, "each entry is {job: NAME, count: N}, got \(item.shown)", at: item)
                        continue
                    }
                    keys(entries, allowed: ["job", "count"], required: ["job", "count"], path: path, at: item)
                    for entry in entries {
                        note("\(path).\(entry.key)", entry.value)
                        if entry.key == "job" { self.value(entry.value, .text, field: "\(path).job") }
                        if entry.key == "count" { self.value(entry.value, .integer, field: "\(path).count") }
                    }
                }
            }
        }

        /// A scalar a text field accepts: in YAML any scalar but null (`5` or `yes` read as text
        /// there), in JSON a string.
        func isText(_ value: SourceValue) -> Bool {
            if json, case .string = value.kind { return true } else if json { return false }
            switch value.kind {
            case .string, .int, .double, .bool: return value.text != nil
            default: return false
            }
        }
    }
}

extension String {
    fileprivate func replacingLast(_ separator: String, with replacement: String) -> String {
        guard let range = range(of: separator, options: .backwards) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
