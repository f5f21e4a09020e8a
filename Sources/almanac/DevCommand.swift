import Almanac
import AlmanacCore
import ArgumentParser
import Foundation

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run every role on an embedded Kafka with the example apps.",
        discussion: """
            Prints one line per trigger, completion, skip and charge, and a summary at exit. The http role
            serves the admin panel and API (default http://127.0.0.1:8080/; --http-port 0 picks a free port);
            its URL is printed and written to <state-directory>/dev.json as httpURL.
            Example: almanac dev --apps examples/apps --start 2026-03-02T07:55:00-05:00 --speed 120 --run-for 3h
            """)

    @Option(help: "Folder (or file) of app definitions (YAML or JSON).")
    var apps: String = "examples/apps"

    @Option(help: "Simulated start instant (RFC 3339), e.g. 2026-03-02T07:55:00-05:00. Default: now.")
    var start: String?

    @Option(help: "Simulated seconds per real second.")
    var speed: Double = 1

    @Option(help: "Simulated time to run (90m, 3h, 2d), then print the summary and exit. Default: until Ctrl-C.")
    var runFor: String?

    @Option(help: "Use this Kafka cluster instead of the embedded one.")
    var brokers: String?

    @Option(help: "Write every message of every topic as JSON lines to this file.")
    var export: String?

    @Option(help: "Folder for dev state (dev.json, dev.brokers) and the jobs' outputs (<folder>/out/<app>, ALMANAC_OUTPUT_DIR). Default: $ALMANAC_STATE_DIR, the settings file's `state-directory`, else .almanac")
    var stateDirectory: String?

    @Option(help: "Where the worker finds each app's code: <root>/<app id>/, or <root> itself when that folder does not exist. Default: the folder of --apps.")
    var appsRoot: String?

    @Option(help: "Roles to run in this process (projector,ticker,worker,http, all or none). With none, other processes run them with `almanac run`.")
    var roles: String = "all"

    @OptionGroup var http: HTTPOptions

    @Flag(inversion: .prefixedNo, help: "With --run-for: wait until every trigger has finished before exiting.")
    var waitForRuns = true

    @Option(help: "Pricing file (YAML or JSON list of versions, docs/billing.md). Default: ops/pricing.yaml if present, else the built-in standard table.")
    var pricing: String?

    @Flag(help: "Print only the summary, not one line per event.")
    var quiet = false

    @Flag(help: "Log debug output to stderr.")
    var verbose = false

    func validate() throws {
        if let start, RFC3339.parse(start) == nil { throw ValidationError("--start \"\(start)\" is not an RFC 3339 instant (e.g. 2026-03-02T07:55:00-05:00)") }
        if let runFor, parseDuration(runFor) == nil { throw ValidationError("--run-for \"\(runFor)\" is not a duration (e.g. 90m, 3h)") }
        if speed <= 0 { throw ValidationError("--speed must be positive") }
    }

    func run() async throws {
        let logger = makeLogger("almanac.dev", verbose: verbose)
        var options = DevSession.Options()
        options.appsPath = apps
        options.appsRoot = appsRoot
        options.start = start.flatMap(RFC3339.parse)
        options.speed = speed
        options.runFor = runFor.flatMap(parseDuration)
        options.brokers = brokers
        options.exportPath = export
        let environment = ProcessInfo.processInfo.environment
        options.stateDirectory = CLISettings.resolve(flags: .init(stateDirectory: stateDirectory), environment: environment,
                                                     file: try SettingsFileReader.read(environment: environment)).stateDirectory
        options.printEvents = !quiet
        options.waitForRuns = waitForRuns
        do { options.roles = try AlmanacRole.parseList(roles) } catch { throw InputError(description: "\(error)") }
        options.pricing = try loadPricing(pricing)
        if options.roles.contains(.http) {
            var configuration = try http.configuration()
            if configuration.adminToken == nil, configuration.tokenFile == nil {
                configuration.adminToken = try DevToken.create(in: options.stateDirectory)
                print("No ALMANAC_ADMIN_TOKEN or --token-file: a new admin token for the panel and API is in \(options.stateDirectory)/\(DevToken.fileName)")
            }
            options.extensions = [http.role(configuration)]
        }
        let summary = try await DevSession(options: options, logger: logger).run()
        print(summary.render())
    }
}
