import AlmanacCore
import Testing

/// Precedence of the CLI's connection settings: flag > environment > file > default.
@Suite struct CLISettingsTests {
    let file = CLISettings.Values(brokers: "file:9092", kafkaConfig: "file.properties", topicPrefix: "file.", stateDirectory: "file-state")
    let environment = ["ALMANAC_BROKERS": "env:9092", "ALMANAC_KAFKA_CONFIG": "env.properties",
                       "ALMANAC_TOPIC_PREFIX": "env.", "ALMANAC_STATE_DIR": "env-state"]

    @Test func resolve_whenEverySourceSetsAValue_flagWins() {
        let flags = CLISettings.Values(brokers: "flag:9092", kafkaConfig: "flag.properties", topicPrefix: "flag.", stateDirectory: "flag-state")
        let settings = CLISettings.resolve(flags: flags, environment: environment, file: file)
        #expect(settings == CLISettings(brokers: "flag:9092", brokersSource: .flag, kafkaConfig: "flag.properties",
                                        topicPrefix: "flag.", stateDirectory: "flag-state"))
    }

    @Test func resolve_whenNoFlags_environmentBeatsFile() {
        let settings = CLISettings.resolve(flags: .init(), environment: environment, file: file)
        #expect(settings == CLISettings(brokers: "env:9092", brokersSource: .environment, kafkaConfig: "env.properties",
                                        topicPrefix: "env.", stateDirectory: "env-state"))
    }

    @Test func resolve_whenOnlyFile_fileBeatsDefault_andEmptyVariablesCountAsUnset() {
        let settings = CLISettings.resolve(flags: .init(), environment: ["ALMANAC_BROKERS": ""], file: file)
        #expect(settings.brokers == "file:9092")
        #expect(settings.brokersSource == .file)
        #expect(settings.stateDirectory == "file-state")
    }

    @Test func resolve_whenNothingSet_defaultsAndNoBrokers() {
        let settings = CLISettings.resolve(flags: .init(), environment: [:], file: .init())
        #expect(settings == CLISettings(brokers: nil, brokersSource: .dev, kafkaConfig: nil, topicPrefix: "almanac.", stateDirectory: ".almanac"))
    }

    @Test func resolve_mixesSourcesPerSetting() {
        let settings = CLISettings.resolve(flags: .init(stateDirectory: "flag-state"), environment: ["ALMANAC_BROKERS": "env:9092"],
                                           file: .init(kafkaConfig: "file.properties"))
        #expect(settings == CLISettings(brokers: "env:9092", brokersSource: .environment, kafkaConfig: "file.properties",
                                        topicPrefix: "almanac.", stateDirectory: "flag-state"))
    }

    @Test func filePath_prefersAlmanacConfig_thenXDG_thenHome() {
        func path(_ environment: [String: String]) -> String? {
            CLISettings.filePath(environment: environment).map { "\($0.path) \($0.explicit)" }
        }
        #expect(path(["ALMANAC_CONFIG": "/etc/a.conf", "HOME": "/h"]) == "/etc/a.conf true")
        #expect(path(["XDG_CONFIG_HOME": "/x", "HOME": "/h"]) == "/x/almanac/config false")
        #expect(path(["HOME": "/h"]) == "/h/.config/almanac/config false")
        #expect(path([:]) == nil)
    }

    @Test func parseFile_readsKeysCommentsAndBlankLines() throws {
        let text = "# almanac\n\nbrokers = kafka-1:9092,kafka-2:9092\n  kafka-config=/etc/almanac/client.properties  \ntopic-prefix = prod.\nstate-directory = /var/lib/almanac\n"
        #expect(try CLISettingsFile.parse(text, path: "c") == CLISettings.Values(
            brokers: "kafka-1:9092,kafka-2:9092", kafkaConfig: "/etc/almanac/client.properties", topicPrefix: "prod.", stateDirectory: "/var/lib/almanac"))
    }

    @Test(arguments: [
        ("brokers kafka:9092", #"c:1: expected key = value, got "brokers kafka:9092""#),
        ("# x\nbroker = k:9092", #"c:2: unknown key "broker"; did you mean "brokers"? (keys: brokers, kafka-config, state-directory, topic-prefix)"#),
        ("brokers =", "c:1: brokers has no value"),
        ("brokers = a\nbrokers = b", "c:2: brokers is set twice"),
    ])
    func parseFile_whenALineIsBad_namesFileLineAndReason(text: String, message: String) {
        #expect(throws: CLISettingsFile.ParseError.self) { try CLISettingsFile.parse(text, path: "c") }
        do { _ = try CLISettingsFile.parse(text, path: "c") } catch { #expect("\(error)" == message) }
    }
}
