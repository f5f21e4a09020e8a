import AlmanacCore
import Foundation

/// The report protocol: JSON lines a job writes to the fd named by `ALMANAC_REPORT_FD`.
///
/// ```
/// {"type":"usage","ai":[{"model":"gpt-4o-mini","inputTokens":1200,"outputTokens":300}]}
/// {"type":"usage","emails":3,"sms":1}
/// {"type":"followUp","job":"import-batch","params":{"offset":500}}
/// ```
/// Usage lines add up. A malformed line is recorded as an error of the run (named by line number);
/// it never affects the worker.
public struct RunReport: Sendable {
    public var usage = RunUsage()
    public var followUps: [FollowUpRequest] = []
    public var errors: [String] = []

    public init() {}

    /// Parses the whole report stream.
    public init(parsing bytes: [UInt8]) {
        var lineNumber = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            if let problem = add(Array(line)) { errors.append("report line \(lineNumber): \(problem)") }
        }
    }

    private struct Line: Decodable {
        var type: String
        var ai: [RunUsage.AITokens]?
        var emails: Int64?
        var sms: Int64?
        var job: String?
        var params: JSONValue?
    }

    /// Adds one line; returns what is wrong with it, or nil.
    mutating func add(_ bytes: [UInt8]) -> String? {
        let line: Line
        do {
            line = try JSONDecoder().decode(Line.self, from: Data(bytes))
        } catch let error as DecodingError {
            return "not a valid report object (\(EventCodec.describeForReport(error)))"
        } catch {
            return "not valid JSON"
        }
        switch line.type {
        case "usage":
            if (line.emails ?? 0) < 0 || (line.sms ?? 0) < 0 || (line.ai ?? []).contains(where: { $0.inputTokens < 0 || $0.outputTokens < 0 }) {
                return "usage cannot be negative"
            }
            usage.ai += line.ai ?? []
            usage.emails += line.emails ?? 0
            usage.sms += line.sms ?? 0
        case "followUp":
            guard let job = line.job, !job.isEmpty else { return "followUp needs \"job\"" }
            followUps.append(FollowUpRequest(job: job, params: line.params))
        default:
            return "unknown type \"\(line.type)\" (expected usage or followUp)"
        }
        return nil
    }
}

extension EventCodec {
    static func describeForReport(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing \"\(key.stringValue)\""
        case .typeMismatch(_, let c), .valueNotFound(_, let c): "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case .dataCorrupted: "not valid JSON"
        @unknown default: "\(error)"
        }
    }
}
