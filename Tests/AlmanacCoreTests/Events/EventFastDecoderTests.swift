@testable import AlmanacCore
import Foundation
import Testing

/// The fast decoder against the reference (`StrictJSONScanner` + `JSONDecoder`): whenever the fast
/// path returns an event, the reference returns the same one; `EventCodec.decode` always answers
/// as the reference does (same event, or same reason and detail).
@Suite struct EventFastDecoderTests {
    /// Reference answer, as a value that compares events and errors alike.
    enum Answer: Equatable {
        case event(EventEnvelope)
        case error(EventDecodingError)
    }

    static func reference(_ bytes: [UInt8]) -> Answer {
        do { return .event(try EventCodec.decodeReference(bytes)) } catch { return .error(error) }
    }

    static func codec(_ bytes: [UInt8]) -> Answer {
        do { return .event(try EventCodec.decode(bytes)) } catch { return .error(error) }
    }

    /// Fails the test if the fast path accepts what the reference does not, or reads it differently.
    static func check(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let reference = reference(bytes)
        if let fast = EventFastDecoder.decode(bytes) {
            #expect(reference == .event(fast), "fast path differs on \(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation)
        }
        #expect(codec(bytes) == reference, sourceLocation: sourceLocation)
    }

    static let at = EventCodecTests.at
    static let job = EventCodecTests.job
    static let trigger = EventCodecTests.trigger

    /// Events with every optional field set, and unusual but valid values.
    static let richEvents: [AlmanacEvent] = [
        .jobTriggered(JobTriggered(triggerId: trigger.retry(attempt: 2), job: job, scheduledFor: at, source: .retry, attempt: 2,
                                   params: .object(["n": .int(-3), "big": .int(Int64.max), "s": .string("é \"q\" \\ / \n\t\u{1F600}\u{0}"),
                                                    "a": .array([.bool(true), .bool(false), .null, .object([:]), .array([])])]),
                                   parentTriggerId: trigger, notBefore: at.addingTimeInterval(20.123))),
        .jobTriggered(JobTriggered(triggerId: TriggerID("manual-ü"), job: JobKey(account: "ä", app: "b", job: "c"), scheduledFor: at, source: .manual)),
        .jobCompleted(JobCompleted(triggerId: trigger, executionId: "e1", job: job, status: .timedOut, attempt: 3, exitCode: Int32.min,
                                   startedAt: at, finishedAt: at.addingTimeInterval(-0.25),
                                   usage: RunUsage(ai: [.init(model: "gpt-4o-mini", inputTokens: 1200, outputTokens: 0),
                                                        .init(model: "m\u{301}", inputTokens: Int64.max, outputTokens: 1)], emails: 0, sms: 7),
                                   followUps: [trigger.followUp("next", number: 1), trigger.followUp("next", number: 2)],
                                   stdoutTail: "line\r\nline\u{7}\u{1F}\u{7F}", stderrTail: "\u{2028}\u{FEFF}", error: "exit code 2")),
        .jobCompleted(JobCompleted(triggerId: trigger, executionId: "e2", job: job, status: .failed, attempt: 1, exitCode: nil,
                                   startedAt: at, finishedAt: at, usage: .none)),
        // Twelve nested objects: more than the reader's member-hint slots, so objects share slots.
        .jobCompleted(JobCompleted(triggerId: trigger, executionId: "e3", job: job, status: .succeeded, attempt: 1, exitCode: 0,
                                   startedAt: at, finishedAt: at,
                                   usage: RunUsage(ai: (0..<12).map { .init(model: "m\($0)", inputTokens: Int64($0), outputTokens: Int64(100 - $0)) }, emails: 1))),
        .jobSkipped(JobSkipped(triggerId: trigger, job: job, scheduledFor: at, reason: .missed, detail: "down since …")),
        .creditsCharged(CreditsCharged(triggerId: trigger, account: "acme", app: "reminders", job: "send", executionId: "e1", status: .failed,
                                       pricingVersion: "2026-01-standard",
                                       lineItems: [ChargeLineItem(item: "base", quantity: 1, unitPrice: .credits(3), amount: .credits(3), note: "complexity 3"),
                                                   ChargeLineItem(item: "ai:x:input", quantity: 1200, unitPrice: Millicredits(150), unitsPer: 1000, amount: Millicredits(180))])),
        .creditsCharged(CreditsCharged(triggerId: trigger, account: "acme", app: "reminders", job: "send", executionId: "e1", status: .succeeded,
                                       pricingVersion: "v", lineItems: [])),
        .eventRejected(EventRejected(topic: "t", partition: Int32.max, offset: 0, key: nil, raw: Array(repeating: 0xFF, count: 10),
                                     reason: .schemaViolation, detail: "d", rejectedBy: "worker")),
        .scheduleResumed(ScheduleToggled(app: "reminders")),
        .tickCompleted(TickCompleted(minute: at.addingTimeInterval(-86_400 * 400), triggered: 0, skipped: 12, ticker: "t")),
    ]

