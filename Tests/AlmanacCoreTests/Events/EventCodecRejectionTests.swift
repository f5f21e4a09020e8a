import AlmanacCore
import Foundation
import Testing

/// Each kind of bad input gets its own ``RejectionReason`` and a detail that names the byte or the
/// field (issue 5; the same cases, published on Kafka, are `ops/contract/bad_inputs.py`).
@Suite struct EventCodecRejectionTests {
    /// A message that is fine except for what a case changes.
    static func event(type: String = "almanac.schedule.paused", dataschema: String? = nil, data: String = #"{"app":"a"}"#,
                      extra: String = "") -> String {
        let schema = dataschema ?? "https://almanac.dev/schemas/\(type.dropFirst("almanac.".count))/v1"
        return #"{"specversion":"1.0","id":"1","source":"test","type":"\#(type)","time":"2026-03-02T13:00:00.000Z","# +
            #""dataschema":"\#(schema)","data":\#(data)\#(extra)}"#
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var reason: RejectionReason
        /// Text the detail must contain.
        var detail: String
        init(_ name: String, _ text: String, _ reason: RejectionReason, _ detail: String) {
            self.init(name, Array(text.utf8), reason, detail)
        }
        init(_ name: String, _ bytes: [UInt8], _ reason: RejectionReason, _ detail: String) {
            self.name = name
            self.bytes = bytes
            self.reason = reason
            self.detail = detail
        }
        var testDescription: String { name }
    }

    static let valid = event()
    static let configured = #"{"app":"x","account":"y","jobs":[{"name":"j","schedule":"8:00","command":["run"]}]}"#

