import Almanac
import AlmanacCore
import Foundation
import Hummingbird
import HummingbirdAuth
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// The `http` role (docs/design.md §1): the `/v1` JSON API, the admin panel at `/`, `/metrics`,
/// `/healthz` and `/readyz`, served by Hummingbird from the projection of the projector in the
/// same process. Add it to ``RoleSet/Options/extensions`` (the `almanac` CLI does):
///
/// ```swift
/// let registry = PrometheusExport.bootstrap()
/// var http = HTTPConfiguration(port: 8080, tokenFile: "/etc/almanac/tokens.yaml")
/// options.extensions = [HTTPRole(configuration: http, registry: registry)]
/// ```
///
/// Every route but `/healthz` and `/readyz` needs a principal (``PrincipalDirectory``): the
/// API and `/metrics` a bearer token, the panel a session opened with a token. The role does not
/// start without any principal, nor with a token file that does not parse.
///
/// Its services: a ``LedgerService`` (charges and dlq), the readiness wait, the lag probe, the
/// session store, the token file's SIGHUP reload and the server(s). Once listening it announces
/// its URL (the address actually bound) through ``RoleContext/announce``.
public struct HTTPRole: RoleExtension {
    public var configuration: HTTPConfiguration
    public var registry: PrometheusCollectorRegistry
    public var role: AlmanacRole { .http }

    public init(configuration: HTTPConfiguration, registry: PrometheusCollectorRegistry) {
        self.configuration = configuration
        self.registry = registry
    }

    public func services(in context: RoleContext) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var logger = context.logger
        logger[metadataKey: "role"] = "http"
        let directory = try PrincipalDirectory(path: configuration.tokenFile, adminToken: configuration.adminToken, logger: logger)
        guard !directory.isEmpty else {
            throw HTTPConfigurationError("the http role needs at least one token: set ALMANAC_ADMIN_TOKEN or pass --token-file "
                                         + "(`almanac token create` makes one)")
        }
        let ledger = LedgerStore()
        let readiness = ReadinessLatch()
        let backend = KafkaOperatorBackend(store: context.store, ledgerStore: ledger, readiness: readiness,
                                           clock: context.clock, publisher: context.publisher,
                                           runLog: RunLogReader(kafka: context.kafka, topics: context.publisher.topics, logger: context.logger))
        let persist = MemoryPersistDriver()
        let secure = configuration.secureCookies || configuration.usesTLS
        let router = Self.router(backend: backend, directory: directory, registry: registry,
                                 sessions: PanelRoutes.sessionStorage(persist: persist, secureCookies: secure), tls: configuration.usesTLS)
        var server = HTTPServerBuilder.http1()
        if let certificate = configuration.tlsCertificate {
            server = try HTTPServerBuilder.tls(.http1(), tlsConfiguration: Self.tlsConfiguration(certificate: certificate, key: configuration.tlsKey ?? ""))
        }
        let announce = context.announce
        let settings = configuration
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(settings.address, port: settings.port), serverName: "almanac"),
            onServerRunning: { channel in
                announce(.http, settings.url(boundPort: channel.localAddress?.port ?? 0))
            },
            logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: try LedgerService(store: ledger, kafka: context.kafka, topics: context.publisher.topics, logger: logger)),
            .init(service: ReadinessService(latch: readiness, projector: context.projector, store: context.store, logger: logger),
                  successTerminationBehavior: .ignore),
            .init(service: try ConsumerLagProbe(store: context.store, projector: context.projector, kafka: context.kafka,
                                                topics: context.publisher.topics, logger: logger)),
            .init(service: persist),
            .init(service: TokenReloadService(directory: directory, logger: logger)),
            .init(service: app),
        ]
        if let metrics = configuration.metricsAddress {
            let metricsRouter = Router(context: BasicRequestContext.self)
            ProbeRoutes(backend: backend, registry: registry).addOpenMetrics(to: metricsRouter)
            logger.notice("serving /metrics without a token on \(metrics.host):\(metrics.port)")
            services.append(.init(service: Application(router: metricsRouter,
                                                       configuration: .init(address: .hostname(metrics.host, port: metrics.port),
                                                                            serverName: "almanac-metrics"),
                                                       logger: logger)))
        }
        return services
    }

    /// The whole router: security headers, JSON errors, probes, API, `/metrics`, panel.
    static func router(backend: any OperatorBackend, directory: PrincipalDirectory, registry: PrometheusCollectorRegistry,
                       sessions: SessionStorage<PanelSession>, tls: Bool = false,
                       throttle: LoginThrottleBox = LoginThrottleBox()) -> Router<AlmanacRequestContext> {
        let router = Router(context: AlmanacRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: SecurityHeadersMiddleware(tls: tls))
        router.add(middleware: JSONErrorMiddleware())
        let probes = ProbeRoutes(backend: backend, registry: registry)
        probes.add(to: router)
        probes.addMetrics(to: router, authenticator: TokenAuthenticator(directory: directory, throttle: throttle))
        APIRoutes(backend: backend, directory: directory, throttle: throttle).add(to: router)
        PanelRoutes(backend: backend, directory: directory, throttle: throttle, sessions: sessions).add(to: router)
        return router
    }

    /// A server TLS configuration from PEM files.
    /// - Throws: ``HTTPConfigurationError`` naming the file that cannot be read.
    static func tlsConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificate) } catch {
            throw HTTPConfigurationError("--tls-cert \(certificate): not a readable PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else { throw HTTPConfigurationError("--tls-cert \(certificate): no certificate in the file") }
        let privateKey: NIOSSLPrivateKey
        do { privateKey = try NIOSSLPrivateKey(file: key, format: .pem) } catch {
            throw HTTPConfigurationError("--tls-key \(key): not a readable PEM private key (\(error))")
        }
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
    }
}
