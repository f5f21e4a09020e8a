import Foundation

/// Encodes and decodes ``EventEnvelope``s as CloudEvents 1.0 structured JSON (UTF-8).
///
/// Encoding is byte-stable (sorted keys), so encode → decode → encode gives the same bytes.
/// Decoding validates in order: size, JSON, CloudEvents attributes, known `type`, major version of
/// `dataschema`, the data's shape, then semantic rules; the first failure is thrown as an
/// ``EventDecodingError`` whose reason is a ``RejectionReason``.
public enum EventCodec {
    /// Messages larger than this (1 MiB) are rejected unread.
    public static let maximumSize = 1 << 20

    /// - Throws: `EncodingError` only if a value cannot be represented in JSON (never for valid events).
    public static func encode(_ envelope: EventEnvelope) throws -> [UInt8] {
        let encoder = makeEncoder()
        let data: Data
        switch envelope.event {
        case .appConfigured(let e): data = try encoder.encode(Wire(envelope, e))
        case .appRemoved(let e): data = try encoder.encode(Wire(envelope, e))
        case .schedulePaused(let e), .scheduleResumed(let e): data = try encoder.encode(Wire(envelope, e))
        case .jobTriggered(let e): data = try encoder.encode(Wire(envelope, e))
        case .tickCompleted(let e): data = try encoder.encode(Wire(envelope, e))
        case .jobStarted(let e): data = try encoder.encode(Wire(envelope, e))
        case .jobCompleted(let e): data = try encoder.encode(Wire(envelope, e))
        case .jobSkipped(let e): data = try encoder.encode(Wire(envelope, e))
        case .creditsCharged(let e): data = try encoder.encode(Wire(envelope, e))
        case .eventRejected(let e): data = try encoder.encode(Wire(envelope, e))
        }
        return Array(data)
    }

    /// - Throws: ``EventDecodingError`` naming the reason and the offending field.
    public static func decode(_ bytes: [UInt8]) throws(EventDecodingError) -> EventEnvelope {
        guard bytes.count <= maximumSize else {
            throw EventDecodingError(.tooLarge, "message is \(bytes.count) bytes; the limit is \(maximumSize)")
        }
        let data = Data(bytes)
        let decoder = makeDecoder()
        let header: Header
        do {
            header = try decoder.decode(Header.self, from: data)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                throw EventDecodingError(.notJSON, "not valid JSON: \(underlyingText(context))")
            }
            throw EventDecodingError(.notCloudEvent, "not a CloudEvent: \(describe(error))")
        } catch {
            throw EventDecodingError(.notJSON, "not valid JSON: \(error)")
        }
        guard header.specversion == "1.0" else {
            throw EventDecodingError(.notCloudEvent, "specversion \"\(header.specversion)\" is not 1.0")
        }
        guard let kind = AlmanacEvent.Kind(rawValue: header.type) else {
            throw EventDecodingError(.unknownType, "unknown event type \"\(header.type)\"")
        }
        if let schema = header.dataschema {
            guard let version = majorVersion(of: schema) else {
                throw EventDecodingError(.schemaViolation, "dataschema \"\(schema)\" does not end in /v<major>")
            }
            guard version == 1 else {
                throw EventDecodingError(.unsupportedVersion, "unsupported major version \(version) of \(kind.schemaName) (this consumer reads v1)")
            }
        }
        guard let time = RFC3339.parse(header.time) else {
            throw EventDecodingError(.schemaViolation, "time \"\(header.time)\" is not an RFC 3339 instant")
        }
        let event: AlmanacEvent
        do {
            event = try decodeData(kind, data, decoder)
        } catch let error as DecodingError {
            throw EventDecodingError(.schemaViolation, describe(error, prefix: "data"))
        } catch let error as EventDecodingError {
            throw error
        } catch {
            throw EventDecodingError(.schemaViolation, "\(error)")
        }
        try SemanticValidation.check(event)
        return EventEnvelope(id: header.id, source: header.source, time: time, event: event)
    }

    private static func decodeData(_ kind: AlmanacEvent.Kind, _ data: Data, _ decoder: JSONDecoder) throws -> AlmanacEvent {
        func body<T: Decodable>(_: T.Type) throws -> T { try decoder.decode(Body<T>.self, from: data).data }
        switch kind {
        case .appConfigured: return .appConfigured(try body(AppConfigured.self))
        case .appRemoved: return .appRemoved(try body(AppRemoved.self))
        case .schedulePaused: return .schedulePaused(try body(ScheduleToggled.self))
        case .scheduleResumed: return .scheduleResumed(try body(ScheduleToggled.self))
        case .jobTriggered: return .jobTriggered(try body(JobTriggered.self))
        case .tickCompleted: return .tickCompleted(try body(TickCompleted.self))
        case .jobStarted: return .jobStarted(try body(JobStarted.self))
        case .jobCompleted: return .jobCompleted(try body(JobCompleted.self))
        case .jobSkipped: return .jobSkipped(try body(JobSkipped.self))
        case .creditsCharged: return .creditsCharged(try body(CreditsCharged.self))
        case .eventRejected: return .eventRejected(try body(EventRejected.self))
        }
    }

    static func majorVersion(of schema: String) -> Int? {
        guard let last = schema.split(separator: "/").last, last.first == "v" else { return nil }
        let digits = last.dropFirst().prefix { $0.isNumber }
        return Int(digits)
    }

    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.utcMilliseconds(date))
        }
        return encoder
    }

    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not an RFC 3339 instant")
            }
            return date
        }
        return decoder
    }

    private static func underlyingText(_ context: DecodingError.Context) -> String {
        if let underlying = context.underlyingError { return "\(underlying)" }
        return context.debugDescription
    }

    /// `data.config.jobs[0].complexity: expected Int` style text.
    static func describe(_ error: DecodingError, prefix: String? = nil) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? "(root)" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "\(parent == "(root)" ? "" : parent + ": ")missing required field \"\(key.stringValue)\""
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(typeName(type)), found null"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Bool.Type: "a boolean"
        case is Double.Type: "a number"
        default: "\(type)"
        }
    }
}

private struct Header: Decodable {
    var specversion: String
    var id: String
    var source: String
    var type: String
    var time: String
    var dataschema: String?
}

private struct Body<T: Decodable>: Decodable {
    var data: T
}

private struct Wire<T: Encodable>: Encodable {
    var specversion = "1.0"
    var id: String
    var source: String
    var type: String
    var subject: String
    var time: Date
    var datacontenttype = "application/json"
    var dataschema: String
    var data: T

    init(_ envelope: EventEnvelope, _ data: T) {
        id = envelope.id
        source = envelope.source
        type = envelope.type
        subject = envelope.subject
        time = envelope.time
        dataschema = envelope.event.kind.dataschema
        self.data = data
    }
}
