import AlmanacCore
import Foundation
import Hummingbird
import Kafka

/// The JSON API under `/v1` (schemas/openapi.yaml). Every route needs a principal
/// (`Authorization: Bearer <token>`, ``TokenAuthenticator``) that may read data; an `account`
/// principal sees and changes only its apps (``Principal``): another account's app answers 404
/// exactly like one that does not exist, and lists never name it. Reads build views from the
/// backend's state; pause, resume and trigger publish the same events as
/// `almanac pause|resume|trigger`, with the principal's name as the actor, and answer 202 with
/// where the event landed (the projection shows it a moment later).
///
/// | method | path | |
/// |---|---|---|
/// | GET | /v1/apps, /v1/apps/{app} | apps, jobs, switches, next and last runs, credits today |
/// | GET | /v1/accounts | credits today per account |
/// | GET | /v1/apps/{app}/jobs/{job}/runs?limit=&tails= | a job's recent runs (`tails=true`: with stdout/stderr, read from the log) |
/// | GET | /v1/dlq?limit= | recent rejections (an account principal: those whose key is its own) |
/// | POST | /v1/apps/{app}/pause, …/resume, /v1/apps/{app}/jobs/{job}/pause, …/resume | `{"reason"?}` |
/// | POST | /v1/apps/{app}/jobs/{job}/trigger | `{"params"?}` |
struct APIRoutes: Sendable {
    let backend: any OperatorBackend
    let directory: PrincipalDirectory
    let throttle: LoginThrottleBox

    func add(to router: Router<AlmanacRequestContext>) {
        let v1 = router.group("v1")
            .add(middleware: TokenAuthenticator(directory: directory, throttle: throttle))
            .add(middleware: RequirePrincipalMiddleware(what: "read or change apps") { $0.mayReadData })
        v1.get("apps") { _, context in JSONBody.response(try builder(context).appList()) }
        v1.get("accounts") { _, context in
            let builder = try builder(context)
            return JSONBody.response(AccountListView(now: RFC3339.utcMilliseconds(builder.now), day: builder.day, accounts: builder.accounts()))
        }
        v1.get("apps/:app") { _, context in
            let (builder, app) = try resolve(context)
            return JSONBody.response(builder.app(app)!)
        }
        v1.get("apps/:app/jobs/:job/runs") { request, context in
            let (builder, app, job) = try resolveJob(context)
            let limit = try Self.limit(request, default: 20)
            var runs = builder.runs(app: app, job: job, limit: limit)!
            if try Self.flag(request, "tails") {
                // The projection keeps no output: the tails are read from the log (a replay of
                // `executions`, so on request only).
                let ids = Set(runs.runs.filter { $0.status != "skipped" }.map { TriggerID($0.triggerId) })
                let completions: [TriggerID: JobCompleted]
                do { completions = try await backend.completions(of: ids) } catch {
                    throw APIError(.serviceUnavailable, "could not read the run log for the tails: \(error)")
                }
                for index in runs.runs.indices {
                    guard let done = completions[TriggerID(runs.runs[index].triggerId)] else { continue }
                    runs.runs[index].stdoutTail = done.stdoutTail
                    runs.runs[index].stderrTail = done.stderrTail
                }
            }
            return JSONBody.response(runs)
        }
        v1.get("dlq") { request, context in JSONBody.response(try builder(context).dlq(limit: try Self.limit(request, default: 50))) }
        for paused in [true, false] {
            let verb = paused ? "pause" : "resume"
            v1.post("apps/:app/\(verb)") { request, context in
                try await toggle(request, context, paused: paused, job: false)
            }
            v1.post("apps/:app/jobs/:job/\(verb)") { request, context in
                try await toggle(request, context, paused: paused, job: true)
            }
        }
        v1.post("apps/:app/jobs/:job/trigger") { request, context in
            let params = try RequestBodies.trigger(try await Self.body(request))
            let (builder, app, job) = try resolveJob(context)
            let published = try await OperatorCommands(backend: backend).trigger(app: app, job: job, params: params, state: builder.state,
                                                                                actor: try context.principal().name)
            return JSONBody.response(published, status: .accepted)
        }
    }

