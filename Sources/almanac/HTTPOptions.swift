import AlmanacHTTP
import ArgumentParser
import Foundation

/// `--http-address` and `--http-port` of the `http` role; the admin token comes from the
/// environment (`ALMANAC_ADMIN_TOKEN`) so it never shows in `ps`.
struct HTTPOptions: ParsableArguments {
    @Option(help: "Address the http role listens on. Default: 0.0.0.0 with ALMANAC_ADMIN_TOKEN set, else 127.0.0.1 (without a token only loopback is allowed).")
    var httpAddress: String?

    @Option(help: "Port of the http role (admin panel, /v1 API, /metrics); 0 picks a free one.")
    var httpPort: Int = 8080

    func validate() throws {
        guard (0...65535).contains(httpPort) else { throw ValidationError("--http-port must be 0-65535, not \(httpPort)") }
    }

    /// The role, with Prometheus bootstrapped as the process's metrics backend.
    func role() -> HTTPRole {
        let token = ProcessInfo.processInfo.environment["ALMANAC_ADMIN_TOKEN"]
        return HTTPRole(configuration: HTTPConfiguration(address: httpAddress, port: httpPort, adminToken: token),
                        registry: PrometheusExport.bootstrap())
    }
}
