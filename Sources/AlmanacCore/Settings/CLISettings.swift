/// The connection settings of the `almanac` CLI — brokers, librdkafka properties file, topic
/// prefix, state folder — resolved from a flag, an environment variable, the settings file or the
/// default, in that order (the first that is set wins, per setting).
///
/// ```swift
/// let file = try CLISettingsFile.parse(text, path: "~/.config/almanac/config")
/// let settings = CLISettings.resolve(flags: CLISettings.Values(brokers: nil),
///                                    environment: ProcessInfo.processInfo.environment, file: file)
/// settings.brokers   // ALMANAC_BROKERS, else the file's `brokers`, else nil (ask `almanac dev`)
/// ```
///
/// | setting | flag | variable | file key | default |
/// |---|---|---|---|---|
/// | brokers | `--brokers` | `ALMANAC_BROKERS` | `brokers` | the running `almanac dev`'s |
/// | librdkafka properties | `--kafka-config` | `ALMANAC_KAFKA_CONFIG` | `kafka-config` | none |
/// | topic prefix | `--topic-prefix` | `ALMANAC_TOPIC_PREFIX` | `topic-prefix` | `almanac.` |
/// | state folder | `--state-directory` | `ALMANAC_STATE_DIR` | `state-directory` | `.almanac` |
///
/// An empty variable counts as unset. Source of the variable names: the ops/kcat recipes, which
/// read the same ones.
public struct CLISettings: Sendable, Equatable {
    /// One value per setting; `nil` when that source does not set it.
    public struct Values: Sendable, Equatable {
        public var brokers: String?
        public var kafkaConfig: String?
        public var topicPrefix: String?
        public var stateDirectory: String?

        public init(brokers: String? = nil, kafkaConfig: String? = nil, topicPrefix: String? = nil, stateDirectory: String? = nil) {
            self.brokers = brokers
            self.kafkaConfig = kafkaConfig
            self.topicPrefix = topicPrefix
            self.stateDirectory = stateDirectory
        }
    }

    /// Where a resolved value came from, for messages ("brokers from ALMANAC_BROKERS").
    public enum Source: String, Sendable, Equatable {
        case flag, environment, file, `default`, dev
    }

    /// `nil`: no source names brokers; the caller falls back to a running `almanac dev`.
    public var brokers: String?
    public var brokersSource: Source
    public var kafkaConfig: String?
    public var topicPrefix: String
    public var stateDirectory: String

    public init(brokers: String?, brokersSource: Source, kafkaConfig: String?, topicPrefix: String, stateDirectory: String) {
        self.brokers = brokers
        self.brokersSource = brokersSource
        self.kafkaConfig = kafkaConfig
        self.topicPrefix = topicPrefix
        self.stateDirectory = stateDirectory
    }

    public static let defaultTopicPrefix = "almanac."
    public static let defaultStateDirectory = ".almanac"

    /// The settings from the environment variables of the table above (empty ones ignored).
    public static func values(environment: [String: String]) -> Values {
        func read(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        return Values(brokers: read("ALMANAC_BROKERS"), kafkaConfig: read("ALMANAC_KAFKA_CONFIG"),
                      topicPrefix: read("ALMANAC_TOPIC_PREFIX"), stateDirectory: read("ALMANAC_STATE_DIR"))
    }

    /// Resolves each setting: flag, then environment, then file, then default.
    public static func resolve(flags: Values, environment: [String: String], file: Values) -> CLISettings {
        let env = values(environment: environment)
        let brokers: (String?, Source) =
            flags.brokers.map { ($0, .flag) } ?? env.brokers.map { ($0, .environment) } ?? file.brokers.map { ($0, .file) } ?? (nil, .dev)
        return CLISettings(
            brokers: brokers.0, brokersSource: brokers.1,
            kafkaConfig: flags.kafkaConfig ?? env.kafkaConfig ?? file.kafkaConfig,
            topicPrefix: flags.topicPrefix ?? env.topicPrefix ?? file.topicPrefix ?? defaultTopicPrefix,
            stateDirectory: flags.stateDirectory ?? env.stateDirectory ?? file.stateDirectory ?? defaultStateDirectory)
    }

    /// The settings file's path: `$ALMANAC_CONFIG` if set, else `$XDG_CONFIG_HOME/almanac/config`,
    /// else `$HOME/.config/almanac/config`; `explicit` says whether a variable named it (then a
    /// missing file is an error, not "no file").
    public static func filePath(environment: [String: String]) -> (path: String, explicit: Bool)? {
        if let path = environment["ALMANAC_CONFIG"], !path.isEmpty { return (path, true) }
        if let base = environment["XDG_CONFIG_HOME"], !base.isEmpty { return (base + "/almanac/config", false) }
        if let home = environment["HOME"], !home.isEmpty { return (home + "/.config/almanac/config", false) }
        return nil
    }
}