    static let cases: [Case] = [
        // Not JSON.
        Case("empty", "", .notJSON, "empty"),
        Case("whitespace", "  \n", .notJSON, "only whitespace"),
        Case("plain text", "pause clinic-reminders", .notJSON, "byte 0"),
        Case("truncated JSON", String(valid.dropLast(5)), .notJSON, "truncated"),
        Case("trailing comma", valid.replacingOccurrences(of: #""app":"a"}"#, with: #""app":"a",}"#), .notJSON, "trailing comma"),
        Case("comment", valid.replacingOccurrences(of: "{\"app\"", with: "{/*c*/\"app\""), .notJSON, "byte"),
        Case("two documents", valid + valid, .notJSON, "after the end of the JSON value"),
        Case("NaN", event(data: #"{"app":"a","n":NaN}"#), .notJSON, "NaN"),
        Case("single quotes", "{'specversion':'1.0'}", .notJSON, "expected a quoted key at byte 1 in (root), found a single quote"),
        Case("deep path is shortened", String(repeating: #"{"a":"#, count: 70), .notJSON, "in a.a.a.a.….a.a"),
        Case("raw newline in string", valid.replacingOccurrences(of: "\"test\"", with: "\"te\nst\""), .notJSON, "control character 0x0A"),
        Case("bad escape", valid.replacingOccurrences(of: "\"test\"", with: #""te\qst""#), .notJSON, "invalid escape"),
        Case("lone surrogate", valid.replacingOccurrences(of: "\"test\"", with: #""\ud800""#), .notJSON, "unpaired surrogate"),
        Case("leading zero", event(data: #"{"app":"a","n":01}"#), .notJSON, "leading zero"),
        Case("truncated UTF-8 at end", Array(valid.utf8) + [0xC3], .notJSON, "ends inside a multi-byte character"),
        Case("truncated UTF-8 inside", Array(valid.replacingOccurrences(of: "\"test\"", with: "\"t\u{E9}\"").utf8).filter { $0 != 0xA9 },
             .notJSON, "the next bytes do not complete"),
        Case("overlong UTF-8", Array(#"{"a":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8), .notJSON, "at byte 6 (byte 0xC0 cannot start a character)"),
        Case("surrogate in UTF-8", Array(#"{"a":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8), .notJSON, "at byte 6 (byte 0xED starts"),
        Case("Latin-1", Array(#"{"a":""#.utf8) + [0xE9] + Array(#""}"#.utf8), .notJSON, "not valid UTF-8 at byte 6"),
        Case("byte order mark", [0xEF, 0xBB, 0xBF] + Array(valid.utf8), .notJSON, "byte order mark"),
        Case("UTF-16", Array(valid.data(using: .utf16LittleEndian)!), .notJSON, "UTF-16"),
        Case("deep nesting", event(data: #"{"app":"a","x":"# + String(repeating: "[", count: 65) + String(repeating: "]", count: 65) + "}"),
             .notJSON, "nested deeper than 64"),
        Case("very deep nesting", String(repeating: "[", count: 100_000), .notJSON, "nested deeper than 64"),
        // Not a CloudEvent.
        Case("array", "[1,2]", .notCloudEvent, "a JSON array"),
        Case("string", #""hello""#, .notCloudEvent, "a JSON string"),
        Case("null", "null", .notCloudEvent, "a JSON null"),
        Case("plain object", #"{"app":"a"}"#, .notCloudEvent, "\"specversion\""),
        Case("no id", valid.replacingOccurrences(of: #""id":"1","#, with: ""), .notCloudEvent, "\"id\""),
        Case("empty source", valid.replacingOccurrences(of: #""source":"test""#, with: #""source":"""#), .notCloudEvent, "\"source\" is empty"),
        Case("id is a number", valid.replacingOccurrences(of: #""id":"1""#, with: #""id":1"#), .notCloudEvent, "id: expected a string"),
        Case("specversion 0.3", valid.replacingOccurrences(of: "\"1.0\"", with: "\"0.3\""), .notCloudEvent, "is not 1.0"),
        // Type and version.
        Case("unknown type", event(type: "almanac.app.deleted"), .unknownType, "almanac.app.deleted"),
        Case("foreign type", event(type: "com.example.order.created"), .unknownType, "unknown event type"),
        Case("v2", event(dataschema: "https://almanac.dev/schemas/schedule.paused/v2"), .unsupportedVersion, "unsupported major version 2"),
        Case("v10", event(dataschema: "https://almanac.dev/schemas/schedule.paused/v10"), .unsupportedVersion, "major version 10"),
        Case("another type's schema", event(dataschema: "https://almanac.dev/schemas/job.triggered/v1"), .schemaViolation, "not a schema of almanac.schedule.paused"),
        Case("no version", event(dataschema: "https://almanac.dev/schemas/schedule.paused/latest"), .schemaViolation, "not a schema of"),
        // Schema.
        Case("duplicate key", valid.replacingOccurrences(of: #""id":"1""#, with: #""id":"1","id":"2""#), .schemaViolation, "duplicate key \"id\""),
        Case("duplicate key in data", event(data: #"{"app":"a","app":"b"}"#), .schemaViolation, "data: duplicate key \"app\""),
        Case("duplicate key by escape", event(data: #"{"app":"a","\u0061pp":"b"}"#), .schemaViolation, "duplicate key \"app\""),
        Case("no time", valid.replacingOccurrences(of: #""time":"2026-03-02T13:00:00.000Z","#, with: ""), .schemaViolation, "\"time\""),
        Case("bad time", valid.replacingOccurrences(of: "2026-03-02T13:00:00.000Z", with: "yesterday"), .schemaViolation, "time \"yesterday\""),
        Case("no data", valid.replacingOccurrences(of: #","data":{"app":"a"}"#, with: ""), .schemaViolation, "\"data\""),
        Case("null data", event(data: "null"), .schemaViolation, "\"data\""),
        Case("data_base64", valid.replacingOccurrences(of: #""data":{"app":"a"}"#, with: #""data_base64":"e30=""#), .schemaViolation, "data_base64"),
        Case("xml", event(extra: #","datacontenttype":"application/xml""#), .schemaViolation, "application/xml"),
        Case("missing field", event(data: #"{"job":"j"}"#), .schemaViolation, "data: missing required field \"app\""),
        Case("wrong type", event(data: #"{"app":5}"#), .schemaViolation, "data.app: expected a string, found number"),
        Case("data is an array", event(data: "[]"), .schemaViolation, "data: expected an object"),
        Case("subject is not the key", event(extra: #","subject":"b""#), .schemaViolation, "subject \"b\""),
        Case("fractional complexity", event(type: "almanac.app.configured", data: #"{"config":{"app":"x","account":"y","jobs":[{"name":"j","command":["r"],"complexity":2.5}]}}"#),
             .schemaViolation, "data.config.jobs[0].complexity: 2.5"),
        Case("partition beyond Int32", event(type: "almanac.event.rejected",
             data: #"{"topic":"t","partition":4294967296,"offset":1,"rawBase64":"","truncated":false,"reason":"not_json","detail":"d","rejectedBy":"p"}"#),
             .schemaViolation, "data.partition: 4294967296"),
        Case("unknown status", event(type: "almanac.job.skipped",
             data: #"{"triggerId":"t","job":{"account":"a","app":"b","job":"c"},"scheduledFor":"2026-03-02T13:00:00Z","reason":"bored"}"#),
             .schemaViolation, "data.reason: \"bored\" is not a valid SkipReason"),
        Case("unknown config key", event(type: "almanac.app.configured", data: #"{"config":{"app":"x","account":"y","jobs":[],"owner":"z"}}"#),
             .schemaViolation, "unknown key \"owner\""),
        // Semantics.
        Case("complexity 11", event(type: "almanac.app.configured", data: #"{"config":{"app":"x","account":"y","jobs":[{"name":"j","command":["r"],"complexity":11}]}}"#),
             .invalidData, "data.config.jobs[0].complexity: 11 is outside"),
        Case("unknown zone", event(type: "almanac.app.configured", data: #"{"config":{"app":"x","account":"y","timeZone":"Mars/Olympus","jobs":[{"name":"j","command":["r"]}]}}"#),
             .invalidData, "data.config.timeZone"),
        Case("unparsable schedule", event(type: "almanac.app.configured", data: #"{"config":{"app":"x","account":"y","jobs":[{"name":"j","schedule":"25:99","command":["r"]}]}}"#),
             .invalidData, "data.config.jobs[0].schedule"),
        Case("negative usage", event(type: "almanac.job.completed", data: #"{"triggerId":"t","executionId":"e","job":{"account":"a","app":"b","job":"c"},"status":"succeeded","attempt":1,"startedAt":"2026-03-02T13:00:00Z","finishedAt":"2026-03-02T13:00:01Z","durationMilliseconds":1000,"usage":{"ai":[],"emails":-1,"sms":0},"followUps":[],"stdoutTail":"","stderrTail":""}"#),
             .invalidData, "data.usage.emails: -1 is negative"),
        Case("empty app", event(data: #"{"app":""}"#), .invalidData, "data.app: must not be empty"),
        Case("attempt 0", event(type: "almanac.job.triggered", data: #"{"triggerId":"t","job":{"account":"a","app":"b","job":"c"},"scheduledFor":"2026-03-02T13:00:00Z","source":"manual","attempt":0}"#),
             .invalidData, "data.attempt: 0"),
        Case("charge id is not the trigger id", event(type: "almanac.credits.charged", data: #"{"chargeId":"x","triggerId":"t","account":"a","app":"b","job":"c","executionId":"e","status":"succeeded","pricingVersion":"v","lineItems":[],"total":0}"#),
             .invalidData, "data.chargeId"),
        Case("total is not the sum", event(type: "almanac.credits.charged", data: #"{"chargeId":"t","triggerId":"t","account":"a","app":"b","job":"c","executionId":"e","status":"succeeded","pricingVersion":"v","lineItems":[{"item":"base","quantity":1,"unitPrice":1000,"unitsPer":1,"amount":1000}],"total":5}"#),
             .invalidData, "data.total: 5"),
        Case("tick off the minute", event(type: "almanac.tick.completed", data: #"{"minute":"2026-03-02T13:00:30Z","triggered":0,"skipped":0,"ticker":"t"}"#),
             .invalidData, "data.minute"),
    ]

    @Test(arguments: cases)
    func decode_whenInputIsBad_rejectsWithReasonAndDetail(_ badCase: Case) {
        do {
            let envelope = try EventCodec.decode(badCase.bytes)
            Issue.record("accepted: \(envelope)")
        } catch {
            #expect(error.reason == badCase.reason, "\(error.detail)")
            #expect(error.detail.contains(badCase.detail), "detail was: \(error.detail)")
        }
    }

    @Test func decode_whenOverTheLimit_rejectsUnread() {
        var bytes = Array(Self.valid.utf8)
        bytes += Array(repeating: 0x20, count: EventCodec.maximumSize + 1 - bytes.count)
        #expect(throws: EventDecodingError(.tooLarge, "message is 1048577 bytes; the limit is 1048576")) { try EventCodec.decode(bytes) }
        #expect(throws: Never.self) { try EventCodec.decode(Array(bytes.dropLast())) }
    }

    @Test func decode_whenValidJSONVariants_accepts() throws {
        // Escapes, whitespace, exponents, nesting within the limit, unknown envelope and data attributes.
        let texts = [
            Self.event(data: #"{"app":"\u0061","job":"j\/1","reason":"caf\u00e9 \ud83d\ude00"}"#),
            " \n\t" + Self.event(extra: #","traceparent":"00-abc","subject":"a""#) + "\r\n",
            Self.event(data: #"{"app":"a","ticket":{"deep":"# + String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + "}}"),
            Self.event(type: "almanac.app.configured", data: #"{"config":{"app":"x","account":"y","jobs":[{"name":"j","command":["r"],"complexity":3.0,"retries":1e1,"params":{"ratio":0.25,"big":12345678901}}]}}"#),
            Self.event(extra: #","datacontenttype":"application/json; charset=utf-8""#),
            Self.valid.replacingOccurrences(of: #","dataschema":"https://almanac.dev/schemas/schedule.paused/v1""#, with: ""),
        ]
        for text in texts {
            #expect(throws: Never.self, "\(text)") { try EventCodec.decode(Array(text.utf8)) }
        }
        let decoded = try EventCodec.decode(Array(texts[0].utf8))
        #expect(decoded.event == .schedulePaused(ScheduleToggled(app: "a", job: "j/1", reason: "café 😀")))
    }

    @Test func encode_whenKeyIsEmpty_omitsSubject_andStaysByteStable() throws {
        let rejected = EventRejected(topic: "almanac.control", partition: 0, offset: 1, key: nil, raw: [0x7B], reason: .notJSON,
                                     detail: "d", rejectedBy: "projector")
        let envelope = EventEnvelope(source: "test", time: Date(timeIntervalSince1970: 1_772_456_400), event: .eventRejected(rejected))
        let bytes = try EventCodec.encode(envelope)
        #expect(!String(decoding: bytes, as: UTF8.self).contains("\"subject\""))
        #expect(try EventCodec.encode(EventCodec.decode(bytes)) == bytes)
    }

    @Test func cases_coverEveryRejectionReasonTheCodecCanGive() {
        let reasons = Set(Self.cases.map(\.reason))
        #expect(reasons == [.notJSON, .notCloudEvent, .unknownType, .unsupportedVersion, .schemaViolation, .invalidData])
    }
}
