import AlmanacCore
import Foundation
import Hummingbird

/// A 4xx answer of the API: status plus ``ErrorView`` (`{"error": "...", "field": "..."}`).
/// Handlers throw it; Hummingbird turns it into the response.
public struct APIError: HTTPResponseError, Equatable {
    public var status: HTTPResponse.Status
    public var message: String
    /// The input to blame: a path parameter (`app`, `job`), a body field, a query parameter,
    /// or `Authorization`.
    public var field: String?
    /// Seconds for `Retry-After` (429).
    public var retryAfter: Int?
    /// The `Allow` header of a 405.
    public var allow: String?

    public init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil, retryAfter: Int? = nil, allow: String? = nil) {
        self.status = status
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
        self.allow = allow
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONBody.response(ErrorView(error: message, field: field), status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"almanac\"" }
        if let retryAfter { response.headers[.retryAfter] = "\(retryAfter)" }
        if let allow { response.headers[.allow] = allow }
        return response
    }

    /// 401: no credentials at all.
    static let unauthenticated = APIError(.unauthorized, "missing token: send Authorization: Bearer <token>", field: "Authorization")

    /// 429: this address failed to authenticate too often (``LoginThrottle``).
    static func tooManyAttempts(retryAfter seconds: Int) -> APIError {
        APIError(.tooManyRequests, "too many failed logins from this address: try again in \(seconds) s", field: "Authorization", retryAfter: seconds)
    }

    static func unknownApp(_ app: String, known: [String]) -> APIError {
        APIError(.notFound, NameSuggestions.unknownApp(app, known: known), field: "app")
    }

    static func unknownJob(_ job: String, app: String, known: [String]) -> APIError {
        APIError(.notFound, NameSuggestions.unknownJob(job, app: app, known: known), field: "job")
    }
}

/// JSON responses: sorted keys, UTF-8, `application/json`.
enum JSONBody {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{\"error\":\"could not encode the response\"}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
