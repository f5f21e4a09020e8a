import AlmanacCore
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// `almanac dev`: every role in one process, on the embedded broker (or `--brokers`), with the
/// example apps applied and an optional simulated clock.
public struct DevSession {
    public struct Options: Sendable {
        public var appsPath = "examples/apps"
        /// The worker's apps root (``JobDirectories``); nil: the folder of `appsPath` (the folder
        /// itself, or a file's folder), so the examples' relative commands run as written.
        public var appsRoot: String?
        /// Simulated start; `nil` = now.
        public var start: Date?
        /// Simulated seconds per real second.
        public var speed: Double = 1
        /// Simulated run time in seconds; `nil` = until Ctrl-C.
        public var runFor: Double?
        public var brokers: String?
        public var kafkaProperties: [String: String] = [:]
        public var exportPath: String?
        public var stateDirectory = ".almanac"
        public var printEvents = true
        public var topicPrefix = "almanac."
        public var maxConcurrentRuns = 64
        /// Roles run in this process; `[]` runs only the broker, the app files and the event log
        /// (other processes run roles with `almanac run`).
        public var roles: Set<AlmanacRole> = Set(AlmanacRole.allCases)
        /// Prices of the worker's charges (`--pricing`); default the built-in standard table.
        public var pricing = PricingSchedule([.standard])
        /// With `runFor`: before exiting, wait (up to 2 min) until every trigger seen has finished.
        public var waitForRuns = true
        /// Roles implemented outside this library (the CLI adds AlmanacHTTP's `http`).
        public var extensions: [any RoleExtension] = []
        public init() {}
    }

