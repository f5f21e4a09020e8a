import AlmanacCore
import Foundation

/// The bodies the mutating endpoints accept, validated field by field into ``APIError``s.
/// Pure: parses bytes, no HTTP types.
enum RequestBodies {
    /// Largest accepted body (bytes).
    static let maxSize = 64 * 1024
    /// Longest accepted pause/resume reason (characters).
    static let maxReasonLength = 500

    /// `{"reason"?: string}` of pause and resume. An empty body is `{}`.
    /// - Throws: ``APIError`` 400 naming the field.
    static func toggle(_ bytes: [UInt8]) throws(APIError) -> String? {
        let object = try self.object(bytes, allowed: ["reason"])
        guard let value = object["reason"] else { return nil }
        guard case .string(let reason) = value else { throw APIError(.badRequest, "reason must be a string", field: "reason") }
        guard reason.count <= maxReasonLength else {
            throw APIError(.badRequest, "reason is longer than \(maxReasonLength) characters", field: "reason")
        }
        return reason.isEmpty ? nil : reason
    }

    /// `{"params"?: any JSON}` of a manual trigger. An empty body is `{}`.
    /// - Throws: ``APIError`` 400 naming the field.
    static func trigger(_ bytes: [UInt8]) throws(APIError) -> JSONValue? {
        try object(bytes, allowed: ["params"])["params"]
    }

    /// Decodes a JSON object whose keys are all in `allowed`.
    static func object(_ bytes: [UInt8], allowed: Set<String>) throws(APIError) -> [String: JSONValue] {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw APIError(.badRequest, "request body is not valid JSON")
        }
        guard case .object(let object) = value else { throw APIError(.badRequest, "request body must be a JSON object") }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError(.badRequest, "unknown field \"\(unknown)\" (allowed: \(allowed.sorted().joined(separator: ", ")))", field: unknown)
        }
        return object
    }

    /// Parses an `application/x-www-form-urlencoded` body (`+` is a space, `%XX` escapes).
    static func form(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            guard let key = parts.first.map(decode), !key.isEmpty else { continue }
            result[key] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }
}