    /// The view builder over what the request's principal may see.
    private func builder(_ context: AlmanacRequestContext) throws(APIError) -> OperatorViewBuilder {
        OperatorViewBuilder(backend: backend, principal: try context.principal())
    }

    private func toggle(_ request: Request, _ context: AlmanacRequestContext, paused: Bool, job: Bool) async throws -> Response {
        let reason = try RequestBodies.toggle(try await Self.body(request))
        let actor = try context.principal().name
        let published: PublishedView
        if job {
            let (builder, app, job) = try resolveJob(context)
            published = try await OperatorCommands(backend: backend).toggle(app: app, job: job, paused: paused, reason: reason,
                                                                           actor: actor, state: builder.state)
        } else {
            let (builder, app) = try resolve(context)
            published = try await OperatorCommands(backend: backend).toggle(app: app, job: nil, paused: paused, reason: reason,
                                                                           actor: actor, state: builder.state)
        }
        return JSONBody.response(published, status: .accepted)
    }

    /// The view builder and the `{app}` parameter, checked against what the principal may see.
    private func resolve(_ context: AlmanacRequestContext) throws -> (OperatorViewBuilder, String) {
        let builder = try builder(context)
        let app = context.parameters.get("app") ?? ""
        guard builder.state.apps[app] != nil else { throw APIError.unknownApp(app, known: Array(builder.state.apps.keys)) }
        return (builder, app)
    }

    private func resolveJob(_ context: AlmanacRequestContext) throws -> (OperatorViewBuilder, String, String) {
        let (builder, app) = try resolve(context)
        let job = context.parameters.get("job") ?? ""
        let jobs = builder.state.apps[app]!.jobs
        guard jobs[job] != nil else { throw APIError.unknownJob(job, app: app, known: Array(jobs.keys)) }
        return (builder, app, job)
    }

    /// A boolean query parameter: absent or `false` is false, `true` is true.
    static func flag(_ request: Request, _ name: String) throws(APIError) -> Bool {
        guard let text = request.uri.queryParameters.get(name) else { return false }
        guard text == "true" || text == "false" else {
            throw APIError(.badRequest, "\(name) must be true or false, not \"\(text)\"", field: name)
        }
        return text == "true"
    }

    static func limit(_ request: Request, default value: Int) throws(APIError) -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return value }
        guard let limit = Int(text), (1...500).contains(limit) else {
            throw APIError(.badRequest, "limit must be an integer from 1 to 500, not \"\(text)\"", field: "limit")
        }
        return limit
    }

    static func body(_ request: Request) async throws -> [UInt8] {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: RequestBodies.maxSize)
            return Array(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "request body is larger than \(RequestBodies.maxSize) bytes")
        }
    }
}

/// Turns errors that are not ``APIError`` into JSON too: unknown paths (404), wrong methods (405,
/// ``MethodNotAllowed``),
/// Kafka refusing a published event (503 with `Retry-After`), anything unexpected (500, logged;
/// handlers validate input, so a 500 is a bug).
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = AlmanacRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            if error.status == .notFound, let refusal = MethodNotAllowed.error(method: request.method, path: request.uri.path) {
                throw refusal
            }
            let message = error.body ?? (error.status == .notFound ? "no such endpoint: \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return JSONBody.response(ErrorView(error: message), status: error.status)
        } catch let error as KafkaError {
            // The cluster did not take the event (broker down, delivery timed out): nothing was
            // published; the client may retry.
            context.logger.warning("\(request.method) \(request.uri.path): Kafka refused the event: \(error)")
            var response = JSONBody.response(ErrorView(error: "Kafka did not accept the event, nothing was published: \(error.reason)"),
                                             status: .serviceUnavailable)
            response.headers[.retryAfter] = "5"
            return response
        } catch {
            context.logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            return JSONBody.response(ErrorView(error: "internal error: \(error)"), status: .internalServerError)
        }
    }
}
