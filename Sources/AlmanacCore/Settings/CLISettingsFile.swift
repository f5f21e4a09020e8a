import Foundation

/// The `almanac` CLI's settings file: `key = value` lines (`#` comments, blank lines allowed,
/// whitespace around key and value trimmed, no quoting), keys `brokers`, `kafka-config`,
/// `topic-prefix`, `state-directory` (see ``CLISettings``).
///
/// ```
/// # ~/.config/almanac/config
/// brokers = kafka-1:9092,kafka-2:9092
/// kafka-config = /etc/almanac/client.properties
/// ```
public enum CLISettingsFile {
    /// The keys a file may set.
    public static let keys = ["brokers", "kafka-config", "state-directory", "topic-prefix"]

    /// A line of the settings file that cannot be read.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        /// 1-based.
        public var line: Int
        public var reason: String
        public var description: String { "\(path):\(line): \(reason)" }
    }

    /// - Parameter path: named in errors.
    /// - Throws: ``ParseError`` for the first line that has no `=`, an unknown key (with the
    ///   closest known one), an empty value or a key given twice.
    public static func parse(_ text: String, path: String) throws -> CLISettings.Values {
        var values = CLISettings.Values()
        var seen: Set<String> = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ reason: String) -> ParseError { ParseError(path: path, line: index + 1, reason: reason) }
            guard let equals = line.firstIndex(of: "=") else { throw fail("expected key = value, got \"\(line)\"") }
            let key = String(line[..<equals]).trimmingCharacters(in: .whitespaces)
            let value = String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            guard keys.contains(key) else {
                let hint = NameSuggestions.closest(to: key, in: keys, limit: 1).first.map { "; did you mean \"\($0)\"?" } ?? ""
                throw fail("unknown key \"\(key)\"\(hint) (keys: \(keys.joined(separator: ", ")))")
            }
            guard !value.isEmpty else { throw fail("\(key) has no value") }
            guard seen.insert(key).inserted else { throw fail("\(key) is set twice") }
            switch key {
            case "brokers": values.brokers = value
            case "kafka-config": values.kafkaConfig = value
            case "state-directory": values.stateDirectory = value
            default: values.topicPrefix = value
            }
        }
        return values
    }
}
