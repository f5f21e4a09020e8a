import AlmanacCore
import Foundation
import Hummingbird
import HummingbirdAuth

/// The admin panel: `GET /` (HTML), `POST /login` / `POST /logout`, the switches' form posts,
/// which publish pause/resume like the API, and "run now" (`POST /panel/apps/{app}/jobs/{job}/trigger`,
/// a manual `job.triggered` like `almanac trigger`), each with the principal's name as the actor
/// and redirecting back (303) with a message.
///
/// Sessions: logging in with a token (the same tokens as the API) creates a server-side session
/// (``PanelSession``) behind a random id; the cookie `almanac_session` holds only that id, is
/// HttpOnly and SameSite=Strict, Secure when the storage says so (TLS or `--secure-cookies`,
/// ``sessionStorage(persist:secureCookies:)``), and expires after
/// ``sessionLifetime``. A login replaces the visitor's previous session (a new id each time);
/// logout deletes it; removing the token from the token file ends its sessions. Every form
/// carries the session's CSRF token and a post without the matching one is refused (403).
/// Without a session `GET /` shows the login form and nothing else.
struct PanelRoutes: Sendable {
    let backend: any OperatorBackend
    let directory: PrincipalDirectory
    let throttle: LoginThrottleBox
    let sessions: SessionStorage<PanelSession>

    static let cookieName = "almanac_session"
    static let sessionLifetime: Duration = .seconds(12 * 3600)

    static func sessionStorage(persist: any PersistDriver, secureCookies: Bool) -> SessionStorage<PanelSession> {
        SessionStorage(persist, configuration: .init(
            sessionCookieParameters: .init(name: cookieName, path: "/", secure: secureCookies, sameSite: .strict),
            keyPrefix: "almanac.session."))
    }

    func add(to router: Router<AlmanacRequestContext>) {
        let panel = router.group()
            .add(middleware: SessionMiddleware(sessionStorage: sessions, defaultSessionExpiration: Self.sessionLifetime))
            .add(middleware: SessionAuthenticator(users: UserSessionClosureRepository<PanelSession, Principal> { session, _ in
                directory.principal(forDigest: session.tokenDigest)
            }, context: AlmanacRequestContext.self))
        panel.get("/") { request, context in
            let message = request.uri.queryParameters.get("message")
            guard let (principal, session) = Self.viewer(context) else {
                return Self.htmlResponse(PanelPage.renderLogin(message: message))
            }
            let builder = OperatorViewBuilder(backend: backend, principal: principal)
            let page = PanelPage.render(list: builder.appList(), dlq: builder.dlq(limit: 20),
                                        viewer: PanelViewer(name: principal.name, csrf: session.csrf), message: message)
            return Self.htmlResponse(page)
        }
        panel.post("login") { request, context in
            if let wait = throttle.retryAfter(address: context.clientAddress) {
                return Self.htmlResponse(Self.message(APIError.tooManyAttempts(retryAfter: wait).message), status: .tooManyRequests,
                                         headers: [.retryAfter: "\(wait)"])
            }
            let form = RequestBodies.form(String(decoding: try await APIRoutes.body(request), as: UTF8.self))
            let token = form["token"] ?? ""
            guard let principal = directory.principal(forToken: token), principal.mayReadData else {
                throttle.recordFailure(address: context.clientAddress)
                return Self.redirect("unknown token")
            }
            throttle.recordSuccess(address: context.clientAddress)
            if context.sessions.session != nil { _ = try? await sessions.delete(request: request) }
            context.sessions.createSession(PanelSession(tokenDigest: TokenDigest.sha256Hex(token), csrf: TokenDigest.newToken()),
                                           expiresIn: Self.sessionLifetime)
            return Self.redirect("logged in as \(principal.name)")
        }
        panel.post("logout") { request, context in
            let form = RequestBodies.form(String(decoding: try await APIRoutes.body(request), as: UTF8.self))
            guard let session = context.sessions.session else { return Self.redirect("logged out") }
            guard Self.csrfMatches(form["csrf"], session) else { return Self.csrfRefusal() }
            context.sessions.clearSession()
            return Self.redirect("logged out")
        }
        panel.post("panel/apps/:app/jobs/:job/trigger") { request, context in
            try await runNow(request, context, app: context.parameters.get("app") ?? "", job: context.parameters.get("job") ?? "")
        }
        for paused in [true, false] {
            let verb = paused ? "pause" : "resume"
            panel.post("panel/apps/:app/\(verb)") { request, context in
                try await toggle(request, context, app: context.parameters.get("app") ?? "", job: nil, paused: paused)
            }
            panel.post("panel/apps/:app/jobs/:job/\(verb)") { request, context in
                try await toggle(request, context, app: context.parameters.get("app") ?? "", job: context.parameters.get("job"), paused: paused)
            }
        }
    }

