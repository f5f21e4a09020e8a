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
        // Room for the whole event, so that the buffer never grows: a completion carries its
        // output tails besides ~900 bytes of fields.
        var capacity = 640
        if case .jobCompleted(let e) = envelope.event {
            capacity = 1024 + e.stdoutTail.utf8.count + e.stderrTail.utf8.count + (e.error?.utf8.count ?? 0)
        }
        var w = JSONByteWriter(capacity: capacity)
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
        if let failure = e.failure {
            w.raw(",\"failure\":")
            w.string(failure.rawValue)
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
        if let refused = e.refusedReportLines {
            w.raw(",\"refusedReportLines\":")
            w.integer(Int64(refused))
        }
        if let signal = e.signal {
            w.raw(",\"signal\":")
            w.integer(Int64(signal))
        }
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
        w.raw("{")
        if let actor = e.actor {
            w.raw("\"actor\":")
            w.string(actor)
            w.raw(",")
        }
        w.raw("\"attempt\":")
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
