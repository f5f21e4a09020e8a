import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka

/// Options shared by commands that talk to a broker. Each setting comes from its flag, else its
/// environment variable, else the settings file, else the default (``CLISettings``; README
/// "Settings without flags").
struct BrokerOptions: ParsableArguments {
    @Option(name: .customLong("brokers"),
            help: "Kafka bootstrap servers. Default: $ALMANAC_BROKERS, the settings file's `brokers`, else the broker of a running `almanac dev` (<state-directory>/dev.json).")
    var brokersFlag: String?

    @Option(name: .customLong("kafka-config"),
            help: "librdkafka properties file (key=value lines), e.g. for SASL/SSL. Default: $ALMANAC_KAFKA_CONFIG or the settings file's `kafka-config`.")
    var kafkaConfigFlag: String?

    @Option(name: .customLong("topic-prefix"), help: "Topic name prefix. Default: $ALMANAC_TOPIC_PREFIX, the settings file's `topic-prefix`, else almanac.")
    var topicPrefixFlag: String?

    @Option(name: .customLong("state-directory"),
            help: "Folder of `almanac dev` state. Default: $ALMANAC_STATE_DIR, the settings file's `state-directory`, else .almanac")
    var stateDirectoryFlag: String?

    /// The resolved settings.
    /// - Throws: ``InputError`` for an unreadable or invalid settings file.
    func settings() throws -> CLISettings {
        let environment = ProcessInfo.processInfo.environment
        let flags = CLISettings.Values(brokers: brokersFlag, kafkaConfig: kafkaConfigFlag, topicPrefix: topicPrefixFlag, stateDirectory: stateDirectoryFlag)
        return CLISettings.resolve(flags: flags, environment: environment, file: try SettingsFileReader.read(environment: environment))
    }

    /// Brokers named by a flag, variable or the settings file; `nil` means "ask `almanac dev`".
    var brokers: String? { (try? settings())?.brokers }
    var topicPrefix: String { (try? settings())?.topicPrefix ?? CLISettings.defaultTopicPrefix }
    var stateDirectory: String { (try? settings())?.stateDirectory ?? CLISettings.defaultStateDirectory }

    /// The client configuration, and the running `almanac dev` when the brokers are its own.
    /// - Throws: ``InputError`` (exit 2) for an invalid settings file, when no broker is named and no dev runs, or the dev
    ///   recorded in the state folder is no longer running (its broker went with it).
    func resolve() throws -> (KafkaConfiguration, DevState?) {
        let settings = try settings()
        let state = settings.stateDirectory
        let dev = DevState.read(directory: state)
        let brokers: String
        if let named = settings.brokers {
            brokers = named
        } else {
            guard let dev else {
                throw InputError(description: "no broker: pass --brokers, set ALMANAC_BROKERS (or `brokers` in the settings file), or start `almanac dev` (which writes \(state)/dev.json)")
            }
            guard dev.isRunning else {
                throw InputError(description: "the almanac dev recorded in \(state) (pid \(dev.pid)) is not running; pass --brokers (or set ALMANAC_BROKERS), or start `almanac dev` again")
            }
            brokers = dev.brokers
        }
        var properties: [String: String] = [:]
        if let kafkaConfig = settings.kafkaConfig {
            do { properties = try KafkaConfiguration.loadProperties(file: kafkaConfig) } catch {
                throw InputError(description: "--kafka-config \(kafkaConfig): \(UserMessage.describe(error))")
            }
        }
        let isDev = dev.map { $0.brokers == brokers && $0.isRunning } ?? false
        return (KafkaConfiguration(bootstrapServers: brokers, properties: properties), isDev ? dev : nil)
    }
}

/// Reads the CLI's settings file (``CLISettings/filePath(environment:)``).
enum SettingsFileReader {
    /// - Returns: the file's values; none when no variable names a file and the default one is absent.
    /// - Throws: ``InputError`` when `ALMANAC_CONFIG` names a missing file, or the file is invalid.
    static func read(environment: [String: String]) throws -> CLISettings.Values {
        guard let file = CLISettings.filePath(environment: environment) else { return .init() }
        let (path, explicit) = (file.path, file.explicit)
        guard let data = FileManager.default.contents(atPath: path) else {
            if explicit { throw InputError(description: "ALMANAC_CONFIG names \(path), which cannot be read") }
            return .init()
        }
        do { return try CLISettingsFile.parse(String(decoding: data, as: UTF8.self), path: path) } catch {
            throw InputError(description: "settings file \(UserMessage.describe(error))")
        }
    }
}
