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

/// Parses `90m`, `3h`, `45s`, `2d`, compounds such as `1h30m` or `3d2h`, or plain seconds.
func parseDuration(_ text: String) -> Double? {
    if let seconds = Double(text) { return seconds >= 0 ? seconds : nil }
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
    var total = 0.0
    var number = ""
    for character in text {
        if character.isNumber || character == "." {
            number.append(character)
        } else if let unit = units[character], let value = Double(number) {
            total += value * unit
            number = ""
        } else {
            return nil
        }
    }
    return number.isEmpty && !text.isEmpty ? total : nil
}

/// The pricing schedule of `--pricing FILE`; without it, `ops/pricing.yaml` when it exists in the
/// current folder, else the built-in standard table.
/// - Throws: ``InputError`` (exit 2) naming the file and each invalid field.
func loadPricing(_ file: String?) throws -> PricingSchedule {
    guard let path = file ?? (FileManager.default.fileExists(atPath: "ops/pricing.yaml") ? "ops/pricing.yaml" : nil) else {
        return PricingSchedule([.standard])
    }
    do { return try PricingLoader.load(file: path) } catch { throw InputError(description: error.description) }
}

func makeLogger(_ label: String, verbose: Bool = false) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = verbose ? (ProcessInfo.processInfo.environment["ALMANAC_TRACE"] != nil ? .trace : .debug) : .notice
        return handler
    }
    return Logger(label: label)
}
