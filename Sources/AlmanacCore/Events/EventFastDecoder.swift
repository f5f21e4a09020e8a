import Foundation

/// The fast path of ``EventCodec/decode(_:)``: one strict pass over the bytes (``JSONTape``) and the
/// fields read by hand per event type, without Foundation's `JSONDecoder`.
///
/// It returns an event only when the reference decoder (``EventCodec/decodeReference(_:)``) would
/// return the same one, and `nil` otherwise — for every message it rejects, and for the few valid
/// ones it does not handle (an `app.configured`, a non-ASCII or escaped key, a fractional number in
/// `params`, a `dataschema` spelled other than `…/v1`, a `datacontenttype` with parameters); the
/// caller then runs the reference decoder, so accept/reject decisions and rejection details are
/// exactly the reference's. `EventFastDecoderTests` holds the two to the same results.
enum EventFastDecoder {
    static func decode(_ bytes: [UInt8]) -> EventEnvelope? {
        bytes.withUnsafeBufferPointer { decode($0) }
    }

    static func decode(_ buffer: UnsafeBufferPointer<UInt8>) -> EventEnvelope? {
        guard buffer.count <= EventCodec.maximumSize else { return nil }
        guard let tape = JSONTape.parse(buffer) else { return nil }
        return try? envelope(JSONTapeReader(bytes: buffer, tape: tape))
    }

    private static let typePrefix: StaticString = "almanac."
    private static let schemaPrefix: StaticString = "https://almanac.dev/schemas/"

    private static func envelope(_ r: JSONTapeReader) throws(FastPathUnsupported) -> EventEnvelope {
        let root = 0
        guard let specversion = r.member(root, "specversion"), r.equals(specversion, "1.0") else { throw .init() }
        let id = try r.string(root, "id")
        let source = try r.string(root, "source")
        guard !id.isEmpty, !source.isEmpty else { throw .init() }
        let typeIndex = try r.required(root, "type")
        let kind = try self.kind(r, typeIndex)
        if let schema = r.present(root, "dataschema"), !isV1Schema(r, schema, type: typeIndex) { throw .init() }
        if let contentType = r.present(root, "datacontenttype"), !r.equals(contentType, "application/json") { throw .init() }
        if r.present(root, "data_base64") != nil { throw .init() }
        let subject = try r.optionalString(root, "subject")
        let time = try r.date(root, "time")
        guard let dataIndex = r.present(root, "data") else { throw .init() }
        let data = try r.object(dataIndex)
        let event = try self.event(kind, r, data)
        if let subject, subject != event.key { throw .init() }
        do { try SemanticValidation.check(event) } catch { throw .init() }
        return EventEnvelope(id: id, source: source, time: time, event: event)
    }

    /// The kind whose `type` the string token is, byte for byte.
    private static func kind(_ r: JSONTapeReader, _ index: Int) throws(FastPathUnsupported) -> AlmanacEvent.Kind {
        let t = r.token(index)
        guard t.kind == .string, !t.escaped else { throw .init() }
        let start = Int(t.start), end = Int(t.end)
        let prefix = typePrefix.utf8CodeUnitCount
        guard r.bytesEqual(start, start + prefix, typePrefix) else { throw .init() }
        let name = start + prefix
        switch end - name {
        case 11:
            if r.bytesEqual(name, end, "app.removed") { return .appRemoved }
            if r.bytesEqual(name, end, "job.started") { return .jobStarted }
            if r.bytesEqual(name, end, "job.skipped") { return .jobSkipped }
        case 13:
            if r.bytesEqual(name, end, "job.triggered") { return .jobTriggered }
            if r.bytesEqual(name, end, "job.completed") { return .jobCompleted }
        case 14:
            if r.bytesEqual(name, end, "tick.completed") { return .tickCompleted }
            if r.bytesEqual(name, end, "event.rejected") { return .eventRejected }
        case 15:
            if r.bytesEqual(name, end, "schedule.paused") { return .schedulePaused }
            if r.bytesEqual(name, end, "credits.charged") { return .creditsCharged }
        case 16:
            if r.bytesEqual(name, end, "schedule.resumed") { return .scheduleResumed }
        default:
            break
        }
        // app.configured (rare; its strict config decoding stays with the reference) and unknown types.
        throw .init()
    }

    /// `https://almanac.dev/schemas/<type without "almanac.">/v1`, byte for byte.
    private static func isV1Schema(_ r: JSONTapeReader, _ index: Int, type: Int) -> Bool {
        let s = r.token(index), t = r.token(type)
        guard s.kind == .string, !s.escaped else { return false }
        let start = Int(s.start), end = Int(s.end)
        let prefix = schemaPrefix.utf8CodeUnitCount
        let nameStart = Int(t.start) + typePrefix.utf8CodeUnitCount
        let nameLength = Int(t.end) - nameStart
        guard end - start == prefix + nameLength + 3, r.bytesEqual(start, start + prefix, schemaPrefix),
              r.bytesEqual(end - 3, end, "/v1") else { return false }
        for k in 0..<nameLength where r.bytes[start + prefix + k] != r.bytes[nameStart + k] { return false }
        return true
    }

