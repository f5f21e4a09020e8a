import AlmanacCore
import Foundation

/// The report protocol: JSON lines a job writes to the fd named by `ALMANAC_REPORT_FD`.
///
/// ```
/// {"type":"usage","ai":[{"model":"gpt-4o-mini","inputTokens":1200,"outputTokens":300}]}
/// {"type":"usage","emails":3,"sms":1}
/// {"type":"followUp","job":"import-batch","params":{"offset":500}}
/// ```
/// Usage lines add up (AI tokens per model). A line that is malformed, negative, or would take a
/// total past ``maximumQuantity`` or the distinct models past ``maximumAIModels`` is rejected as a
/// whole and recorded as an error of the run (named by line number); it never affects the worker.
/// In-process handlers report through the same checks (``addUsage(_:)``, ``addFollowUp(_:)``).
public struct RunReport: Sendable {
    /// Report bytes read from a process; the rest is ignored.
    public static let maximumBytes = 4 << 20
    /// Upper bound of each usage total of a run (tokens per model and direction, emails, SMS): far
    /// above any real run, and low enough that pricing it cannot overflow 64-bit millicredits.
    public static let maximumQuantity = RunUsage.maximumQuantity
    /// Upper bound of the distinct AI models of a run (see ``maximumQuantity``).
    public static let maximumAIModels = RunUsage.maximumAIModels
    /// Follow-ups one run may queue.
    public static let maximumFollowUps = 1_000

    public var usage = RunUsage()
    public var followUps: [FollowUpRequest] = []
    public var errors: [String] = []

    public init() {}

