import Almanac
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// The `http` role (DESIGN.md §1): the `/v1` JSON API, the admin panel at `/`, `/metrics`,
/// `/healthz` and `/readyz`, served by Hummingbird from the projection of the projector in the
/// same process. Add it to ``RoleSet/Options/extensions`` (the `almanac` CLI does):
///
/// ```swift
/// let registry = PrometheusExport.bootstrap()
/// options.extensions = [HTTPRole(configuration: HTTPConfiguration(port: 8080, adminToken: token), registry: registry)]
/// ```
///
/// Its services: a ``LedgerService`` (charges and dlq), the readiness wait, the lag probe and
/// the server. Once listening it announces its URL through ``RoleContext/announce``.
public struct HTTPRole: RoleExtension {
    public var configuration: HTTPConfiguration
    public var registry: PrometheusCollectorRegistry
    public var role: AlmanacRole { .http }

    public init(configuration: HTTPConfiguration, registry: PrometheusCollectorRegistry) {
        self.configuration = configuration
        self.registry = registry
    }

    public func services(in context: RoleContext) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let ledger = LedgerStore()
        let readiness = ReadinessLatch()
        let backend = KafkaOperatorBackend(store: context.store, ledgerStore: ledger, readiness: readiness,
                                           clock: context.clock, publisher: context.publisher,
                                           runLog: RunLogReader(kafka: context.kafka, topics: context.publisher.topics, logger: context.logger))
        let router = Self.router(backend: backend, auth: AdminAuth(token: configuration.adminToken), registry: registry)
        let (host, notice) = configuration.binding
        var logger = context.logger
        logger[metadataKey: "role"] = "http"
        if let notice { logger.notice("\(notice)") }
        let announce = context.announce
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "almanac"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let shown = host == "0.0.0.0" ? "127.0.0.1" : (host.contains(":") ? "[\(host)]" : host)
                announce(.http, "http://\(shown):\(port)")
            },
            logger: logger)
        return [
            .init(service: try LedgerService(store: ledger, kafka: context.kafka, topics: context.publisher.topics, logger: logger)),
            .init(service: ReadinessService(latch: readiness, projector: context.projector, store: context.store, logger: logger),
                  successTerminationBehavior: .ignore),
            .init(service: try ConsumerLagProbe(store: context.store, projector: context.projector, kafka: context.kafka,
                                                topics: context.publisher.topics, logger: logger)),
            .init(service: app),
        ]
    }

    /// The whole router: API, probes, panel, with JSON errors for unknown paths.
    public static func router(backend: any OperatorBackend, auth: AdminAuth, registry: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        APIRoutes(backend: backend, auth: auth).add(to: router)
        ProbeRoutes(backend: backend, registry: registry).add(to: router)
        PanelRoutes(backend: backend, auth: auth).add(to: router)
        return router
    }
}