    let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Runs until `runFor` simulated time has passed and every trigger is finished, or until SIGINT/SIGTERM.
    /// - Returns: the summary of what ran.
    /// - Throws: Kafka start-up failures.
    public func run() async throws -> RunSummary {
        let topics = AlmanacTopics(prefix: options.topicPrefix)
        var cluster: EmbeddedKafkaCluster?
        let brokers: String
        if let given = options.brokers {
            brokers = given
            let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: given, properties: options.kafkaProperties), logger: logger)
            try await admin.createTopics(topics.specifications)
        } else {
            let embedded = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
            for spec in topics.specifications { try embedded.createTopic(spec.name, partitions: spec.partitions) }
            cluster = embedded
            brokers = embedded.bootstrapServers
        }
        let kafka = KafkaConfiguration(bootstrapServers: brokers, properties: options.kafkaProperties)
        // Simulated time starts once the worker holds its partitions (a first group join takes seconds).
        let clock = DeferredStartClock(start: options.start ?? Date(), speed: options.speed)
        let stateDirectory = options.stateDirectory
        let prefix = topics.prefix
        let directories = JobDirectories(appsRoot: options.appsRoot ?? Self.folder(of: options.appsPath),
                                         outputRoot: (stateDirectory as NSString).appendingPathComponent("out"))
        var initialState = DevState(brokers: brokers, clock: ScaledWallClock(start: clock.start, speed: clock.speed), topicPrefix: prefix)
        initialState.appsRoot = directories.appsRoot
        let stateFile = try DevStateFile(initialState, directory: stateDirectory)
        say("Almanac dev: Kafka at \(brokers) (\(cluster == nil ? "external" : "embedded")), written to \(options.stateDirectory)/dev.brokers")
        say("Clock starts \(RFC3339.local(clock.start, zone: TimeZone(identifier: AppConfiguration.defaultTimeZone)!)) at \(options.speed)x")

        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "almanac/dev")

        let loaded = AppFileLoader.load(path: options.appsPath)
        for error in loaded.errors {
            FileHandle.standardError.write(Data("almanac: refused app file \(error)\n".utf8))
        }
        let configureTime = clock.start.addingTimeInterval(-1)
        try await publisher.publish(loaded.apps.map { .appConfigured(AppConfigured(config: $0.config)) }, at: configureTime)
        say("Applied \(loaded.apps.count) app(s) from \(options.appsPath)\(loaded.errors.isEmpty ? "" : "; refused \(Set(loaded.errors.compactMap(\.source)).count) file(s)")")

        var roleOptions = RoleSet.Options()
        roleOptions.roles = options.roles
        roleOptions.tickerStart = clock.start
        roleOptions.tickDelay = TickerService.tickDelay(speed: options.speed)
        let end = options.runFor.map { clock.start.addingTimeInterval($0) }
        roleOptions.lastMinute = end.map { TickPlanner.minute(containing: $0.addingTimeInterval(-1)) }
        roleOptions.worker.maxConcurrentRuns = options.maxConcurrentRuns
        roleOptions.worker.directories = directories
        roleOptions.pricing = options.pricing
        roleOptions.extensions = options.extensions
        let announceLogger = logger
        roleOptions.announce = { role, url in
            do { try stateFile.update { $0.httpURL = url } } catch { announceLogger.error("could not write \(stateDirectory)/dev.json: \(error)") }
            FileHandle.standardOutput.write(Data("Panel and API (\(role.rawValue)): \(url)/ (written to \(stateDirectory)/dev.json)\n".utf8))
        }
        var roles = try RoleSet(kafka: kafka, publisher: publisher, clock: clock, options: roleOptions, logger: logger)
        let logger = self.logger
        let begin: @Sendable () -> Void = {
            clock.begin()
            do {
                try stateFile.update { state in
                    let url = state.httpURL
                    state = DevState(brokers: brokers, clock: clock.scaled!, topicPrefix: prefix)
                    state.httpURL = url
                    state.appsRoot = directories.appsRoot
                }
            } catch {
                logger.error("could not write \(stateDirectory)/dev.json: \(error)")
            }
            FileHandle.standardOutput.write(Data("The clock is running.\n".utf8))
        }
        // Simulated time starts once the worker holds its partitions (a first group join takes seconds).
        if roles.worker != nil { roles.worker!.onReady = begin } else { begin() }
        let observer = try EventLogObserver(kafka: kafka, topics: topics, zone: TimeZone(identifier: AppConfiguration.defaultTimeZone)!,
                                            clockSpeed: options.speed, printLines: options.printEvents, exportPath: options.exportPath, logger: logger)

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: observer)] + roles.services
        if let end {
            services.append(.init(service: RunLimit(clock: clock, end: end, lastMinute: roleOptions.lastMinute!,
                                                    waitForTicks: roles.ticker != nil, waitForRuns: options.waitForRuns,
                                                    store: roles.store, observer: observer),
                                  successTerminationBehavior: .gracefullyShutdownGroup))
        }
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(60)
        let group = ServiceGroup(configuration: configuration)
        try await group.run()

        await observer.drain()
        await observer.close()
        await producer.shutdown()
        _ = cluster
        return observer.summary
    }

    /// `path` if it is a folder, else the folder it is in.
    static func folder(of path: String) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return path }
        return (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
    }

    private func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}

/// Returns once simulated time reaches `end` and every trigger seen has finished (or a grace
/// period passed), so `--run-for` ends with nothing in flight.
struct RunLimit: Service {
    let clock: any WallClock
    let end: Date
    let lastMinute: Date
    let waitForTicks: Bool
    /// Wait for every trigger to finish (only meaningful when this process runs a worker).
    let waitForRuns: Bool
    let store: ProjectionStore
    let observer: EventLogObserver

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await waitForEnd() }
        } catch is CancellationError where Task.isShuttingDownGracefully {
            // Ctrl-C before the end: the group is shutting down anyway.
        }
    }

    private func waitForEnd() async throws {
        try await clock.sleep(until: end)
        // The ticker may lag behind a fast simulated clock: wait for its last minute.
        while waitForTicks && (store.state.lastTick ?? .distantPast) < lastMinute {
            try await Task.sleep(for: .milliseconds(50))
        }
        let deadline = ContinuousClock.now + .seconds(120)
        var quietSince: ContinuousClock.Instant?
        while ContinuousClock.now < deadline {
            if !waitForRuns || observer.summary.openTriggers.isEmpty {
                let since = quietSince ?? ContinuousClock.now
                quietSince = since
                if ContinuousClock.now - since > .milliseconds(1500) { return }
            } else {
                quietSince = nil
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
