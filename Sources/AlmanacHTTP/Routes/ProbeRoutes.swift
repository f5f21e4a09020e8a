import Hummingbird
import Metrics
import Prometheus

/// `/healthz` (the process is up: always 200) and `/readyz` (200 once the projector has caught
/// up, 503 before), open to all (load balancers and orchestrators probe them), and `/metrics`
/// (Prometheus text format 0.0.4), which needs an `admin` or `metrics` principal's bearer token
/// on the main listener (``addMetrics(to:authenticator:)``) and none on the separate metrics
/// listener (`--metrics-address`), whose network reach is the operator's to limit.
struct ProbeRoutes: Sendable {
    let backend: any OperatorBackend
    let registry: PrometheusCollectorRegistry

    func add(to router: Router<AlmanacRequestContext>) {
        router.get("healthz") { _, _ in JSONBody.response(ProbeView(status: "ok")) }
        router.get("readyz") { _, _ in
            backend.isReady
                ? JSONBody.response(ProbeView(status: "ready"))
                : JSONBody.response(ProbeView(status: "catching up"), status: .serviceUnavailable)
        }
    }

    /// `/metrics` behind `authenticator` and a principal that may read metrics.
    func addMetrics(to router: Router<AlmanacRequestContext>, authenticator: TokenAuthenticator) {
        router.group()
            .add(middleware: authenticator)
            .add(middleware: RequirePrincipalMiddleware(what: "read /metrics") { $0.mayReadMetrics })
            .get("metrics") { _, _ in metrics() }
    }

    /// `/metrics` without authentication (the separate metrics listener).
    func addOpenMetrics(to router: Router<BasicRequestContext>) {
        router.get("metrics") { _, _ in metrics() }
    }

    private func metrics() -> Response {
        recordProjectionGauges()
        let bytes = registry.emitToBuffer()
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Gauges read from the projection and ledger at scrape time: `almanac_dlq_messages`,
    /// `almanac_apps`, `almanac_jobs{state="enabled"|"paused"}`, `almanac_ready`.
    private func recordProjectionGauges() {
        let state = backend.state
        Gauge(label: "almanac_dlq_messages").record(backend.ledger.rejectionCount)
        Gauge(label: "almanac_apps").record(state.apps.count)
        var paused = 0, enabled = 0
        for app in state.apps.values {
            for job in app.jobs.values {
                if app.paused != nil || job.paused != nil { paused += 1 } else { enabled += 1 }
            }
        }
        Gauge(label: "almanac_jobs", dimensions: [("state", "enabled")]).record(enabled)
        Gauge(label: "almanac_jobs", dimensions: [("state", "paused")]).record(paused)
        Gauge(label: "almanac_ready").record(backend.isReady ? 1 : 0)
    }
}