    static let allEvents = EventCodecTests.events + richEvents

    static func encoded(_ event: AlmanacEvent, time: Date = at) -> [UInt8] {
        (try? EventCodec.encode(EventEnvelope(source: "test", time: time, event: event))) ?? []
    }

    @Test(arguments: allEvents)
    func fastPath_readsEveryEncodedEvent_asTheReference(_ event: AlmanacEvent) throws {
        let bytes = Self.encoded(event, time: Self.at.addingTimeInterval(0.904))
        let fast = EventFastDecoder.decode(bytes)
        if event.kind == .appConfigured {
            #expect(fast == nil)  // left to the reference (strict config decoding)
        } else {
            #expect(fast != nil, "the fast path should take \(event.kind.rawValue)")
        }
        Self.check(bytes)
    }

    @Test(arguments: EventCodecRejectionTests.cases)
    func fastPath_rejectsEveryRejectionCase(_ c: EventCodecRejectionTests.Case) {
        #expect(EventFastDecoder.decode(c.bytes) == nil)
        Self.check(c.bytes)
    }

    /// Hand-written variants at the edges of what the two paths might read differently.
    static let edgeTexts: [String] = {
        let e = EventCodecRejectionTests.event
        let triggered = #"{"triggerId":"t","job":{"account":"a","app":"b","job":"c"},"scheduledFor":"2026-03-02T13:00:00.000Z","source":"manual","attempt":1"#
        return [
            e("almanac.schedule.paused", nil, #"{"app":"a","job":null,"reason":null}"#, ""),
            e("almanac.schedule.paused", nil, #"{"app":"a"}"#, #","subject":null,"dataschema":null,"datacontenttype":null,"data_base64":null"#),
            e("almanac.schedule.paused", nil, #"{"app":"a"}"#, #","subject":"a","datacontenttype":"application/json; charset=utf-8""#),
            e("almanac.schedule.paused", nil, #"{"app":"a"}"#, #","datacontenttype":"application/json;\u0301x""#),
            e("almanac.schedule.paused", nil, #"{"app":"a"}"#, ",\"datacontenttype\":\"application/json;\u{301}x\""),
            e("almanac.schedule.paused", nil, #"{"app":"a"}"#, #","datacontenttype":"application/jsonx""#),
            e("almanac.schedule.paused", "https://almanac.dev/schemas/schedule.paused/v01", #"{"app":"a"}"#, ""),
            e("almanac.schedule.paused", "https://almanac.dev/schemas/schedule.paused/v1beta", #"{"app":"a"}"#, ""),
            e("almanac.schedule.paused", "https://almanac.dev/schemas/schedule.resumed/v1", #"{"app":"a"}"#, ""),
            e("almanac.schedule.paused", "https://almanac.dev/schemas/schedule.paused/v2", #"{"app":"a"}"#, ""),
            e("almanac.schedule.paused", nil, #"{"app":"a"}"#, #","ext":1e400,"ext2":123456789012345678901234567890,"ext3":-0.0e-0"#),
            e("almanac.schedule.paused", nil, #"{"app":"a"}"#, #","ext":"\u0000\ud83d\ude00","é":1"#),
            e("almanac.schedule.paused", nil, #"{"app":"a"}"#, #","\u0065xt":1,"ext":2"#),
            e("almanac.schedule.paused", nil, #"{"app":"a"}"#, #","subject":"\u0061""#),
            e("almanac.schedule.paused", nil, #"{"app":"K"}"#, ",\"subject\":\"\u{212A}\""),
            e("almanac.schedule.paused", nil, #"{"app":"e\u0301"}"#, ",\"subject\":\"\u{E9}\""),
            e("almanac.schedule.paused", nil, #"{"app":"a","\u0061pp":"b"}"#, ""),
            e("almanac.schedule.paused", nil, #"{"app":"a","app":"b"}"#, ""),
            e("almanac.schedule.paused", nil, #"{"app":"a","x":{"y":1,"y":2}}"#, ""),
            e("almanac.schedule.paused", nil, #"{"app":""}"#, ""),
            e("almanac.schedule.paused", nil, #"{"app":5}"#, ""),
            e("almanac.schedule.paused", nil, #"[]"#, ""),
            e("almanac.schedule.paused", nil, #"null"#, ""),
            e("almanac.schedule.paused", nil, #"{"app":"a"}"#, #","specversion":"1.0""#),
            e("almanac.job.triggered", nil, triggered + "}", ""),
            e("almanac.job.triggered", nil, triggered + #","attempt":1}"#, ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #""attempt":1"#, with: #""attempt":1.0"#) + "}", ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #""attempt":1"#, with: #""attempt":1e0"#) + "}", ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #""attempt":1"#, with: #""attempt":-0"#) + "}", ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #""attempt":1"#, with: #""attempt":9223372036854775808"#) + "}", ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #""attempt":1"#, with: #""attempt":"1""#) + "}", ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #""attempt":1"#, with: #""attempt":true"#) + "}", ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #""manual""#, with: #""Manual""#) + "}", ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #"13:00:00.000Z"#, with: #"13:00+01:00"#) + "}", ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #"13:00:00.000Z"#, with: #"13:00:00.123456789z"#) + "}", ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #"13:00:00.000Z"#, with: #"13:00:60Z"#) + "}", ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #"13:00:00.000Z"#, with: #"13:00:00.Z"#) + "}", ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #"13:00:00.000Z"#, with: #"13:00:00\u002e000Z"#) + "}", ""),
            e("almanac.job.triggered", nil, triggered + #","params":null}"#, ""),
            e("almanac.job.triggered", nil, triggered + #","params":1}"#, ""),
            e("almanac.job.triggered", nil, triggered + #","params":1.5}"#, ""),
            e("almanac.job.triggered", nil, triggered + #","params":{"a":[1,-1,0,1e2,"x",{"b":null}]}}"#, ""),
            e("almanac.job.triggered", nil, triggered + #","params":{"a":-9223372036854775808,"b":-0}}"#, ""),
            e("almanac.job.triggered", nil, triggered + #","params":{"a":true,"b":0,"c":1}}"#, ""),
            e("almanac.job.triggered", nil, triggered + #","params":{"\u00e9":1}}"#, ""),
            e("almanac.job.triggered", nil, triggered + #","parentTriggerId":null,"notBefore":null}"#, ""),
            e("almanac.job.triggered", nil, triggered + #","notBefore":"yesterday"}"#, ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #""attempt":1"#, with: #""attempt":0"#) + "}", ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #"{"account":"a","#, with: #"{"account":"a","extra":[],"#) + "}", ""),
            e("almanac.job.triggered", nil, #"{"aaa":{"attempt":2},"attempt":1,"ja":[{"job":1}],"job":{"account":"a","ab":{},"app":"b","job":"c","zz":null},"#
                + #""s":"x","scheduledFor":"2026-03-02T13:00:00.000Z","source":"manual","t":{"triggerId":"u"},"triggerId":"t","zzz":[]}"#, ""),
            e("almanac.job.triggered", nil, triggered.replacingOccurrences(of: #"{"account":"a","app":"b","job":"c"}"#, with: "{}") + "}", ""),
            // Line items whose amounts pass 64 bits: rejected as invalid_data, never a trap.
            e("almanac.credits.charged", nil, #"{"account":"acme","app":"x","chargeId":"t","executionId":"e","job":"j","lineItems":[{"amount":9223372036854775807,"item":"a","quantity":1,"unitPrice":1,"unitsPer":1},{"amount":1,"item":"b","quantity":1,"unitPrice":1,"unitsPer":1}],"pricingVersion":"v","status":"failed","total":0,"triggerId":"t"}"#, ""),
            e("almanac.credits.charged", nil, #"{"account":"acme","app":"x","chargeId":"t","executionId":"e","job":"j","lineItems":[{"amount":-9223372036854775808,"item":"a","quantity":1,"unitPrice":1,"unitsPer":1},{"amount":-1,"item":"b","quantity":1,"unitPrice":1,"unitsPer":1}],"pricingVersion":"v","status":"failed","total":0,"triggerId":"t"}"#, ""),
            e("almanac.credits.charged", nil, #"{"account":"acme","app":"x","chargeId":"a\/b","executionId":"e","job":"j","lineItems":[],"pricingVersion":"v","status":"failed","total":0,"triggerId":"a/b"}"#, ""),
            e("almanac.tick.completed", nil, #"{"minute":"2026-03-02T13:00:30.000Z","triggered":0,"skipped":0,"ticker":"t"}"#, ""),
            e("almanac.tick.completed", nil, #"{"minute":"2026-03-02T13:00:00.000Z","triggered":-1,"skipped":0,"ticker":"t"}"#, ""),
            e("almanac.event.rejected", nil, #"{"topic":"t","partition":2147483648,"offset":0,"rawBase64":"","truncated":false,"reason":"not_json","detail":"","rejectedBy":""}"#, ""),
            e("almanac.event.rejected", nil, #"{"topic":"t","partition":-1,"offset":0,"rawBase64":"","truncated":false,"reason":"not_json","detail":"","rejectedBy":""}"#, ""),
            e("almanac.event.rejected", nil, #"{"topic":"t","partition":1,"offset":0,"rawBase64":"","truncated":0,"reason":"not_json","detail":"","rejectedBy":""}"#, ""),
            e("almanac.event.rejected", nil, #"{"topic":"t","partition":1,"offset":0,"rawBase64":"!!","truncated":true,"reason":"not_json","detail":"","rejectedBy":"","key":null}"#, ""),
            e("almanac.app.removed", nil, #"{"app":"a b","account":"c"}"#, ""),
            e("almanac.app.removed", nil, #"{"app":"a","account":"c"}"#, #","subject":"a""#),
            " " + e("almanac.app.removed", nil, #"{"app":"a","account":"c"}"#, "") + "\n\t\r ",
            e("almanac.app.removed", nil, #"{"app":"a","account":"c"}"#, "").replacingOccurrences(of: ",", with: " ,\n "),
        ]
    }()

    @Test func fastPath_onEdgeCases_agreesWithTheReference() {
        for text in Self.edgeTexts { Self.check(Array(text.utf8)) }
    }

    /// Strings are scanned 8 bytes at a time: a control byte, a quote, a backslash escape (valid
    /// or not) or a non-ASCII byte (valid UTF-8 or not) at every position of strings of every
    /// length around a word is read as the reference reads it.
    @Test func fastPath_onSpecialBytesAtEveryPositionOfAString_agreesWithTheReference() {
        let e = EventCodecRejectionTests.event
        let specials: [[UInt8]] = [[0x00], [0x1F], [0x20], [0x7F], [0x80], [0xC3, 0xA9], [0xFF], [0x22],
                                   Array(#"\""#.utf8), Array(#"\\"#.utf8), Array(#"\n"#.utf8), Array(#"\u00e9"#.utf8), Array(#"\x"#.utf8)]
        // A free-text field (a pause's reason), so that every byte the reference accepts is kept.
        let template = Array(e("almanac.schedule.paused", nil, #"{"app":"a","reason":"APPVALUE"}"#, "").utf8)
        let placeholder = Array("APPVALUE".utf8)
        guard let at = (0...(template.count - placeholder.count)).first(where: { Array(template[$0..<($0 + placeholder.count)]) == placeholder }) else {
            Issue.record("no placeholder")
            return
        }
        for length in 0..<26 {
            for position in 0...length {
                for special in specials {
                    var app = Array(repeating: UInt8(ascii: "a"), count: length)
                    app.insert(contentsOf: special, at: position)
                    Self.check(Array(template[..<at]) + app + Array(template[(at + placeholder.count)...]))
                }
            }
        }
    }

    /// The decoder looks for each field from where it found the last one (encoders write sorted
    /// keys): every event with each object's keys in reverse order, and in a rotated order, is read
    /// as the reference reads it, and the same as the sorted original.
    @Test func fastPath_onKeysInAnyOrder_readsTheSameEvent() throws {
        for event in Self.allEvents {
            let bytes = Self.encoded(event)
            let object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            for order in [KeyOrder.reversed, .rotated] {
                let reordered = try Array(Self.serialize(object, order: order).utf8)
                Self.check(reordered)
                #expect(EventFastDecoder.decode(reordered) == EventFastDecoder.decode(bytes), "\(order): \(String(decoding: reordered, as: UTF8.self))")
            }
        }
    }

    enum KeyOrder { case reversed, rotated }

    /// JSON text of a `JSONSerialization` value with each object's keys in `order` (of the sorted keys).
    static func serialize(_ value: Any, order: KeyOrder) throws -> String {
        if let object = value as? [String: Any] {
            var keys = object.keys.sorted()
            switch order {
            case .reversed: keys.reverse()
            case .rotated: if keys.count > 2 { keys = Array(keys[(keys.count / 2)...] + keys[..<(keys.count / 2)]) }
            }
            return try "{" + keys.map { try serialize($0, order: order) + ":" + serialize(object[$0]!, order: order) }.joined(separator: ",") + "}"
        }
        if let array = value as? [Any] {
            return try "[" + array.map { try serialize($0, order: order) }.joined(separator: ",") + "]"
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes]), as: UTF8.self)
    }

    /// A job event's `subject` is compared with `account/app/job` part by part, without building
    /// the key: a match, a mismatch in each part, a missing or extra part, slashes inside a part,
    /// an escaped subject and canonically equivalent text are each read as the reference reads them.
    @Test func fastPath_onJobEventSubjects_agreesWithTheReference() {
        let e = EventCodecRejectionTests.event
        func triggered(_ account: String, _ app: String, _ job: String) -> String {
            #"{"attempt":1,"job":{"account":"\#(account)","app":"\#(app)","job":"\#(job)"},"scheduledFor":"2026-03-02T13:00:00.000Z","source":"manual","triggerId":"t"}"#
        }
        let cases: [(data: String, subject: String)] = [
            (triggered("a", "b", "c"), "a/b/c"),
            (triggered("a", "b", "c"), "x/b/c"),
            (triggered("a", "b", "c"), "a/x/c"),
            (triggered("a", "b", "c"), "a/b/x"),
            (triggered("a", "b", "c"), "a/b"),
            (triggered("a", "b", "c"), "a/b/c/"),
            (triggered("a", "b", "c"), "a/b/cc"),
            (triggered("a", "b", "c"), "ab/c"),
            (triggered("a", "b", "c"), ""),
            (triggered("a/b", "c", "d"), "a/b/c/d"),
            (triggered("a", "b/c", "d"), "a/b/c/d"),
            (triggered("a", "b", "c"), #"a\/b\/c"#),
            (triggered("a", "b", "c"), #"\u0061/b/c"#),
            (triggered(#"e\u0301"#, "b", "c"), #"\u00e9/b/c"#),
            (triggered("e\u{301}", "b", "c"), "\u{E9}/b/c"),
            (triggered("\u{E9}", "b", "c"), "\u{E9}/b/c"),
        ]
        for c in cases {
            let text = e("almanac.job.triggered", nil, c.data, #","subject":"\#(c.subject)""#)
            Self.check(Array(text.utf8))
        }
        let matching = e("almanac.job.triggered", nil, triggered("a", "b", "c"), #","subject":"a/b/c""#)
        #expect(EventFastDecoder.decode(Array(matching.utf8)) != nil)
        let other = e("almanac.job.triggered", nil, triggered("a", "b", "c"), #","subject":"a/b/x""#)
        #expect(EventFastDecoder.decode(Array(other.utf8)) == nil)
        #expect(throws: EventDecodingError.self) { try EventCodec.decode(Array(other.utf8)) }
    }

    /// Tokens are parsed on the stack up to `JSONTape.stackTokens` and again on the heap beyond:
    /// events whose `params` take the tape from well under to well over that many tokens (across
    /// the boundary one by one) are read, and read as the reference reads them; an invalid byte
    /// after the buffer filled is still rejected.
    @Test func fastPath_onEventsAroundTheStackTokenLimit_readsThemAll() throws {
        let e = EventCodecRejectionTests.event
        for elements in Array(0..<8) + Array((JSONTape.stackTokens - 60)...(JSONTape.stackTokens - 20)) + [500, 5_000] {
            let params = "[" + (0..<elements).map(String.init).joined(separator: ",") + "]"
            let text = e("almanac.job.triggered", nil,
                         #"{"attempt":1,"job":{"account":"a","app":"b","job":"c"},"params":{"n":\#(params)},"scheduledFor":"2026-03-02T13:00:00.000Z","source":"manual","triggerId":"t"}"#, "")
            let decoded = try #require(EventFastDecoder.decode(Array(text.utf8)), "\(elements) elements")
            guard case .jobTriggered(let triggered) = decoded.event else { Issue.record("not a trigger"); continue }
            #expect(triggered.params == .object(["n": .array((0..<elements).map { .int(Int64($0)) })]))
            Self.check(Array(text.utf8))
            let broken = text.replacingOccurrences(of: #""triggerId":"t""#, with: #""triggerId":t"#)
            #expect(EventFastDecoder.decode(Array(broken.utf8)) == nil)
            Self.check(Array(broken.utf8))
        }
    }

    /// A charge whose line items add up past 64 bits is rejected with the reference's reason and
    /// detail (the fast path once built it through the summing initializer, which trapped).
    @Test func charge_whoseAmountsPassSixtyFourBits_isRejectedNotATrap() {
        let e = EventCodecRejectionTests.event
        let text = e("almanac.credits.charged", nil, #"{"account":"acme","app":"x","chargeId":"t","executionId":"e","job":"j","lineItems":[{"amount":9223372036854775807,"item":"a","quantity":1,"unitPrice":1,"unitsPer":1},{"amount":1,"item":"b","quantity":1,"unitPrice":1,"unitsPer":1}],"pricingVersion":"v","status":"failed","total":0,"triggerId":"t"}"#, "")
        #expect(EventFastDecoder.decode(Array(text.utf8)) == nil)
        #expect(throws: EventDecodingError.self) { try EventCodec.decode(Array(text.utf8)) }
        if case .error(let error) = Self.codec(Array(text.utf8)) {
            #expect(error.reason == .invalidData)
            #expect(error.detail.contains("overflow a 64-bit total"))
        } else {
            Issue.record("accepted")
        }
    }

    @Test func fastPath_whenNestedToTheLimit_agreesWithTheReference() {
        let e = EventCodecRejectionTests.event
        for depth in [61, 62, 63, 64] {
            let params = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let text = e("almanac.job.triggered", nil,
                         #"{"triggerId":"t","job":{"account":"a","app":"b","job":"c"},"scheduledFor":"2026-03-02T13:00:00Z","source":"manual","attempt":1,"params":\#(params)}"#, "")
            Self.check(Array(text.utf8))
        }
    }

    /// Random byte mutations of valid events: deletions, replacements with JSON-significant bytes,
    /// insertions, truncations and swapped spans (seeded, so a failure reproduces).
    @Test func fastPath_onRandomMutations_neverAcceptsWhatTheReferenceRejects() {
        var rng = SplitMix(seed: 0xA1_3A_AC)
        let interesting = Array(#"{}[]:,"\ -+.0123456789eEtrufalsn"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xA9, 0xE2, 0xED, 0xF0, 0xFF]
        let seeds = Self.allEvents.map { Self.encoded($0) } + Self.edgeTexts.map { Array($0.utf8) }
        var accepted = 0
        for round in 0..<20000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0...(rng.next() % 3) {
                guard !bytes.isEmpty else { break }
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 6 {
                case 0: bytes.remove(at: i)
                case 1: bytes[i] = interesting[Int(rng.next() % UInt64(interesting.count))]
                case 2: bytes.insert(interesting[Int(rng.next() % UInt64(interesting.count))], at: i)
                case 3: bytes.removeSubrange(i...)
                case 4: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                default:
                    let j = Int(rng.next() % UInt64(bytes.count))
                    let span = min(bytes.count - max(i, j), Int(rng.next() % 12))
                    if span > 0 { bytes.insert(contentsOf: bytes[j..<(j + span)], at: i) }
                }
            }
            if EventFastDecoder.decode(bytes) != nil { accepted += 1 }
            Self.check(bytes)
        }
        #expect(accepted > 300)  // the mutations also reach the fast path's accepting side
    }

    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