    private static func event(_ kind: AlmanacEvent.Kind, _ r: JSONTapeReader, _ d: Int) throws(FastPathUnsupported) -> AlmanacEvent {
        switch kind {
        case .appConfigured:
            throw .init()
        case .appRemoved:
            return .appRemoved(AppRemoved(app: try r.string(d, "app"), account: try r.string(d, "account")))
        case .schedulePaused:
            return .schedulePaused(try toggled(r, d))
        case .scheduleResumed:
            return .scheduleResumed(try toggled(r, d))
        case .jobTriggered:
            var params: JSONValue?
            if let value = r.present(d, "params") { params = try r.jsonValue(at: value) }
            return .jobTriggered(JobTriggered(
                triggerId: TriggerID(try r.string(d, "triggerId")), job: try r.jobKey(d, "job"),
                scheduledFor: try r.date(d, "scheduledFor"), source: try r.enumValue(d, "source", TriggerSource.self),
                attempt: try r.int(d, "attempt"), params: params,
                parentTriggerId: try r.optionalString(d, "parentTriggerId").map(TriggerID.init),
                notBefore: try r.optionalDate(d, "notBefore")))
        case .tickCompleted:
            return .tickCompleted(TickCompleted(minute: try r.date(d, "minute"), triggered: try r.int(d, "triggered"),
                                                skipped: try r.int(d, "skipped"), ticker: try r.string(d, "ticker")))
        case .jobStarted:
            return .jobStarted(JobStarted(triggerId: TriggerID(try r.string(d, "triggerId")), executionId: try r.string(d, "executionId"),
                                          job: try r.jobKey(d, "job"), worker: try r.string(d, "worker"),
                                          startedAt: try r.date(d, "startedAt"), attempt: try r.int(d, "attempt")))
        case .jobCompleted:
            return .jobCompleted(try completed(r, d))
        case .jobSkipped:
            return .jobSkipped(JobSkipped(triggerId: TriggerID(try r.string(d, "triggerId")), job: try r.jobKey(d, "job"),
                                          scheduledFor: try r.date(d, "scheduledFor"), reason: try r.enumValue(d, "reason", SkipReason.self),
                                          detail: try r.optionalString(d, "detail")))
        case .creditsCharged:
            return .creditsCharged(try charged(r, d))
        case .eventRejected:
            return .eventRejected(try rejected(r, d))
        }
    }

    private static func toggled(_ r: JSONTapeReader, _ d: Int) throws(FastPathUnsupported) -> ScheduleToggled {
        ScheduleToggled(app: try r.string(d, "app"), job: try r.optionalString(d, "job"),
                        reason: try r.optionalString(d, "reason"), actor: try r.optionalString(d, "actor"))
    }

    private static func completed(_ r: JSONTapeReader, _ d: Int) throws(FastPathUnsupported) -> JobCompleted {
        let usageIndex = try r.object(try r.required(d, "usage"))
        var ai: [RunUsage.AITokens] = []
        for element in try r.array(try r.required(usageIndex, "ai")) {
            let o = try r.object(element)
            ai.append(RunUsage.AITokens(model: try r.string(o, "model"), inputTokens: try r.int64(o, "inputTokens"),
                                        outputTokens: try r.int64(o, "outputTokens")))
        }
        let usage = RunUsage(ai: ai, emails: try r.int64(usageIndex, "emails"), sms: try r.int64(usageIndex, "sms"))
        var followUps: [TriggerID] = []
        for element in try r.array(try r.required(d, "followUps")) { followUps.append(TriggerID(try r.string(at: element))) }
        var exitCode: Int32?
        if let value = r.present(d, "exitCode") { exitCode = try r.int32(at: value) }
        var event = JobCompleted(
            triggerId: TriggerID(try r.string(d, "triggerId")), executionId: try r.string(d, "executionId"), job: try r.jobKey(d, "job"),
            status: try r.enumValue(d, "status", RunStatus.self), attempt: try r.int(d, "attempt"), exitCode: exitCode,
            startedAt: try r.date(d, "startedAt"), finishedAt: try r.date(d, "finishedAt"), usage: usage, followUps: followUps,
            stdoutTail: try r.string(d, "stdoutTail"), stderrTail: try r.string(d, "stderrTail"), error: try r.optionalString(d, "error"))
        // As read, not recomputed from the two times.
        event.durationMilliseconds = try r.int64(d, "durationMilliseconds")
        return event
    }

    private static func charged(_ r: JSONTapeReader, _ d: Int) throws(FastPathUnsupported) -> CreditsCharged {
        var items: [ChargeLineItem] = []
        for element in try r.array(try r.required(d, "lineItems")) {
            let o = try r.object(element)
            items.append(ChargeLineItem(item: try r.string(o, "item"), quantity: try r.int64(o, "quantity"),
                                        unitPrice: Millicredits(try r.int64(o, "unitPrice")), unitsPer: try r.int64(o, "unitsPer"),
                                        amount: Millicredits(try r.int64(o, "amount")), note: try r.optionalString(o, "note")))
        }
        var event = CreditsCharged(triggerId: TriggerID(try r.string(d, "triggerId")), account: try r.string(d, "account"),
                                   app: try r.string(d, "app"), job: try r.string(d, "job"), executionId: try r.string(d, "executionId"),
                                   status: try r.enumValue(d, "status", RunStatus.self), pricingVersion: try r.string(d, "pricingVersion"),
                                   lineItems: items)
        // As read: semantic validation compares them with triggerId and the line items.
        event.chargeId = TriggerID(try r.string(d, "chargeId"))
        event.total = Millicredits(try r.int64(d, "total"))
        return event
    }

    private static func rejected(_ r: JSONTapeReader, _ d: Int) throws(FastPathUnsupported) -> EventRejected {
        var event = EventRejected(topic: try r.string(d, "topic"), partition: try r.int32(at: try r.required(d, "partition")),
                                  offset: try r.int64(d, "offset"), key: try r.optionalString(d, "key"), raw: [],
                                  reason: try r.enumValue(d, "reason", RejectionReason.self), detail: try r.string(d, "detail"),
                                  rejectedBy: try r.string(d, "rejectedBy"))
        event.rawBase64 = try r.string(d, "rawBase64")
        event.truncated = try r.bool(at: try r.required(d, "truncated"))
        return event
    }
}
