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

    /// Most events a worker writes take ``EventFastEncoder`` (the bytes written by hand, identical to
    /// the reference's); the others go through ``encodeReference(_:)``.
    /// - Throws: `EncodingError` only if a value cannot be represented in JSON (never for valid events).
    public static func encode(_ envelope: EventEnvelope) throws -> [UInt8] {
        if let bytes = EventFastEncoder.encode(envelope) { return bytes }
        return try encodeReference(envelope)
    }

    /// The reference encoder: Foundation's `JSONEncoder` over the `Encodable` event types, sorted
    /// keys, dates as ``RFC3339/utcMilliseconds(_:)``. Slow (~15 µs per event) but the definition
    /// of the bytes ``encode(_:)`` writes. Public for the differential tests and
    /// `almanac-bench event-codec`; use ``encode(_:)``.
    /// - Throws: `EncodingError` only if a value cannot be represented in JSON (never for valid events).
    public static func encodeReference(_ envelope: EventEnvelope) throws -> [UInt8] {
        let encoder = makeEncoder()
        let data: Data
        switch envelope.event {
        case .appConfigured(let e): data = try encoder.encode(EventCodecWire(envelope, e))
        case .appRemoved(let e): data = try encoder.encode(EventCodecWire(envelope, e))
        case .schedulePaused(let e), .scheduleResumed(let e): data = try encoder.encode(EventCodecWire(envelope, e))
        case .jobTriggered(let e): data = try encoder.encode(EventCodecWire(envelope, e))
        case .tickCompleted(let e): data = try encoder.encode(EventCodecWire(envelope, e))
        case .jobStarted(let e): data = try encoder.encode(EventCodecWire(envelope, e))
        case .jobCompleted(let e): data = try encoder.encode(EventCodecWire(envelope, e))
        case .jobSkipped(let e): data = try encoder.encode(EventCodecWire(envelope, e))
        case .creditsCharged(let e): data = try encoder.encode(EventCodecWire(envelope, e))
        case .eventRejected(let e): data = try encoder.encode(EventCodecWire(envelope, e))
        }
        return Array(data)
    }

    /// - Throws: ``EventDecodingError`` naming the reason and the offending field. Reasons, in the
    ///   order they are checked: `too_large` (over ``maximumSize``); `not_json` (not UTF-8, a byte
    ///   order mark, not RFC 8259 JSON, or nested deeper than ``StrictJSONScanner/maximumDepth``);
    ///   `schema_violation` for a repeated object key; `not_cloudevent` (not an object, or
    ///   `specversion`, `id`, `source`, `type` missing, empty or not 1.0); `unknown_type`;
    ///   `schema_violation` when `dataschema` names another type's schema; `unsupported_major_version`;
    ///   `schema_violation` (`time`, `datacontenttype`, `subject`, the shape of `data`);
    ///   `invalid_data` (``SemanticValidation``).
    ///
    ///   Most events take ``EventFastDecoder`` (one strict pass over the bytes, fields read by hand);
    ///   whatever it does not accept goes through ``decodeReference(_:)``, which decides and names
    ///   the problem, so both paths give the same answers.
    public static func decode(_ bytes: [UInt8]) throws(EventDecodingError) -> EventEnvelope {
        if let envelope = EventFastDecoder.decode(bytes) { return envelope }
        return try decodeReference(bytes)
    }

    /// ``decode(_:)-([UInt8])`` over bytes lent in place (e.g. a Kafka message's value during a
    /// zero-copy poll): the same answers, without copying the bytes unless the fast path declines.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(EventDecodingError) -> EventEnvelope {
        if let envelope = EventFastDecoder.decode(bytes.assumingMemoryBound(to: UInt8.self)) { return envelope }
        return try decodeReference(Array(bytes))
    }

    /// The reference decoder: ``StrictJSONScanner``, then Foundation's `JSONDecoder` over the
    /// `Decodable` event types, then ``SemanticValidation``. Slow (tens of µs per event) but the
    /// definition of what ``decode(_:)`` accepts and of every rejection's reason and detail.
    /// Public for the differential tests and `almanac-bench event-codec`; use ``decode(_:)``.
    public static func decodeReference(_ bytes: [UInt8]) throws(EventDecodingError) -> EventEnvelope {
        guard bytes.count <= maximumSize else {
            throw EventDecodingError(.tooLarge, "message is \(bytes.count) bytes; the limit is \(maximumSize)")
        }
        let scan = try StrictJSONScanner.scan(bytes)
        guard scan.root == .object else {
            throw EventDecodingError(.notCloudEvent, "not a CloudEvent: the message is a JSON \(scan.root.rawValue), not an object")
        }
        let data = Data(bytes)
        let decoder = makeDecoder()
        let header: EventCodecHeader
        do {
            header = try decoder.decode(EventCodecHeader.self, from: data)
        } catch let error as DecodingError {
            throw EventDecodingError(.notCloudEvent, "not a CloudEvent: \(describe(error))")
        } catch {
            throw EventDecodingError(.notCloudEvent, "not a CloudEvent: \(error)")
        }
        let kind = try header.checkAttributes()
        let time = try header.checkTime()
        let event: AlmanacEvent
        do {
            event = try decodeData(kind, data, decoder)
        } catch let error as DecodingError {
            throw EventDecodingError(.schemaViolation, describe(error, numbers: scan.numbersOutsideInt32))
        } catch let error as EventDecodingError {
            throw error
        } catch {
            throw EventDecodingError(.schemaViolation, "\(error)")
        }
        if let subject = header.subject, subject != event.key {
            throw EventDecodingError(.schemaViolation, "subject \"\(subject)\" does not match the event's key \"\(event.key)\" (the subject is the Kafka key, docs/design.md §2)")
        }
        try SemanticValidation.check(event)
        return EventEnvelope(id: header.id ?? "", source: header.source ?? "", time: time, event: event)
    }

    private static func decodeData(_ kind: AlmanacEvent.Kind, _ data: Data, _ decoder: JSONDecoder) throws -> AlmanacEvent {
        func body<T: Decodable>(_: T.Type) throws -> T { try decoder.decode(EventCodecBody<T>.self, from: data).data }
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

    /// `data.config.jobs[0].complexity: expected an integer` style text. `numbers` are the whole
    /// numbers outside `Int32` and the fractional ones, by path (from ``StrictJSONScanner``): Foundation
    /// reports a number that does not fit its field without a path, so the first candidate is named.
    static func describe(_ error: DecodingError, numbers: [(path: String, text: String)] = []) -> String {
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
            return "\(path(context.codingPath)): expected \(typeName(type))\(found(context))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(typeName(type)), found null"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            // Foundation's number conversion failures carry no path; the JSON itself was scanned already.
            if let number = numbers.first(where: { !$0.path.contains(".params") }) {
                return "\(number.path): \(number.text) does not fit this field (expected a whole number in range)"
            }
            return "a value does not fit its field: \(context.debugDescription)"
        case .dataCorrupted(let context):
            let text = context.debugDescription
            if text.hasPrefix("Cannot initialize "), let range = text.range(of: " from invalid String value ") {
                let type = text[text.index(text.startIndex, offsetBy: "Cannot initialize ".count)..<range.lowerBound]
                return "\(path(context.codingPath)): \"\(text[range.upperBound...])\" is not a valid \(type)"
            }
            return "\(path(context.codingPath)): \(text)"
        @unknown default:
            return "\(error)"
        }
    }

    /// `, found a number` from Foundation's `Expected to decode String but found number instead.`.
    private static func found(_ context: DecodingError.Context) -> String {
        guard let range = context.debugDescription.range(of: "but found ") else { return "" }
        let rest = context.debugDescription[range.upperBound...]
        let what = rest.hasSuffix(" instead.") ? rest.dropLast(" instead.".count) : rest
        return ", found \(what)"
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: return "an integer"
        case is Bool.Type: return "a boolean"
        case is Double.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Dictionary") || name.hasPrefix("[String") { return "an object" }
            if name.hasPrefix("Array") || name.hasPrefix("[") { return "an array" }
            return name
        }
    }
}
