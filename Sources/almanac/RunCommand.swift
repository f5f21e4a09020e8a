import Almanac
import AlmanacCore
import ArgumentParser
import Foundation
import Kafka
import ServiceLifecycle

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run roles (projector, ticker, worker, http) against a Kafka cluster until SIGTERM/SIGINT.",
        discussion: """
            Run several processes to scale workers; run two tickers for failover (they elect a leader
            through the consumer group --ticker-group). Against a running `almanac dev` broker, the
            dev's simulated clock is used.
            The http role (admin panel, /v1 API, /metrics, /healthz, /readyz) reads this process's projection;
            every route but /healthz and /readyz needs a token (`Authorization: Bearer …`, or a panel login):
            ALMANAC_ADMIN_TOKEN (an admin) and/or --token-file (admin, per-account and metrics tokens).
            Example: almanac run --roles ticker,worker --brokers kafka-1:9092,kafka-2:9092 --kafka-config client.properties
            Example: almanac run --roles projector,http --http-address 0.0.0.0 --token-file /etc/almanac/tokens.yaml --tls-cert cert.pem --tls-key key.pem --brokers kafka-1:9092
            """)

    @Option(help: "Comma-separated roles: projector, ticker, worker, http (or all).")
    var roles: String = "all"

    @OptionGroup var broker: BrokerOptions

    @OptionGroup var http: HTTPOptions

    @Option(help: "Pricing file (YAML or JSON list of versions, docs/billing.md). Default: ops/pricing.yaml if present, else the built-in standard table.")
    var pricing: String?

    @Option(help: "Consumer group the tickers elect their leader in.")
    var tickerGroup: String = "almanac-ticker"

    @Option(help: "Write each batch of minutes in one Kafka transaction: auto (if the cluster supports transactions), always, never.")
    var tickerTransactions: TickerTransactionMode = .auto

    @Option(help: "Maximum concurrent process runs of this worker.")
    var maxConcurrentRuns: Int = 64

    @Option(help: "Maximum concurrent in-process handler runs of this worker (apart from the process runs).")
    var maxConcurrentHandlerRuns: Int = 4096

    @Option(help: "Maximum concurrent runs per account in this worker.")
    var maxConcurrentRunsPerAccount: Int = 8

    @Option(help: "Where this worker finds each app's code: <root>/<app id>/ (or <root> itself when that folder does not exist); relative commands and working directories resolve there. Default: the apps root of the `almanac dev` whose broker this is, else none (relative commands cannot start).")
    var appsRoot: String?

    @Option(help: "Write a projection snapshot after this many messages read since the last (0: never by count; docs/snapshots.md).")
    var snapshotEveryMessages: Int = 100_000

    @Option(help: "Write a projection snapshot when this much real time has passed since the last and anything was read (e.g. 10m; 0: never by time).")
    var snapshotInterval: String = "10m"

    @Flag(inversion: .prefixedNo, help: "Start the projection from the newest usable snapshot (--no-snapshot-load: replay from the beginning).")
    var snapshotLoad = true

    @Flag(inversion: .prefixedNo, help: "Write projection snapshots (--no-snapshot-write: only load them).")
    var snapshotWrite = true

    @Flag(help: "Log debug output to stderr.")
    var verbose = false

    func validate() throws {
        if snapshotEveryMessages < 0 { throw ValidationError("--snapshot-every-messages must be 0 or more, not \(snapshotEveryMessages)") }
        if parseDuration(snapshotInterval) == nil { throw ValidationError("--snapshot-interval \"\(snapshotInterval)\" is not a duration (e.g. 10m, 1h, 0)") }
    }

    func run() async throws {
        let roleSet: Set<AlmanacRole>
        do { roleSet = try AlmanacRole.parseList(roles) } catch { throw InputError(description: "\(error)") }
        let prices = try loadPricing(pricing)   // refused before connecting (exit 2)
        let (kafka, dev) = try broker.resolve()
        let logger = makeLogger("almanac.run", verbose: verbose)
        let clock: any WallClock = dev?.clock ?? SystemWallClock()
        let topics = AlmanacTopics(prefix: broker.topicPrefix)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "almanac/\(roles)")
        var options = RoleSet.Options()
        options.roles = roleSet
        options.tickerGroup = tickerGroup
        options.tickerTransactions = tickerTransactions
        options.tickDelay = TickerService.tickDelay(speed: 1 / clock.realSecondsPerSecond)
        options.worker.maxConcurrentRuns = maxConcurrentRuns
        options.worker.maxConcurrentHandlerRuns = maxConcurrentHandlerRuns
        options.worker.maxConcurrentRunsPerAccount = maxConcurrentRunsPerAccount
        options.worker.directories = JobDirectories(appsRoot: appsRoot ?? dev?.appsRoot,
                                                    outputRoot: (broker.stateDirectory as NSString).appendingPathComponent("out"))
        options.pricing = prices
        options.snapshots.load = snapshotLoad
        options.snapshots.write = snapshotWrite
        options.snapshots.everyMessages = snapshotEveryMessages
        let interval = parseDuration(snapshotInterval) ?? 0
        options.snapshots.interval = interval > 0 ? .milliseconds(Int64(interval * 1000)) : nil
        if roleSet.contains(.http) { options.extensions = [http.role(try http.configuration())] }
        options.announce = { role, url in FileHandle.standardError.write(Data("almanac run: \(role.rawValue) listening on \(url)/\n".utf8)) }
        let set = try RoleSet(kafka: kafka, publisher: publisher, clock: clock, options: options, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: set.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        FileHandle.standardError.write(Data("almanac run: \(roleSet.map(\.rawValue).sorted().joined(separator: ",")) on \(kafka.bootstrapServers)\n".utf8))
        try await group.run()
        await producer.shutdown()
    }
}

extension TickerTransactionMode: ExpressibleByArgument {}
