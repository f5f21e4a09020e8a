/// "Did you mean" for a name that is not among the known ones (an app id, a job, a config key,
/// a time zone), and a bounded list of the known names for messages.
///
/// ```swift
/// NameSuggestions.closest(to: "app-99999", in: ["app-9999", "app-1", "billing"])   // ["app-9999"]
/// NameSuggestions.unknownApp("app-99999", known: apps)
/// // app "app-99999" is not configured; did you mean "app-9999"? (20000 apps are configured)
/// ```
///
/// A name is suggested when its edit distance (``EditDistance/levenshtein(_:_:)``, compared
/// case-insensitively) is at most a third of the longer name's length (at least 1, at most 4), or
/// when one name contains the other; ties keep the known names' sorted order. Cost: one distance
/// per known name, O(n·k²) for n names of length k.
public enum NameSuggestions {
    /// At most `limit` known names closest to `name`, nearest first; empty when none is close.
    public static func closest(to name: String, in known: some Sequence<String>, limit: Int = 3) -> [String] {
        let target = name.lowercased()
        var scored: [(distance: Int, name: String)] = []
        for candidate in known {
            let lowered = candidate.lowercased()
            let distance = EditDistance.levenshtein(target, lowered)
            let allowed = Swift.min(4, Swift.max(1, Swift.max(target.count, lowered.count) / 3))
            let contains = target.count >= 3 && lowered.count >= 3 && (lowered.contains(target) || target.contains(lowered))
            if distance <= allowed || contains { scored.append((contains ? Swift.min(distance, allowed) : distance, candidate)) }
        }
        return scored.sorted { ($0.distance, $0.name) < ($1.distance, $1.name) }.prefix(limit).map(\.name)
    }

    /// `"a", "b" or "c"`: names quoted and joined for a message.
    public static func quotedList(_ names: [String], conjunction: String = "or") -> String {
        let quoted = names.map { "\"\($0)\"" }
        guard quoted.count > 1 else { return quoted.first ?? "" }
        return quoted.dropLast().joined(separator: ", ") + " \(conjunction) " + quoted.last!
    }

    /// The message for an unknown app id, with suggestions and a bounded list of the known ones,
    /// e.g. `app "app-99999" is not configured; did you mean "app-9999"? (20000 apps are configured)`.
    public static func unknownApp(_ app: String, known: [String]) -> String {
        "app \"\(app)\" is not configured" + hint(for: app, known: known, listLabel: "known", kind: "app")
    }

    /// The message for a job its app does not have, e.g.
    /// `app "support-queue" has no job "triage"; did you mean "triage-tickets"? (jobs: triage-tickets)`.
    public static func unknownJob(_ job: String, app: String, known: [String]) -> String {
        "app \"\(app)\" has no job \"\(job)\"" + hint(for: job, known: known, listLabel: "jobs", kind: "job")
    }

    /// What follows "X is not known": `; did you mean "a" or "b"?`, then the known names when at
    /// most `listLimit` (`(known: a, b)`), else their count, with the first `listLimit` names when
    /// nothing was suggested.
    /// - Parameters:
    ///   - listLabel: the list's label, e.g. "known", "jobs", "keys".
    ///   - kind: singular noun counted when the list is long ("app" → "20000 apps are configured").
    public static func hint(for name: String, known: [String], listLabel: String, kind: String, listLimit: Int = 10) -> String {
        var message = ""
        let suggestions = closest(to: name, in: known)
        if !suggestions.isEmpty { message += "; did you mean \(quotedList(suggestions))?" }
        let sorted = known.sorted()
        if sorted.isEmpty {
            message += " (no \(kind) is configured)"
        } else if sorted.count <= listLimit {
            message += " (\(listLabel): \(sorted.joined(separator: ", ")))"
        } else if suggestions.isEmpty {
            message += " (\(sorted.count) \(kind)s are configured, e.g. \(sorted.prefix(listLimit).joined(separator: ", ")), …)"
        } else {
            message += " (\(sorted.count) \(kind)s are configured)"
        }
        return message
    }
}
