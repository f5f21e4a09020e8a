import AlmanacCore
import Hummingbird
import HummingbirdAuth
import NIOCore

/// What a panel session remembers (server side, in memory; the cookie holds only a random id):
/// the digest of the token it logged in with — so removing the token from the token file ends
/// the session at its next request — and the CSRF token its forms must echo.
public struct PanelSession: Codable, Sendable, Equatable {
    public var tokenDigest: String
    public var csrf: String
}

/// The request context of every route: the authenticated ``Principal`` (`identity`, set by
/// ``TokenAuthenticator`` or the panel's session authenticator), the panel session, and the
/// client's address for ``LoginThrottle``.
public struct AlmanacRequestContext: AuthRequestContext, SessionRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Principal?
    public let sessions: SessionContext<PanelSession>
    /// The peer's IP address as the socket reports it ("unknown" when it has none). Behind a
    /// reverse proxy this is the proxy (README, "Security").
    public let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        sessions = .init()
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The principal, or a 401 naming what to send.
    func principal() throws(APIError) -> Principal {
        guard let identity else { throw APIError.unauthenticated }
        return identity
    }
}
