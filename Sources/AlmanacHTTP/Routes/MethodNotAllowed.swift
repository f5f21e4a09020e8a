import Hummingbird

/// 405 answers: a request to a known path with a method the path does not serve gets
/// `405 Method Not Allowed` with an `Allow` header (RFC 9110 §15.5.6), not the 404 of an unknown
/// path. Hummingbird answers both with its not-found responder, so ``JSONErrorMiddleware`` asks
/// ``served(path:)`` whether a 404's path is known; any method counts (QUERY and extension methods
/// too). `HTTPRouterTests` checks that this table and the routes agree in both directions.
enum MethodNotAllowed {
    /// Every path the role serves (Hummingbird's syntax: `:name` is one segment) with the methods
    /// it serves. HEAD is served wherever GET is (``RouterOptions/autoGenerateHeadEndpoints``).
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
        ("panel/apps/:app/jobs/:job/trigger", [.post]),
    ]

    /// The methods `allowed` stands for, HEAD added beside GET.
    static func served(_ allowed: [HTTPRequest.Method]) -> [HTTPRequest.Method] {
        allowed.contains(.get) ? allowed + [.head] : allowed
    }

    /// The methods the role serves at `path` (a request path, without its query), or `nil` when
    /// no route has that path.
    static func served(path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/")
        for (template, methods) in routes {
            let parts = template.split(separator: "/")
            guard parts.count == segments.count else { continue }
            if zip(parts, segments).allSatisfy({ $0.hasPrefix(":") || $0 == $1 }) { return served(methods) }
        }
        return nil
    }

    /// The 405 for `method` at `path`, or `nil` when the path is unknown or serves the method.
    static func error(method: HTTPRequest.Method, path: String) -> APIError? {
        guard let served = served(path: path), !served.contains(method) else { return nil }
        let allow = served.map(\.rawValue).joined(separator: ", ")
        return APIError(.methodNotAllowed, "\(method.rawValue) is not allowed here (allowed: \(allow))", allow: allow)
    }
}
