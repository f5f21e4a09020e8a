@testable import AlmanacCore
import Foundation
import Testing

/// The fast encoder against the reference (Foundation's `JSONEncoder`): for every event it covers
/// it writes the reference's bytes exactly, so nothing downstream (audit exports, replays, the
/// contract tests) can tell the two apart; for the rest it declines and `EventCodec.encode` uses
/// the reference.
@Suite struct EventFastEncoderTests {
    typealias Generator = ScheduleTestSupport.SeededGenerator

    static let at = EventCodecTests.at

    /// Fails the test unless `EventCodec.encode` gives the reference's bytes, and, when the fast
    /// path covers the event, unless it does too.
    static func check(_ envelope: EventEnvelope, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let reference = try EventCodec.encodeReference(envelope)
        let fast = EventFastEncoder.encode(envelope)
        if let fast {
            #expect(fast == reference, "fast \(String(decoding: fast, as: UTF8.self))\nreference \(String(decoding: reference, as: UTF8.self))",
                    sourceLocation: sourceLocation)
        }
        #expect(try EventCodec.encode(envelope) == reference, sourceLocation: sourceLocation)
    }

    static func covers(_ event: AlmanacEvent) -> Bool {
        switch event {
        case .jobStarted, .jobCompleted, .creditsCharged, .jobSkipped: return true
        case .jobTriggered(let e): return e.params == nil
        default: return false
        }
    }

    @Test(arguments: EventFastDecoderTests.allEvents)
    func knownEvents_encodeAsTheReference(_ event: AlmanacEvent) throws {
        let envelope = EventEnvelope(source: "test", time: Self.at.addingTimeInterval(0.904), event: event)
        #expect((EventFastEncoder.encode(envelope) != nil) == Self.covers(event))
        try Self.check(envelope)
    }

    @Test func randomizedEvents_encodeAsTheReference_andDecodeBack() throws {
        var g = Generator(seed: 0x6A1D)
        var covered = 0
        for round in 0..<3_000 {
            let event = Self.randomEvent(&g, round)
            let envelope = EventEnvelope(id: Self.randomString(&g, allowEmpty: false), source: Self.randomString(&g, allowEmpty: false),
                                         time: Self.randomDate(&g), event: event)
            try Self.check(envelope)
            guard let fast = EventFastEncoder.encode(envelope) else { continue }
            covered += 1
            // What the fast path writes reads back the same through both decoders (wherever the
            // reference reads it: random values break semantic rules), and the event read back
            // encodes as the reference encodes it. (Not always to the same bytes as before: a time
            // read back as a Double can come out a millisecond earlier, with either encoder.)
            if let decoded = try? EventCodec.decodeReference(fast) {
                #expect(try EventCodec.decode(fast) == decoded)
                try Self.check(decoded)
            }
        }
        #expect(covered > 2_000)
    }

    @Test func emptyKey_omitsSubject_asTheReference() throws {
        let event = AlmanacEvent.jobSkipped(JobSkipped(triggerId: TriggerID("t"), job: JobKey(account: "", app: "", job: ""),
                                                       scheduledFor: Self.at, reason: .paused))
        try Self.check(EventEnvelope(id: "i", source: "s", time: Self.at, event: event))
    }

    @Test func extremeDates_encodeAsTheReference() throws {
        for seconds in [-62_135_596_800.0, -1, -0.0005, 0, 0.0015, 253_402_300_799.999, 253_402_300_800, -62_167_219_200.001, 4_102_444_800.5] {
            let date = Date(timeIntervalSince1970: seconds)
            let event = AlmanacEvent.jobSkipped(JobSkipped(triggerId: TriggerID("t"), job: EventCodecTests.job, scheduledFor: date, reason: .missed))
            try Self.check(EventEnvelope(id: "i", source: "s", time: date, event: event))
        }
    }

    // MARK: Random values

    /// Pieces strings are made of: plain ASCII, every escape Foundation writes, slashes (not
    /// escaped), DEL, non-ASCII of 2, 3 and 4 UTF-8 bytes, a combining mark, line separators, a BOM.
    static let pieces: [String] = ["a", "Z", "acme", "/", "\"", "\\", "\u{0}", "\u{1}", "\u{8}", "\t", "\n", "\u{B}", "\u{C}", "\r",
                                   "\u{1F}", "\u{7F}", " ", "é", "ü", "\u{301}", "€", "\u{2028}", "\u{2029}", "\u{FEFF}", "😀", "漢字",
                                   "~", "#", "@", "2026-03-02T13:00Z", "\u{10FFFF}"]

    static func randomString(_ g: inout Generator, allowEmpty: Bool = true) -> String {
        let count = Int.random(in: (allowEmpty ? 0 : 1)...8, using: &g)
        var text = ""
        for _ in 0..<count { text += pieces.randomElement(using: &g)! }
        return text
    }

    static func randomInt64(_ g: inout Generator) -> Int64 {
        switch Int.random(in: 0..<6, using: &g) {
        case 0: return [Int64.min, Int64.max, 0, -1, 1, 9, 10, -10, 99, 100][Int.random(in: 0..<10, using: &g)]
        case 1: return Int64.random(in: -9...9, using: &g)
        case 2: return Int64.random(in: 0...100_000, using: &g)
        default: return Int64.random(in: Int64.min...Int64.max, using: &g)
        }
    }

    static func randomInt(_ g: inout Generator) -> Int { Int(randomInt64(&g)) }

    static func randomDate(_ g: inout Generator) -> Date {
        // Whole milliseconds (the wire's precision), from before 1970 to past 9999.
        let ms: Int64
        switch Int.random(in: 0..<4, using: &g) {
        case 0: ms = Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &g)
        case 1: ms = Int64.random(in: -70_000_000_000_000...400_000_000_000_000, using: &g)
        default: ms = Int64.random(in: 1_700_000_000_000...1_900_000_000_000, using: &g)
        }
        return Date(timeIntervalSince1970: Double(ms) / 1000)
    }

    static func optional<T>(_ g: inout Generator, _ make: (inout Generator) -> T) -> T? {
        Bool.random(using: &g) ? make(&g) : nil
    }

    static func randomKey(_ g: inout Generator) -> JobKey {
        JobKey(account: randomString(&g, allowEmpty: false), app: randomString(&g, allowEmpty: false), job: randomString(&g, allowEmpty: false))
    }

    static func randomID(_ g: inout Generator) -> TriggerID { TriggerID(randomString(&g, allowEmpty: false)) }

    static func randomStatus(_ g: inout Generator) -> RunStatus { [.succeeded, .failed, .timedOut][Int.random(in: 0..<3, using: &g)] }

    static func randomEvent(_ g: inout Generator, _ round: Int) -> AlmanacEvent {
        switch round % 7 {
        case 0:
            return .jobStarted(JobStarted(triggerId: randomID(&g), executionId: randomString(&g), job: randomKey(&g), worker: randomString(&g),
                                          startedAt: randomDate(&g), attempt: randomInt(&g)))
        case 1, 2:
            let started = randomDate(&g)
            let finished = Bool.random(using: &g) ? started.addingTimeInterval(Double(Int.random(in: -5_000...600_000, using: &g)) / 1000) : randomDate(&g)
            var ai: [RunUsage.AITokens] = []
            for _ in 0..<Int.random(in: 0...3, using: &g) {
                ai.append(.init(model: randomString(&g), inputTokens: randomInt64(&g), outputTokens: randomInt64(&g)))
            }
            var followUps: [TriggerID] = []
            for _ in 0..<Int.random(in: 0...3, using: &g) { followUps.append(randomID(&g)) }
            var completed = JobCompleted(triggerId: randomID(&g), executionId: randomString(&g), job: randomKey(&g), status: randomStatus(&g),
                                         attempt: randomInt(&g), exitCode: optional(&g) { Int32.random(in: Int32.min...Int32.max, using: &$0) },
                                         startedAt: started, finishedAt: finished,
                                         usage: RunUsage(ai: ai, emails: randomInt64(&g), sms: randomInt64(&g)), followUps: followUps,
                                         stdoutTail: randomString(&g), stderrTail: randomString(&g), error: optional(&g) { randomString(&$0) })
            if Bool.random(using: &g) { completed.durationMilliseconds = randomInt64(&g) }
            return .jobCompleted(completed)
        case 3, 4:
            var lines: [ChargeLineItem] = []
            for _ in 0..<Int.random(in: 0...4, using: &g) {
                lines.append(ChargeLineItem(item: randomString(&g), quantity: randomInt64(&g), unitPrice: Millicredits(randomInt64(&g)),
                                            unitsPer: randomInt64(&g), amount: Millicredits(Int64.random(in: -1_000_000...1_000_000_000, using: &g)),
                                            note: optional(&g) { randomString(&$0) }))
            }
            var charge = CreditsCharged(triggerId: randomID(&g), account: randomString(&g), app: randomString(&g), job: randomString(&g),
                                        executionId: randomString(&g), status: randomStatus(&g), pricingVersion: randomString(&g), lineItems: lines)
            if Bool.random(using: &g) { charge.chargeId = randomID(&g) }
            if Bool.random(using: &g) { charge.total = Millicredits(randomInt64(&g)) }
            return .creditsCharged(charge)
        case 5:
            return .jobSkipped(JobSkipped(triggerId: randomID(&g), job: randomKey(&g), scheduledFor: randomDate(&g),
                                          reason: [.paused, .missed, .overlap, .removed][Int.random(in: 0..<4, using: &g)],
                                          detail: optional(&g) { randomString(&$0) }))
        default:
            return .jobTriggered(JobTriggered(triggerId: randomID(&g), job: randomKey(&g), scheduledFor: randomDate(&g),
                                              source: [.scheduled, .manual, .enqueue, .retry][Int.random(in: 0..<4, using: &g)],
                                              attempt: randomInt(&g), params: Int.random(in: 0..<5, using: &g) == 0 ? .object(["k": .string(randomString(&g))]) : nil,
                                              parentTriggerId: optional(&g) { randomID(&$0) }, notBefore: optional(&g) { randomDate(&$0) }))
        }
    }
}
