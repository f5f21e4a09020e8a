import Foundation

/// The fast path of ``EventCodec/encode(_:)`` for the events a worker writes per run
/// (`job.started`, `job.completed`, `credits.charged`), and for `job.skipped` and `job.triggered`
/// without `params`: the CloudEvents envelope and the payload written byte by byte, without
/// Foundation's `JSONEncoder`.
///
/// The output is byte-identical to the reference (``EventCodec/encodeReference(_:)``: `JSONEncoder`
/// with sorted keys and unescaped slashes): keys in byte order, absent optionals omitted, strings
/// escaped as Foundation does (`\"`, `\\`, `\b`, `\t`, `\n`, `\f`, `\r`, other controls as
/// `\u00xx`, everything else as UTF-8), dates as ``RFC3339/utcMilliseconds(_:)``, integers in
/// decimal. `EventFastEncoderTests` holds the two to the same bytes over randomized events. Other
/// kinds (and triggers with `params`, whose keys are the user's) return nil: the caller uses the
/// reference.
enum EventFastEncoder {
    static func encode(_ envelope: EventEnvelope) -> [UInt8]? {
        var w = JSONByteWriter(capacity: 640)
        // Envelope keys in byte order: data, datacontenttype, dataschema, id, source, specversion,
        // subject, time, type.
        w.raw("{\"data\":")
        // The kind's `dataschema` (``AlmanacEvent/Kind/dataschema``) and the next key, spelled out.
        let schema: StaticString
        switch envelope.event {
        case .jobStarted(let e):
            started(e, &w)
            schema = "https://almanac.dev/schemas/job.started/v1\",\"id\":"
        case .jobCompleted(let e):
            completed(e, &w)
            schema = "https://almanac.dev/schemas/job.completed/v1\",\"id\":"
        case .creditsCharged(let e):
            charged(e, &w)
            schema = "https://almanac.dev/schemas/credits.charged/v1\",\"id\":"
        case .jobSkipped(let e):
            skipped(e, &w)
            schema = "https://almanac.dev/schemas/job.skipped/v1\",\"id\":"
        case .jobTriggered(let e):
            guard e.params == nil else { return nil }
            triggered(e, &w)
            schema = "https://almanac.dev/schemas/job.triggered/v1\",\"id\":"
        default:
            return nil
        }
        w.raw(",\"datacontenttype\":\"application/json\",\"dataschema\":\"")
        w.raw(schema)
        w.string(envelope.id)
        w.raw(",\"source\":")
        w.string(envelope.source)
        w.raw(",\"specversion\":\"1.0\"")
        let subject = envelope.subject
        if !subject.isEmpty {
            w.raw(",\"subject\":")
            w.string(subject)
        }
        w.raw(",\"time\":")
        w.date(envelope.time)
        w.raw(",\"type\":")
        w.string(envelope.type)
        w.raw("}")
        return w.bytes
    }

    private static func job(_ key: JobKey, _ w: inout JSONByteWriter) {
        w.raw("{\"account\":")
        w.string(key.account)
        w.raw(",\"app\":")
        w.string(key.app)
        w.raw(",\"job\":")
        w.string(key.job)
        w.raw("}")
    }

    private static func started(_ e: JobStarted, _ w: inout JSONByteWriter) {
        w.raw("{\"attempt\":")
        w.integer(Int64(e.attempt))
        w.raw(",\"executionId\":")
        w.string(e.executionId)
        w.raw(",\"job\":")
        job(e.job, &w)
        w.raw(",\"startedAt\":")
        w.date(e.startedAt)
        w.raw(",\"triggerId\":")
        w.string(e.triggerId.rawValue)
        w.raw(",\"worker\":")
        w.string(e.worker)
        w.raw("}")
    }

    private static func completed(_ e: JobCompleted, _ w: inout JSONByteWriter) {
        w.raw("{\"attempt\":")
        w.integer(Int64(e.attempt))
        w.raw(",\"durationMilliseconds\":")
        w.integer(e.durationMilliseconds)
        if let error = e.error {
            w.raw(",\"error\":")
            w.string(error)
        }
        w.raw(",\"executionId\":")
        w.string(e.executionId)
        if let exitCode = e.exitCode {
            w.raw(",\"exitCode\":")
            w.integer(Int64(exitCode))
        }
        w.raw(",\"finishedAt\":")
        w.date(e.finishedAt)
        w.raw(",\"followUps\":[")
        for (index, id) in e.followUps.enumerated() {
            if index > 0 { w.raw(",") }
            w.string(id.rawValue)
        }
        w.raw("],\"job\":")
        job(e.job, &w)
        w.raw(",\"startedAt\":")
        w.date(e.startedAt)
        w.raw(",\"status\":")
        w.string(e.status.rawValue)
        w.raw(",\"stderrTail\":")
        w.string(e.stderrTail)
        w.raw(",\"stdoutTail\":")
        w.string(e.stdoutTail)
        w.raw(",\"triggerId\":")
        w.string(e.triggerId.rawValue)
        w.raw(",\"usage\":{\"ai\":[")
        for (index, ai) in e.usage.ai.enumerated() {
            if index > 0 { w.raw(",") }
            w.raw("{\"inputTokens\":")
            w.integer(ai.inputTokens)
            w.raw(",\"model\":")
            w.string(ai.model)
            w.raw(",\"outputTokens\":")
            w.integer(ai.outputTokens)
            w.raw("}")
        }
        w.raw("],\"emails\":")
        w.integer(e.usage.emails)
        w.raw(",\"sms\":")
        w.integer(e.usage.sms)
        w.raw("}}")
    }

