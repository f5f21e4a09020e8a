import Foundation

/// Who may change things: with an admin token configured, a request must carry it (API:
/// `Authorization: Bearer <token>`; panel: the login cookie); without one the server listens on
/// loopback only and every local request may.
public struct AdminAuth: Sendable {
    /// `ALMANAC_ADMIN_TOKEN`, or `nil`.
    public var token: String?
    /// The panel's cookie name.
    static let cookie = "almanac_admin"

    public init(token: String?) {
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Checks an `Authorization` header value.
    /// - Throws: ``APIError`` 401 when the token is missing or not a bearer token, 403 when wrong.
    func check(authorization: String?) throws(APIError) {
        guard let token else { return }
        guard let header = authorization, !header.isEmpty else {
            throw APIError(.unauthorized, "missing admin token: send Authorization: Bearer $ALMANAC_ADMIN_TOKEN", field: "Authorization")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError(.unauthorized, "Authorization must be \"Bearer <token>\"", field: "Authorization")
        }
        guard Self.constantTimeEqual(String(parts[1]).trimmingCharacters(in: .whitespaces), token) else {
            throw APIError(.forbidden, "wrong admin token", field: "Authorization")
        }
    }

    /// Whether the panel's cookie (or a form's `token` field) grants changes.
    func allows(panelToken: String?) -> Bool {
        guard let token else { return true }
        return panelToken.map { Self.constantTimeEqual($0, token) } ?? false
    }

    /// Compares without an early exit on the first differing byte.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
