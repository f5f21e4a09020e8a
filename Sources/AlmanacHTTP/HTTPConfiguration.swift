import Foundation

/// Settings of the `http` role (`--http-address`, `--http-port`, `--token-file`, `--tls-cert`,
/// `--tls-key`, `--metrics-address`, `--secure-cookies`, `ALMANAC_ADMIN_TOKEN`).
public struct HTTPConfiguration: Sendable {
    /// Address to listen on. Default `127.0.0.1`; `0.0.0.0` (or `::`) listens on every
    /// interface. Every route but `/healthz` and `/readyz` needs a token whatever it is.
    public var address: String
    /// TCP port; 0 picks a free one (the URL is announced once listening). Default 8080.
    public var port: Int = 8080
    /// `ALMANAC_ADMIN_TOKEN`: an admin principal named `admin`; `nil` or empty = none.
    public var adminToken: String?
    /// The token file (``TokenFile``), or `nil`.
    public var tokenFile: String?
    /// PEM certificate chain and private key: serve HTTPS instead of HTTP. Both or neither.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// A second listener (`host:port`) serving `/metrics` without a token, for a scraper on a
    /// network the operator controls; `nil` = none (`/metrics` needs a token on the main port).
    public var metricsAddress: (host: String, port: Int)?
    /// Whether the panel's cookie is marked Secure. Always with TLS; set it when a reverse proxy
    /// terminates TLS in front of the role.
    public var secureCookies = false

    public init(address: String? = nil, port: Int = 8080, adminToken: String? = nil, tokenFile: String? = nil) {
        self.address = address ?? "127.0.0.1"
        self.port = port
        self.adminToken = adminToken.flatMap { $0.isEmpty ? nil : $0 }
        self.tokenFile = tokenFile
    }

    /// Whether the role serves HTTPS.
    public var usesTLS: Bool { tlsCertificate != nil }

    /// `http://host:port` or `https://…` for the address actually bound (IPv6 in brackets).
    public func url(boundPort: Int) -> String {
        let host = address.contains(":") ? "[\(address)]" : address
        return "\(usesTLS ? "https" : "http")://\(host):\(boundPort)"
    }

    /// Parses `host:port` (`[::1]:9100` for IPv6) of `--metrics-address`.
    /// - Throws: ``HTTPConfigurationError`` naming the option.
    public static func parseAddress(_ text: String, option: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw HTTPConfigurationError("\(option) must be host:port (e.g. 127.0.0.1:9100), not \"\(text)\"")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw HTTPConfigurationError("\(option) needs a host before the port, e.g. 127.0.0.1:\(port)") }
        return (host, port)
    }
}

/// A setting of the `http` role that cannot be used; the process does not start.
public struct HTTPConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