    private static func charged(_ e: CreditsCharged, _ w: inout JSONByteWriter) {
        w.raw("{\"account\":")
        w.string(e.account)
        w.raw(",\"app\":")
        w.string(e.app)
        w.raw(",\"chargeId\":")
        w.string(e.chargeId.rawValue)
        w.raw(",\"executionId\":")
        w.string(e.executionId)
        w.raw(",\"job\":")
        w.string(e.job)
        w.raw(",\"lineItems\":[")
        for (index, line) in e.lineItems.enumerated() {
            if index > 0 { w.raw(",") }
            w.raw("{\"amount\":")
            w.integer(line.amount.rawValue)
            w.raw(",\"item\":")
            w.string(line.item)
            if let note = line.note {
                w.raw(",\"note\":")
                w.string(note)
            }
            w.raw(",\"quantity\":")
            w.integer(line.quantity)
            w.raw(",\"unitPrice\":")
            w.integer(line.unitPrice.rawValue)
            w.raw(",\"unitsPer\":")
            w.integer(line.unitsPer)
            w.raw("}")
        }
        w.raw("],\"pricingVersion\":")
        w.string(e.pricingVersion)
        w.raw(",\"status\":")
        w.string(e.status.rawValue)
        w.raw(",\"total\":")
        w.integer(e.total.rawValue)
        w.raw(",\"triggerId\":")
        w.string(e.triggerId.rawValue)
        w.raw("}")
    }

    private static func skipped(_ e: JobSkipped, _ w: inout JSONByteWriter) {
        w.raw("{")
        if let detail = e.detail {
            w.raw("\"detail\":")
            w.string(detail)
            w.raw(",")
        }
        w.raw("\"job\":")
        job(e.job, &w)
        w.raw(",\"reason\":")
        w.string(e.reason.rawValue)
        w.raw(",\"scheduledFor\":")
        w.date(e.scheduledFor)
        w.raw(",\"triggerId\":")
        w.string(e.triggerId.rawValue)
        w.raw("}")
    }

    /// Without `params` (checked by the caller).
    private static func triggered(_ e: JobTriggered, _ w: inout JSONByteWriter) {
        w.raw("{\"attempt\":")
        w.integer(Int64(e.attempt))
        w.raw(",\"job\":")
        job(e.job, &w)
        if let notBefore = e.notBefore {
            w.raw(",\"notBefore\":")
            w.date(notBefore)
        }
        if let parent = e.parentTriggerId {
            w.raw(",\"parentTriggerId\":")
            w.string(parent.rawValue)
        }
        w.raw(",\"scheduledFor\":")
        w.date(e.scheduledFor)
        w.raw(",\"source\":")
        w.string(e.source.rawValue)
        w.raw(",\"triggerId\":")
        w.string(e.triggerId.rawValue)
        w.raw("}")
    }
}

/// Appends JSON tokens to a byte buffer the way Foundation's `JSONEncoder` writes them (with
/// `.withoutEscapingSlashes`), for ``EventFastEncoder``.
struct JSONByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Appends ASCII text that needs no escaping (punctuation and keys).
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends a decimal integer.
    mutating func integer(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // 20 digits hold UInt64.max.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var index = digits.count
            repeat {
                index -= 1
                digits[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[index...]))
        }
    }

    /// Appends `value` in decimal, zero-padded to `width` digits (`value` is not negative and fits).
    private mutating func padded(_ value: Int64, _ width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Appends a JSON string: `"`, escapes as Foundation writes them, `"`.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index])) }
                start = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                default:
                    let hex: StaticString = "0123456789abcdef"
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                              hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0xF)]])
                }
            }
            if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends an instant as the reference encodes dates: the ``RFC3339/utcMilliseconds(_:)``
    /// string (`"2026-03-02T13:00:00.000Z"`), its digits written directly for years 0-9999.
    mutating func date(_ date: Date) {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let (days, msOfDay) = ms.floorDivided(by: 86_400_000)
        let (y, m, d) = RFC3339.civil(fromDays: days)
        guard (0...9999).contains(y) else {
            string(RFC3339.utcMilliseconds(date))
            return
        }
        let s = msOfDay / 1000
        bytes.append(UInt8(ascii: "\""))
        padded(y, 4)
        bytes.append(UInt8(ascii: "-"))
        padded(m, 2)
        bytes.append(UInt8(ascii: "-"))
        padded(d, 2)
        bytes.append(UInt8(ascii: "T"))
        padded(s / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        padded(s / 60 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        padded(s % 60, 2)
        bytes.append(UInt8(ascii: "."))
        padded(msOfDay % 1000, 3)
        bytes.append(UInt8(ascii: "Z"))
        bytes.append(UInt8(ascii: "\""))
    }
}
