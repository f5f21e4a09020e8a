/// Settings of the `http` role (`--http-address`, `--http-port`, `ALMANAC_ADMIN_TOKEN`).
public struct HTTPConfiguration: Sendable {
    /// Address to listen on; `nil` = `0.0.0.0` with an admin token, `127.0.0.1` without.
    public var address: String?
    /// TCP port; 0 picks a free one (the URL is announced once listening). Default 8080.
    public var port: Int = 8080
    /// The admin token mutating requests must carry; `nil` or empty = none (loopback only).
    public var adminToken: String?

    public init(address: String? = nil, port: Int = 8080, adminToken: String? = nil) {
        self.address = address
        self.port = port
        self.adminToken = adminToken.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Where to bind and, when it matters, what to log about it. Without an admin token the
    /// server binds to loopback only, whatever `address` asks for.
    public var binding: (host: String, notice: String?) {
        guard adminToken != nil else {
            if let address, !Self.isLoopback(address) {
                return ("127.0.0.1", "no ALMANAC_ADMIN_TOKEN set: serving on loopback only (127.0.0.1), not \(address); set a token to listen on other addresses")
            }
            return (address ?? "127.0.0.1", "no ALMANAC_ADMIN_TOKEN set: serving on loopback only; pause, resume and trigger are open to local users")
        }
        return (address ?? "0.0.0.0", nil)
    }

    /// `127.0.0.0/8`, `::1` and `localhost`.
    public static func isLoopback(_ address: String) -> Bool {
        address == "localhost" || address == "::1" || address == "[::1]" || address.hasPrefix("127.")
    }
}