    /// The logged-in principal and its session, when there is one and it may read data.
    private static func viewer(_ context: AlmanacRequestContext) -> (Principal, PanelSession)? {
        guard let principal = context.identity, principal.mayReadData, let session = context.sessions.session else { return nil }
        return (principal, session)
    }

    private func toggle(_ request: Request, _ context: AlmanacRequestContext, app: String, job: String?, paused: Bool) async throws -> Response {
        let form = RequestBodies.form(String(decoding: try await APIRoutes.body(request), as: UTF8.self))
        guard let (principal, session) = Self.viewer(context) else {
            return Self.htmlResponse(Self.message("Log in first: changing schedules needs a token."), status: .unauthorized)
        }
        guard Self.csrfMatches(form["csrf"], session) else { return Self.csrfRefusal() }
        let state = backend.state.visible(to: principal)
        guard let appState = state.apps[app] else {
            return Self.htmlResponse(Self.message("App \"\(app)\" is not configured."), status: .notFound)
        }
        if let job, appState.jobs[job] == nil {
            return Self.htmlResponse(Self.message("App \"\(app)\" has no job \"\(job)\"."), status: .notFound)
        }
        let reason = form["reason"].flatMap { $0.isEmpty ? nil : String($0.prefix(RequestBodies.maxReasonLength)) }
        let published = try await OperatorCommands(backend: backend).toggle(app: app, job: job, paused: paused, reason: reason,
                                                                           actor: principal.name, state: state)
        return Self.redirect("\(paused ? "Paused" : "Resumed") \(app)\(job.map { "/\($0)" } ?? "") at \(published.time)")
    }

    /// "run now": a manual trigger of the job, with no params.
    private func runNow(_ request: Request, _ context: AlmanacRequestContext, app: String, job: String) async throws -> Response {
        let form = RequestBodies.form(String(decoding: try await APIRoutes.body(request), as: UTF8.self))
        guard let (principal, session) = Self.viewer(context) else {
            return Self.htmlResponse(Self.message("Log in first: running a job needs a token."), status: .unauthorized)
        }
        guard Self.csrfMatches(form["csrf"], session) else { return Self.csrfRefusal() }
        let state = backend.state.visible(to: principal)
        guard let appState = state.apps[app] else {
            return Self.htmlResponse(Self.message("App \"\(app)\" is not configured."), status: .notFound)
        }
        guard appState.jobs[job] != nil else {
            return Self.htmlResponse(Self.message("App \"\(app)\" has no job \"\(job)\"."), status: .notFound)
        }
        let published = try await OperatorCommands(backend: backend).trigger(app: app, job: job, params: nil, state: state, actor: principal.name)
        return Self.redirect("Triggered \(app)/\(job) at \(published.time) (trigger id \(published.triggerId ?? ""))")
    }

    static func csrfMatches(_ presented: String?, _ session: PanelSession) -> Bool {
        guard let presented else { return false }
        return constantTimeEqual(presented, session.csrf)
    }

    static func csrfRefusal() -> Response {
        htmlResponse(message("This form has expired or did not come from the panel (CSRF check failed): reload the page and try again."),
                     status: .forbidden)
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

    static func redirect(_ message: String) -> Response {
        let query = message.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return Response(status: .seeOther, headers: [.location: "/?message=\(query)"])
    }

    static func message(_ text: String) -> String {
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Almanac</title></head><body><p>\(html(text))</p><p><a href=\"/\">Back to the panel</a></p></body></html>"
    }

    static func htmlResponse(_ page: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
    }
}
