import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka
import Logging

/// Options shared by commands that talk to a broker.
struct BrokerOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers. Default: the broker of a running `almanac dev` (.almanac/dev.brokers).")
    var brokers: String?

    @Option(help: "librdkafka properties file (key=value lines), e.g. for SASL/SSL.")
    var kafkaConfig: String?

    @Option(help: "Topic name prefix.")
    var topicPrefix: String = "almanac."

    @Option(help: "Folder of `almanac dev` state.")
    var stateDirectory: String = ".almanac"

    func resolve() throws -> (KafkaConfiguration, DevState?) {
        let dev = DevState.read(directory: stateDirectory)
        guard let brokers = brokers ?? dev?.brokers else {
            throw ValidationError("no broker: pass --brokers or start `almanac dev` (which writes \(stateDirectory)/dev.brokers)")
        }
        var properties: [String: String] = [:]
        if let kafkaConfig { properties = try KafkaConfiguration.loadProperties(file: kafkaConfig) }
        return (KafkaConfiguration(bootstrapServers: brokers, properties: properties), brokers == dev?.brokers ? dev : nil)
    }
}

/// Parses `90m`, `3h`, `45s`, `2d`, or plain seconds.
func parseDuration(_ text: String) -> Double? {
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
    if let last = text.last, let unit = units[last], let value = Double(text.dropLast()), value >= 0 { return value * unit }
    return Double(text).flatMap { $0 >= 0 ? $0 : nil }
}

func makeLogger(_ label: String, verbose: Bool = false) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = verbose ? (ProcessInfo.processInfo.environment["ALMANAC_TRACE"] != nil ? .trace : .debug) : .notice
        return handler
    }
    return Logger(label: label)
}