    /// Parses the whole report stream.
    /// - Parameter cutOff: the job wrote more than ``maximumBytes`` and `bytes` are the first
    ///   ``maximumBytes``: the line cut in two is not read, and an error says where reading stopped.
    public init(parsing bytes: [UInt8], cutOff: Bool = false) {
        var bytes = bytes[...]
        if cutOff { bytes = bytes[..<(bytes.lastIndex(of: UInt8(ascii: "\n")) ?? bytes.startIndex)] }
        var lineNumber = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            if let problem = add(Array(line)) { errors.append("report line \(lineNumber): \(problem)") }
        }
        if cutOff {
            errors.append("the report passed \(Self.maximumBytes) bytes: lines from \(lineNumber + 1) on were not read")
        }
    }

    private struct Line: Decodable {
        var type: String
        var ai: [RunUsage.AITokens]?
        var emails: Int64?
        var sms: Int64?
        var job: String?
        var params: JSONValue?

        enum CodingKeys: String, CodingKey { case type, ai, emails, sms, job, params }

        /// The keys each type of line may have besides `type`: a misspelt one (`"email"`) would
        /// otherwise meter nothing without a word.
        static let keys: [String: [String]] = ["usage": ["ai", "emails", "sms"], "followUp": ["job", "params"]]

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decode(String.self, forKey: .type)
            ai = try c.decodeIfPresent([RunUsage.AITokens].self, forKey: .ai)
            emails = try c.decodeIfPresent(Int64.self, forKey: .emails)
            sms = try c.decodeIfPresent(Int64.self, forKey: .sms)
            job = try c.decodeIfPresent(String.self, forKey: .job)
            params = try c.decodeIfPresent(JSONValue.self, forKey: .params)
            // An unknown type is refused by name later.
            if let expected = Self.keys[type], let unknown = try unknownKey(in: decoder, allowed: expected + ["type"]) {
                throw UnknownKey(description: "unknown key \"\(unknown)\" in a \(type) line (expected \(expected.joined(separator: ", ")))")
            }
        }
    }

    /// A usage object without its `type` (``addUsage(json:)``).
    private struct UsageObject: Decodable {
        var ai: [RunUsage.AITokens]?
        var emails: Int64?
        var sms: Int64?

        enum CodingKeys: String, CodingKey { case ai, emails, sms }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            ai = try c.decodeIfPresent([RunUsage.AITokens].self, forKey: .ai)
            emails = try c.decodeIfPresent(Int64.self, forKey: .emails)
            sms = try c.decodeIfPresent(Int64.self, forKey: .sms)
            if let unknown = try unknownKey(in: decoder, allowed: Line.keys["usage"]!) {
                throw UnknownKey(description: "unknown key \"\(unknown)\" (expected ai, emails, sms)")
            }
        }
    }

    /// A key a line (or usage object) does not have, said as the run's error says it.
    private struct UnknownKey: Error, CustomStringConvertible {
        var description: String
    }

    /// Adds one line; returns what is wrong with it, or nil.
    mutating func add(_ bytes: [UInt8]) -> String? {
        let line: Line
        do {
            line = try JSONDecoder().decode(Line.self, from: Data(bytes))
        } catch let error as UnknownKey {
            return error.description
        } catch let error as DecodingError {
            return "not a valid report object (\(EventCodec.describeForReport(error)))"
        } catch {
            return "not valid JSON"
        }
        switch line.type {
        case "usage":
            return addUsage(RunUsage(ai: line.ai ?? [], emails: line.emails ?? 0, sms: line.sms ?? 0))
        case "followUp":
            guard let job = line.job else { return "followUp needs \"job\"" }
            return addFollowUp(FollowUpRequest(job: job, params: line.params))
        default:
            return "unknown type \"\(line.type)\" (expected usage or followUp)"
        }
    }

    /// Adds a usage object given as JSON — a usage line without its `type`, as
    /// `almanac estimate --usage` takes it: `{"emails":N,"sms":N,"ai":[{"model":…,"inputTokens":N,
    /// "outputTokens":N}]}` — with a line's checks (keys, types, limits); returns what is wrong
    /// with it, or nil.
    public mutating func addUsage(json bytes: [UInt8]) -> String? {
        do {
            let object = try JSONDecoder().decode(UsageObject.self, from: Data(bytes))
            return addUsage(RunUsage(ai: object.ai ?? [], emails: object.emails ?? 0, sms: object.sms ?? 0))
        } catch let error as UnknownKey {
            return error.description
        } catch let error as DecodingError {
            return "not a usage object (\(EventCodec.describeForReport(error)))"
        } catch {
            return "not valid JSON"
        }
    }

    /// Adds metered usage, all or nothing; returns what is wrong with it, or nil.
    public mutating func addUsage(_ more: RunUsage) -> String? {
        if more.emails < 0 || more.sms < 0 || more.ai.contains(where: { $0.inputTokens < 0 || $0.outputTokens < 0 }) {
            return "usage cannot be negative"
        }
        if let unnamed = more.ai.first(where: { $0.model.isEmpty }) {
            return "ai usage needs a model name (got \(unnamed.inputTokens) input tokens without one)"
        }
        var next = usage
        func sum(_ a: Int64, _ b: Int64, _ what: String) throws(UsageOverflow) -> Int64 {
            let (total, overflow) = a.addingReportingOverflow(b)
            guard !overflow, total <= Self.maximumQuantity else { throw UsageOverflow(what: what, limit: Self.maximumQuantity) }
            return total
        }
        do throws(UsageOverflow) {
            next.emails = try sum(next.emails, more.emails, "emails")
            next.sms = try sum(next.sms, more.sms, "sms")
            for tokens in more.ai {
                if let index = next.ai.firstIndex(where: { $0.model == tokens.model }) {
                    next.ai[index].inputTokens = try sum(next.ai[index].inputTokens, tokens.inputTokens, "\(tokens.model) input tokens")
                    next.ai[index].outputTokens = try sum(next.ai[index].outputTokens, tokens.outputTokens, "\(tokens.model) output tokens")
                } else {
                    guard next.ai.count < Self.maximumAIModels else { throw UsageOverflow(what: "AI models", limit: Int64(Self.maximumAIModels)) }
                    next.ai.append(RunUsage.AITokens(model: tokens.model, inputTokens: try sum(0, tokens.inputTokens, "\(tokens.model) input tokens"),
                                                     outputTokens: try sum(0, tokens.outputTokens, "\(tokens.model) output tokens")))
                }
            }
        } catch {
            return "the run's \(error.what) would exceed \(error.limit)"
        }
        usage = next
        return nil
    }

    /// Queues a follow-up; returns what is wrong with it, or nil. Whether the app has the job is
    /// checked by the worker.
    public mutating func addFollowUp(_ followUp: FollowUpRequest) -> String? {
        guard !followUp.job.isEmpty else { return "followUp needs \"job\"" }
        guard followUps.count < Self.maximumFollowUps else { return "more than \(Self.maximumFollowUps) follow-ups; line ignored" }
        followUps.append(followUp)
        return nil
    }

    private struct UsageOverflow: Error {
        var what: String
        var limit: Int64
    }
}

extension EventCodec {
    static func describeForReport(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing \"\(key.stringValue)\""
        case .typeMismatch(_, let c), .valueNotFound(_, let c): "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case .dataCorrupted(let c) where !c.codingPath.isEmpty: "bad value at \(c.codingPath.map(\.stringValue).joined(separator: ".")) (a number too large?)"
        case .dataCorrupted: "not valid JSON"
        @unknown default: "\(error)"
        }
    }
}
