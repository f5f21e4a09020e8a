import AlmanacCore
import Foundation
import Hummingbird
import HummingbirdAuth
import Synchronization

/// Authenticates `Authorization: Bearer <token>` against the ``PrincipalDirectory``.
///
/// No header: passes on without an identity (a later ``RequirePrincipalMiddleware`` answers 401).
/// A header that is not a bearer token, or an unknown token: 401, counted by the
/// ``LoginThrottleBox``; an address that failed too often gets 429 with `Retry-After` before its
/// token is even looked at.
struct TokenAuthenticator: AuthenticatorMiddleware {
    typealias Context = AlmanacRequestContext
    let directory: PrincipalDirectory
    let throttle: LoginThrottleBox

    func authenticate(request: Request, context: Context) async throws -> Principal? {
        guard let header = request.headers[.authorization] else { return nil }
        try throttle.check(address: context.clientAddress)
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throttle.recordFailure(address: context.clientAddress)
            throw APIError(.unauthorized, "Authorization must be \"Bearer <token>\"", field: "Authorization")
        }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard let principal = directory.principal(forToken: token) else {
            throttle.recordFailure(address: context.clientAddress)
            throw APIError(.unauthorized, "unknown token", field: "Authorization")
        }
        throttle.recordSuccess(address: context.clientAddress)
        return principal
    }
}

/// Lets a request through only with a principal that `allows` accepts: 401 without one, 403
/// naming the principal and what it may not do otherwise.
struct RequirePrincipalMiddleware: RouterMiddleware {
    typealias Context = AlmanacRequestContext
    let what: String
    let allows: @Sendable (Principal) -> Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let principal = try context.principal()
        guard allows(principal) else {
            throw APIError(.forbidden, "\(principal.name) (\(principal.role.rawValue) token) may not \(what)", field: "Authorization")
        }
        return try await next(request, context)
    }
}

/// One ``LoginThrottle`` shared by the API's and the panel's authentication, behind a lock.
final class LoginThrottleBox: Sendable {
    private let throttle: Mutex<LoginThrottle>

    init(_ throttle: LoginThrottle = LoginThrottle()) {
        self.throttle = Mutex(throttle)
    }

    /// Whole seconds `address` must wait before it may try again, or `nil`.
    func retryAfter(address: String, now: Date = Date()) -> Int? {
        throttle.withLock { $0.retryAfter(address: address, now: now) }.map { Int($0) }
    }

    /// - Throws: ``APIError`` 429 with the seconds to wait, when `address` failed too often.
    func check(address: String, now: Date = Date()) throws(APIError) {
        if let wait = retryAfter(address: address, now: now) { throw APIError.tooManyAttempts(retryAfter: wait) }
    }

    func recordFailure(address: String, now: Date = Date()) {
        throttle.withLock { $0.recordFailure(address: address, now: now) }
    }

    func recordSuccess(address: String) {
        throttle.withLock { $0.recordSuccess(address: address) }
    }
}
