import Foundation

/// Settings shared by producers, consumers and admin clients.
///
/// Typed fields cover what Almanac sets; ``properties`` passes any other librdkafka property
/// (see librdkafka's `CONFIGURATION.md`) through unchanged, so SASL/SSL clusters work without code
/// changes. Typed fields win over ``properties`` for the keys they own.
public struct KafkaConfiguration: Sendable {
    /// `bootstrap.servers`: comma-separated `host:port` list.
    public var bootstrapServers: String
    /// `client.id`. Default `almanac`.
    public var clientID: String = "almanac"
    /// `statistics.interval.ms`: how often librdkafka emits statistics (whole milliseconds), handed
    /// as ``KafkaStatistics`` to the handler given to ``KafkaProducer/setStatisticsHandler(_:)`` or
    /// ``KafkaConsumer/setStatisticsHandler(_:)``; `nil` (default) disables them.
    public var statisticsInterval: Duration? = nil
    /// Any librdkafka property, e.g. `security.protocol=SASL_SSL`. Invalid keys or values fail at
    /// client creation with librdkafka's own message (``KafkaError/Code/configuration``).
    public var properties: [String: String] = [:]

    /// Settings for `bootstrapServers` (`host:port,…`), with any extra librdkafka `properties`.
    public init(bootstrapServers: String, clientID: String = "almanac", properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.properties = properties
    }

    /// The librdkafka properties of this configuration (typed fields mapped in this one place).
    func rdKafkaProperties() -> [String: String] {
        var result = properties
        result["bootstrap.servers"] = bootstrapServers
        result["client.id"] = clientID
        if let statisticsInterval { result["statistics.interval.ms"] = String(statisticsInterval.milliseconds) }
        return result
    }

    /// Reads a librdkafka properties file: `key=value` per line, `#` comments and blank lines
    /// ignored (the format `kcat -F` and librdkafka's examples use).
    ///
    /// - Throws: ``KafkaError/Code/configuration`` naming the file and line of a malformed entry.
    public static func loadProperties(file path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw KafkaError(code: .configuration, reason: "cannot read Kafka properties file \(path)")
        }
        var result: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "="), equals != line.startIndex else {
                throw KafkaError(
                    code: .configuration,
                    reason: "\(path):\(index + 1): expected key=value, got \"\(line)\"")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            result[key] = value
        }
        return result
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
