import AlmanacCore
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// A role a process can run (docs/design.md §1). Any mix per process.
public enum AlmanacRole: String, CaseIterable, Sendable {
    /// `http` (admin API, panel, metrics) is served by a ``RoleExtension`` that the process adds
    /// (the `almanac` CLI adds AlmanacHTTP's); like the ticker and worker it reads its
    /// process's projection, so it brings the projector along.
    case projector, ticker, worker, http

    /// Parses `projector,ticker,worker,http` (or `all`, or `none`).
    /// - Throws: `ConfigError` naming an unknown role.
    public static func parseList(_ text: String) throws -> Set<AlmanacRole> {
        if text == "all" { return Set(allCases) }
        if text == "none" || text.isEmpty { return [] }
        var roles = Set<AlmanacRole>()
        for name in text.split(separator: ",") {
            guard let role = AlmanacRole(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigError(field: "--roles", reason: "unknown role \"\(name)\" (known: \(allCases.map(\.rawValue).joined(separator: ", ")), all, none)")
            }
            roles.insert(role)
        }
        return roles
    }
}

/// What a ``RoleExtension`` gets to build its services: the process's projection and clients.
public struct RoleContext: Sendable {
    public let roles: Set<AlmanacRole>
    public let store: ProjectionStore
    public let projector: ProjectorService
    public let kafka: KafkaConfiguration
    public let publisher: EventPublisher
    public let clock: any WallClock
    public let logger: Logger
    /// Called by a role that serves something (http) with its URL once it listens.
    public let announce: @Sendable (_ role: AlmanacRole, _ url: String) -> Void
}

/// A role implemented outside the Almanac library (the `http` role lives in AlmanacHTTP so that
/// job-handler authors who link Almanac do not pull in an HTTP server).
///
/// ```swift
/// var options = RoleSet.Options()
/// options.extensions = [HTTPRole(configuration: http)]
/// ```
public protocol RoleExtension: Sendable {
    /// The role this extension serves; its services are built only when the role is asked for.
    var role: AlmanacRole { get }
    /// The services of the role, in start order.
    /// - Throws: configuration or client-creation errors (the process does not start).
    func services(in context: RoleContext) throws -> [ServiceGroupConfiguration.ServiceConfiguration]
}

/// The services of a set of roles, wired to one projection. The ticker, worker and http roles
/// need the projection, so asking for any of them brings the projector along.
public struct RoleSet {
    public struct Options: Sendable {
        public var roles: Set<AlmanacRole> = Set(AlmanacRole.allCases)
        /// Where a ticker of a new cluster starts; `nil` = the clock's current minute.
        public var tickerStart: Date?
        /// The ticker stops after this minute (dev `--run-for`).
        public var lastMinute: Date?
        /// Clock seconds the ticker waits after each boundary for late control events.
        public var tickDelay: Double = 1
        /// Ticker leader election; `nil` ticks unconditionally.
        public var tickerGroup: String? = "almanac-ticker"
        /// Whether the ticker writes each batch of minutes in one Kafka transaction.
        public var tickerTransactions: TickerTransactionMode = .auto
        public var worker = WorkerService.Options()
        public var pricing = PricingSchedule([.standard])
        /// When the projector loads and writes snapshots; processes whose projection folds only
        /// part of the log (worker, ticker) never write them.
        public var snapshots = ProjectorService.SnapshotOptions()
        /// Roles implemented outside this library (e.g. AlmanacHTTP's `http`).
        public var extensions: [any RoleExtension] = []
        /// Receives the URL of a role that serves something (see ``RoleContext/announce``).
        public var announce: @Sendable (AlmanacRole, String) -> Void = { _, _ in }
        public init() {}
    }

    public let store: ProjectionStore
    public var projector: ProjectorService?
    public var ticker: TickerService?
    public var worker: WorkerService?
    /// Services of ``Options/extensions`` whose role was asked for.
    public var extensionServices: [ServiceGroupConfiguration.ServiceConfiguration] = []

    public init(kafka: KafkaConfiguration, publisher: EventPublisher, clock: any WallClock, options: Options, logger: Logger) throws {
        store = ProjectionStore()
        let needsProjection = !options.roles.isEmpty
        guard needsProjection else { return }
        var projector = try ProjectorService(store: store, kafka: kafka, publisher: publisher, topics: publisher.topics, clock: clock, logger: logger)
        projector.snapshots = options.snapshots
        // Workers and tickers need less of the log than the projector role or the http role.
        if options.roles.isSubset(of: [.worker, .ticker]) {
            projector.foldsTicks = options.roles.contains(.ticker)
            projector.foldsExecutions = false
            projector.snapshots.write = false
        }
        self.projector = projector
        if options.roles.contains(.ticker) {
            var ticker = TickerService(store: store, projector: projector, publisher: publisher, clock: clock, logger: logger, tickDelay: options.tickDelay)
            ticker.startMinute = options.tickerStart
            ticker.lastMinute = options.lastMinute
            ticker.election = options.tickerGroup.map { TickerService.Election(kafka: kafka, groupID: $0) }
            ticker.transactions = TickerTransactions(
                mode: options.tickerTransactions, kafka: kafka,
                transactionalID: "\(publisher.topics.prefix)ticker.\(options.tickerGroup ?? "single")")
            self.ticker = ticker
        }
        if options.roles.contains(.worker) {
            worker = WorkerService(kafka: kafka, store: store, publisher: publisher, topics: publisher.topics,
                                   runner: ProcessRunner(clock: clock), pricing: options.pricing, clock: clock,
                                   logger: logger, options: options.worker)
        }
        let context = RoleContext(roles: options.roles, store: store, projector: projector, kafka: kafka, publisher: publisher,
                                  clock: clock, logger: logger, announce: options.announce)
        for roleExtension in options.extensions where options.roles.contains(roleExtension.role) {
            extensionServices += try roleExtension.services(in: context)
        }
    }

    /// Service configurations in start order (projector first). The ticker's return (after
    /// `lastMinute`) does not end the group.
    public var services: [ServiceGroupConfiguration.ServiceConfiguration] {
        var result: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let projector { result.append(.init(service: projector)) }
        if let worker { result.append(.init(service: worker)) }
        if let ticker { result.append(.init(service: ticker, successTerminationBehavior: .ignore)) }
        return result + extensionServices
    }
}
