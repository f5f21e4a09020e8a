import AlmanacCore
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// A role a process can run (DESIGN.md §1). Any mix per process.
public enum AlmanacRole: String, CaseIterable, Sendable {
    case projector, ticker, worker

    /// Parses `projector,ticker,worker` (or `all`, or `none`).
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

/// The services of a set of roles, wired to one projection. The ticker and worker need the
/// projection, so asking for either brings the projector along.
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
        public init() {}
    }

    public let store: ProjectionStore
    public var projector: ProjectorService?
    public var ticker: TickerService?
    public var worker: WorkerService?

    public init(kafka: KafkaConfiguration, publisher: EventPublisher, clock: any WallClock, options: Options, logger: Logger) throws {
        store = ProjectionStore()
        let needsProjection = !options.roles.isEmpty
        guard needsProjection else { return }
        let projector = try ProjectorService(store: store, kafka: kafka, publisher: publisher, topics: publisher.topics, clock: clock, logger: logger)
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
    }

    /// Service configurations in start order (projector first). The ticker's return (after
    /// `lastMinute`) does not end the group.
    public var services: [ServiceGroupConfiguration.ServiceConfiguration] {
        var result: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let projector { result.append(.init(service: projector)) }
        if let worker { result.append(.init(service: worker)) }
        if let ticker { result.append(.init(service: ticker, successTerminationBehavior: .ignore)) }
        return result
    }
}
