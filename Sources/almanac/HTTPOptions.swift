import AlmanacHTTP
import ArgumentParser
import Foundation

/// The `http` role's options. Tokens never appear on the command line (where `ps` shows them):
/// `ALMANAC_ADMIN_TOKEN` in the environment, or token digests in `--token-file`.
struct HTTPOptions: ParsableArguments {
    @Option(help: "Address the http role listens on: 127.0.0.1 (default), 0.0.0.0 for every interface. Every route but /healthz and /readyz needs a token.")
    var httpAddress: String?

    @Option(help: "Port of the http role (admin panel, /v1 API, /metrics); 0 picks a free one.")
    var httpPort: Int = 8080

    @Option(help: "Token file (YAML: name, role admin|account|metrics, accounts, apps, sha256 of the token); reloaded on change and on SIGHUP. `almanac token create` adds one.")
    var tokenFile: String?

    @Option(help: "PEM certificate chain: serve HTTPS (with --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "host:port of a second listener that serves /metrics without a token (e.g. 127.0.0.1:9100); without it /metrics needs an admin or metrics token.")
    var metricsAddress: String?

    @Flag(help: "Mark the panel's session cookie Secure without --tls-cert (a reverse proxy terminates TLS in front of Almanac).")
    var secureCookies = false

    func validate() throws {
        guard (0...65535).contains(httpPort) else { throw ValidationError("--http-port must be 0-65535, not \(httpPort)") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        if let metricsAddress {
            do { _ = try HTTPConfiguration.parseAddress(metricsAddress, option: "--metrics-address") } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    /// The role's configuration; `adminToken` defaults to `ALMANAC_ADMIN_TOKEN`.
    func configuration(adminToken: String? = ProcessInfo.processInfo.environment["ALMANAC_ADMIN_TOKEN"]) throws -> HTTPConfiguration {
        var configuration = HTTPConfiguration(address: httpAddress, port: httpPort, adminToken: adminToken, tokenFile: tokenFile)
        configuration.tlsCertificate = tlsCert
        configuration.tlsKey = tlsKey
        configuration.metricsAddress = try metricsAddress.map { try HTTPConfiguration.parseAddress($0, option: "--metrics-address") }
        configuration.secureCookies = secureCookies
        return configuration
    }

    /// The role, with Prometheus bootstrapped as the process's metrics backend.
    func role(_ configuration: HTTPConfiguration) -> HTTPRole {
        HTTPRole(configuration: configuration, registry: PrometheusExport.bootstrap())
    }
}
