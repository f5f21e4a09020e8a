import Foundation

/// The CloudEvents attributes, each optional so that a missing one is named precisely.
struct EventCodecHeader: Decodable {
    var specversion: String?
    var id: String?
    var source: String?
    var type: String?
    var subject: String?
    var time: String?
    var datacontenttype: String?
    var dataschema: String?
    var data: Present?
    var dataBase64: Present?

    enum CodingKeys: String, CodingKey {
        case specversion, id, source, type, subject, time, datacontenttype, dataschema, data
        case dataBase64 = "data_base64"
    }

    /// Matches any JSON value without reading it (presence of `data`).
    struct Present: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    /// Checks the required attributes, the type and the dataschema's major version.
    /// - Throws: `not_cloudevent`, `unknown_type`, `schema_violation`, `unsupported_major_version`.
    func checkAttributes() throws(EventDecodingError) -> AlmanacEvent.Kind {
        for (name, value) in [("specversion", specversion), ("id", id), ("source", source), ("type", type)] {
            guard let value else {
                throw EventDecodingError(.notCloudEvent, "not a CloudEvent: missing required attribute \"\(name)\" (specversion, id, source and type are required)")
            }
            guard !value.isEmpty else { throw EventDecodingError(.notCloudEvent, "not a CloudEvent: attribute \"\(name)\" is empty") }
        }
        guard specversion == "1.0" else {
            throw EventDecodingError(.notCloudEvent, "specversion \"\(specversion ?? "")\" is not 1.0")
        }
        guard let kind = AlmanacEvent.Kind(rawValue: type ?? "") else {
            let known = AlmanacEvent.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw EventDecodingError(.unknownType, "unknown event type \"\(type ?? "")\" (known: \(known))")
        }
        if let schema = dataschema {
            let expected = String(kind.dataschema.dropLast("/v1".count))
            guard let slash = schema.lastIndex(of: "/"), schema[..<slash] == expected,
                  let version = EventCodec.majorVersion(of: schema) else {
                throw EventDecodingError(.schemaViolation, "dataschema \"\(schema)\" is not a schema of \(kind.rawValue) (expected \(kind.dataschema))")
            }
            guard version == 1 else {
                throw EventDecodingError(.unsupportedVersion, "unsupported major version \(version) of \(kind.schemaName) (dataschema \(schema); this consumer reads v1)")
            }
        }
        if let contentType = datacontenttype, contentType != "application/json", !contentType.hasPrefix("application/json;") {
            throw EventDecodingError(.schemaViolation, "datacontenttype \"\(contentType)\" is not application/json")
        }
        if dataBase64 != nil {
            throw EventDecodingError(.schemaViolation, "data_base64 is not accepted: send the payload as JSON in \"data\"")
        }
        if data == nil {
            throw EventDecodingError(.schemaViolation, "missing required field \"data\" (or it is null)")
        }
        return kind
    }

    /// - Throws: `schema_violation` if `time` is missing or not an RFC 3339 instant.
    func checkTime() throws(EventDecodingError) -> Date {
        guard let time else { throw EventDecodingError(.schemaViolation, "missing required attribute \"time\" (RFC 3339, e.g. 2026-03-02T13:00:00.000Z)") }
        guard let date = RFC3339.parse(time) else {
            throw EventDecodingError(.schemaViolation, "time \"\(time)\" is not an RFC 3339 instant (e.g. 2026-03-02T13:00:00.000Z)")
        }
        return date
    }
}

struct EventCodecBody<T: Decodable>: Decodable {
    var data: T
}

struct EventCodecWire<T: Encodable>: Encodable {
    var specversion = "1.0"
    var id: String
    var source: String
    var type: String
    /// Omitted when the key is empty (a dlq copy of an unkeyed message): CloudEvents requires a
    /// present `subject` to be non-empty.
    var subject: String?
    var time: Date
    var datacontenttype = "application/json"
    var dataschema: String
    var data: T

    init(_ envelope: EventEnvelope, _ data: T) {
        id = envelope.id
        source = envelope.source
        type = envelope.type
        subject = envelope.subject.isEmpty ? nil : envelope.subject
        time = envelope.time
        dataschema = envelope.event.kind.dataschema
        self.data = data
    }
}
