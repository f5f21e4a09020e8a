import AlmanacCore
import Foundation
import Hummingbird

/// The admin panel: `GET /` (HTML), `POST /login` / `POST /logout` (the admin token in an
/// HttpOnly, SameSite=Strict cookie), the switches' form posts, which publish pause/resume
/// like the API (actor `panel`), and "run now" (`POST /panel/apps/{app}/jobs/{job}/trigger`, a
/// manual `job.triggered` like `almanac trigger`), each redirecting back (303) with a message.
/// Every post needs the same authorisation (the cookie or a `token` form field when a token is set).
struct PanelRoutes: Sendable {
    let backend: any OperatorBackend
    let auth: AdminAuth

    func add(to router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in
            let builder = OperatorViewBuilder(state: backend.state, ledger: backend.ledger, now: backend.now())
            let page = PanelPage.render(list: builder.appList(), dlq: builder.dlq(limit: 20), access: access(request),
                                        message: request.uri.queryParameters.get("message"))
            return Self.htmlResponse(page)
        }
        router.post("login") { request, _ in
            let form = RequestBodies.form(String(decoding: try await APIRoutes.body(request), as: UTF8.self))
            guard auth.token != nil else { return Self.redirect("nothing to log in to: no admin token is configured") }
            guard auth.allows(panelToken: form["token"]) else { return Self.redirect("wrong admin token") }
            var response = Self.redirect("logged in")
            response.setCookie(Cookie(name: AdminAuth.cookie, value: Self.cookieValue(form["token"]!), path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        router.post("logout") { _, _ in
            var response = Self.redirect("logged out")
            response.setCookie(Cookie(name: AdminAuth.cookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        router.post("panel/apps/:app/jobs/:job/trigger") { request, context in
            try await runNow(request, app: context.parameters.get("app") ?? "", job: context.parameters.get("job") ?? "")
        }
        for paused in [true, false] {
            let verb = paused ? "pause" : "resume"
            router.post("panel/apps/:app/\(verb)") { request, context in
                try await toggle(request, app: context.parameters.get("app") ?? "", job: nil, paused: paused)
            }
            router.post("panel/apps/:app/jobs/:job/\(verb)") { request, context in
                try await toggle(request, app: context.parameters.get("app") ?? "", job: context.parameters.get("job"), paused: paused)
            }
        }
    }

    /// "run now": a manual trigger of the job, with no params.
    private func runNow(_ request: Request, app: String, job: String) async throws -> Response {
        let form = RequestBodies.form(String(decoding: try await APIRoutes.body(request), as: UTF8.self))
        guard auth.allows(panelToken: Self.cookieToken(request) ?? form["token"]) else {
            return Self.htmlResponse(Self.message("Log in first: running a job needs the admin token."), status: .unauthorized)
        }
        let state = backend.state
        guard let appState = state.apps[app] else {
            return Self.htmlResponse(Self.message("App \"\(app)\" is not configured."), status: .notFound)
        }
        guard appState.jobs[job] != nil else {
            return Self.htmlResponse(Self.message("App \"\(app)\" has no job \"\(job)\"."), status: .notFound)
        }
        let published = try await OperatorCommands(backend: backend).trigger(app: app, job: job, params: nil, state: state)
        return Self.redirect("Triggered \(app)/\(job) at \(published.time) (trigger id \(published.triggerId ?? ""))")
    }

    private func access(_ request: Request) -> PanelAccess {
        guard auth.token != nil else { return .open }
        return auth.allows(panelToken: Self.cookieToken(request)) ? .loggedIn : .loggedOut
    }

    private func toggle(_ request: Request, app: String, job: String?, paused: Bool) async throws -> Response {
        let form = RequestBodies.form(String(decoding: try await APIRoutes.body(request), as: UTF8.self))
        guard auth.allows(panelToken: Self.cookieToken(request) ?? form["token"]) else {
            return Self.htmlResponse(Self.message("Log in first: changing schedules needs the admin token."), status: .unauthorized)
        }
        let state = backend.state
        guard let appState = state.apps[app] else {
            return Self.htmlResponse(Self.message("App \"\(app)\" is not configured."), status: .notFound)
        }
        if let job, appState.jobs[job] == nil {
            return Self.htmlResponse(Self.message("App \"\(app)\" has no job \"\(job)\"."), status: .notFound)
        }
        let reason = form["reason"].flatMap { $0.isEmpty ? nil : String($0.prefix(RequestBodies.maxReasonLength)) }
        let published = try await OperatorCommands(backend: backend).toggle(app: app, job: job, paused: paused, reason: reason,
                                                                           actor: "panel", state: state)
        return Self.redirect("\(paused ? "Paused" : "Resumed") \(app)\(job.map { "/\($0)" } ?? "") at \(published.time)")
    }

    static func cookieToken(_ request: Request) -> String? {
        request.cookies[AdminAuth.cookie].flatMap { $0.value.removingPercentEncoding }
    }

    static func cookieValue(_ token: String) -> String {
        token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    static func redirect(_ message: String) -> Response {
        let query = message.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return Response(status: .seeOther, headers: [.location: "/?message=\(query)"])
    }

    static func message(_ text: String) -> String {
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Almanac</title></head><body><p>\(html(text))</p><p><a href=\"/\">Back to the panel</a></p></body></html>"
    }

    static func htmlResponse(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
    }
}
