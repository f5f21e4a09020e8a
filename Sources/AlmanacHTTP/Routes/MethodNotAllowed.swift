import Hummingbird

/// 405 answers: a request to a known path with a method the path does not serve gets
/// `405 Method Not Allowed` with an `Allow` header (RFC 9110 §15.5.6), not the 404 of an unknown
/// path. Hummingbird answers both with its not-found responder, so the role registers the other
/// methods of each path explicitly from this table; `HTTPRouterTests` checks that the table and the
/// routes agree in both directions.
enum MethodNotAllowed {
    /// Every path the role serves (Hummingbird's syntax) with the methods it serves. HEAD is
    /// served wherever GET is (``RouterOptions/autoGenerateHeadEndpoints``).
    static let routes: [(path: String, methods: [HTTPRequest.Method])] = [
        ("/", [.get]), ("login", [.post]), ("logout", [.post]),
        ("healthz", [.get]), ("readyz", [.get]), ("metrics", [.get]),
        ("v1/apps", [.get]), ("v1/accounts", [.get]), ("v1/apps/:app", [.get]), ("v1/dlq", [.get]),
        ("v1/apps/:app/jobs/:job/runs", [.get]),
        ("v1/apps/:app/pause", [.post]), ("v1/apps/:app/resume", [.post]),
        ("v1/apps/:app/jobs/:job/pause", [.post]), ("v1/apps/:app/jobs/:job/resume", [.post]),
        ("v1/apps/:app/jobs/:job/trigger", [.post]),
        ("panel/apps/:app/pause", [.post]), ("panel/apps/:app/resume", [.post]),
        ("panel/apps/:app/jobs/:job/pause", [.post]), ("panel/apps/:app/jobs/:job/resume", [.post]),
    ]

    static let candidates: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options, .trace]

    /// The methods `allowed` stands for, HEAD added beside GET.
    static func served(_ allowed: [HTTPRequest.Method]) -> [HTTPRequest.Method] {
        allowed.contains(.get) ? allowed + [.head] : allowed
    }

    static func add<Context: RequestContext>(to router: Router<Context>) {
        for (path, allowed) in routes {
            let served = served(allowed)
            let allow = served.map(\.rawValue).joined(separator: ", ")
            for method in candidates where !served.contains(method) {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    throw APIError(.methodNotAllowed, "\(method.rawValue) is not allowed here (allowed: \(allow))", allow: allow)
                }
            }
        }
    }
}
