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
        return JSONTape.withTokens(of: buffer) { tokens in try? JSONTapeReader.withReader(buffer, tokens, envelope) }
    }

    private static let typePrefix: StaticString = "almanac."
    private static let schemaPrefix: StaticString = "https://almanac.dev/schemas/"

    // Fields are read in the order Almanac's encoders write them (sorted keys), which is the order
    // in which ``JSONTapeReader/member(_:_:)`` finds each at its first try; other orders are read
    // as well, only slower.

    private static func envelope(_ r: JSONTapeReader) throws(FastPathUnsupported) -> EventEnvelope {
        let root = 0
        guard let dataIndex = r.present(root, "data") else { throw .init() }
        let contentType = r.present(root, "datacontenttype")
        if let contentType, !r.equals(contentType, "application/json") { throw .init() }
        let schema = r.present(root, "dataschema")
        let id = try r.string(root, "id")
        let source = try r.string(root, "source")
        guard !id.isEmpty, !source.isEmpty else { throw .init() }
        guard let specversion = r.member(root, "specversion"), r.equals(specversion, "1.0") else { throw .init() }
        let subject = r.present(root, "subject")
        if let subject, r.token(subject).kind != .string { throw .init() }
        let time = try r.date(root, "time")
        let typeIndex = try r.required(root, "type")
        let kind = try self.kind(r, typeIndex)
        if let schema, !isV1Schema(r, schema, type: typeIndex) { throw .init() }
        if r.present(root, "data_base64") != nil { throw .init() }
        let data = try r.object(dataIndex)
        let event = try self.event(kind, r, data)
        if let subject, try !isKey(r, subject, of: event) { throw .init() }
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

    /// Whether string token `index` (the `subject`) is `event.key`. A job event's key
    /// `account/app/job` is compared part by part with the token's bytes rather than built.
    private static func isKey(_ r: JSONTapeReader, _ index: Int, of event: AlmanacEvent) throws(FastPathUnsupported) -> Bool {
        let job: JobKey
        switch event {
        case .jobTriggered(let e): job = e.job
        case .jobStarted(let e): job = e.job
        case .jobCompleted(let e): job = e.job
        case .jobSkipped(let e): job = e.job
        default: return try r.string(at: index) == event.key
        }
        let t = r.token(index)
        if t.escaped { return try r.string(at: index) == event.key }
        var at = Int(t.start)
        let end = Int(t.end)
        func follows(_ text: String) -> Bool {
            for byte in text.utf8 {
                guard at < end, r.bytes[at] == byte else { return false }
                at += 1
            }
            return true
        }
        func slash() -> Bool {
            guard at < end, r.bytes[at] == UInt8(ascii: "/") else { return false }
            at += 1
            return true
        }
        return follows(job.account) && slash() && follows(job.app) && slash() && follows(job.job) && at == end
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
            let account = try r.string(d, "account")
            return .appRemoved(AppRemoved(app: try r.string(d, "app"), account: account))
        case .schedulePaused:
            return .schedulePaused(try toggled(r, d))
        case .scheduleResumed:
            return .scheduleResumed(try toggled(r, d))
        case .jobTriggered:
            let attempt = try r.int(d, "attempt")
            let job = try r.jobKey(d, "job")
            let notBefore = try r.optionalDate(d, "notBefore")
            var params: JSONValue?
            if let value = r.present(d, "params") { params = try r.jsonValue(at: value) }
            let parentTriggerId = try r.optionalString(d, "parentTriggerId").map(TriggerID.init)
            let scheduledFor = try r.date(d, "scheduledFor")
            let source = try r.enumValue(d, "source", TriggerSource.self)
            let actor = try r.optionalString(d, "actor")
            return .jobTriggered(JobTriggered(
                triggerId: TriggerID(try r.string(d, "triggerId")), job: job, scheduledFor: scheduledFor, source: source,
                attempt: attempt, params: params, parentTriggerId: parentTriggerId, notBefore: notBefore, actor: actor))
        case .tickCompleted:
            let minute = try r.date(d, "minute")
            let skipped = try r.int(d, "skipped")
            let ticker = try r.string(d, "ticker")
            return .tickCompleted(TickCompleted(minute: minute, triggered: try r.int(d, "triggered"), skipped: skipped, ticker: ticker))
        case .jobStarted:
            let attempt = try r.int(d, "attempt")
            let executionId = try r.string(d, "executionId")
            let job = try r.jobKey(d, "job")
            let startedAt = try r.date(d, "startedAt")
            let triggerId = TriggerID(try r.string(d, "triggerId"))
            return .jobStarted(JobStarted(triggerId: triggerId, executionId: executionId, job: job, worker: try r.string(d, "worker"),
                                          startedAt: startedAt, attempt: attempt))
        case .jobCompleted:
            return .jobCompleted(try completed(r, d))
        case .jobSkipped:
            let detail = try r.optionalString(d, "detail")
            let job = try r.jobKey(d, "job")
            let reason = try r.enumValue(d, "reason", SkipReason.self)
            let scheduledFor = try r.date(d, "scheduledFor")
            return .jobSkipped(JobSkipped(triggerId: TriggerID(try r.string(d, "triggerId")), job: job, scheduledFor: scheduledFor,
                                          reason: reason, detail: detail))
        case .creditsCharged:
            return .creditsCharged(try charged(r, d))
        case .eventRejected:
            return .eventRejected(try rejected(r, d))
        }
    }

    private static func toggled(_ r: JSONTapeReader, _ d: Int) throws(FastPathUnsupported) -> ScheduleToggled {
        let actor = try r.optionalString(d, "actor")
        let app = try r.string(d, "app")
        let job = try r.optionalString(d, "job")
        return ScheduleToggled(app: app, job: job, reason: try r.optionalString(d, "reason"), actor: actor)
    }

    private static func completed(_ r: JSONTapeReader, _ d: Int) throws(FastPathUnsupported) -> JobCompleted {
        let attempt = try r.int(d, "attempt")
        let durationMilliseconds = try r.int64(d, "durationMilliseconds")
        let error = try r.optionalString(d, "error")
        let executionId = try r.string(d, "executionId")
        var exitCode: Int32?
        if let value = r.present(d, "exitCode") { exitCode = try r.int32(at: value) }
        var failure: RunFailure?
        if r.present(d, "failure") != nil { failure = try r.enumValue(d, "failure", RunFailure.self) }
        let finishedAt = try r.date(d, "finishedAt")
        var followUps: [TriggerID] = []
        for element in try r.array(try r.required(d, "followUps")) { followUps.append(TriggerID(try r.string(at: element))) }
        let job = try r.jobKey(d, "job")
        var refusedReportLines: Int?
        if let value = r.present(d, "refusedReportLines") { refusedReportLines = Int(try r.int64(at: value)) }
        var signal: Int32?
        if let value = r.present(d, "signal") { signal = try r.int32(at: value) }
        let startedAt = try r.date(d, "startedAt")
        let status = try r.enumValue(d, "status", RunStatus.self)
        let stderrTail = try r.string(d, "stderrTail")
        let stdoutTail = try r.string(d, "stdoutTail")
        let triggerId = TriggerID(try r.string(d, "triggerId"))
        let usageIndex = try r.object(try r.required(d, "usage"))
        var ai: [RunUsage.AITokens] = []
        for element in try r.array(try r.required(usageIndex, "ai")) {
            let o = try r.object(element)
            let inputTokens = try r.int64(o, "inputTokens")
            let model = try r.string(o, "model")
            ai.append(RunUsage.AITokens(model: model, inputTokens: inputTokens, outputTokens: try r.int64(o, "outputTokens")))
        }
        let emails = try r.int64(usageIndex, "emails")
        let usage = RunUsage(ai: ai, emails: emails, sms: try r.int64(usageIndex, "sms"))
        var event = JobCompleted(
            triggerId: triggerId, executionId: executionId, job: job, status: status, attempt: attempt, exitCode: exitCode,
            startedAt: startedAt, finishedAt: finishedAt, usage: usage, followUps: followUps,
            stdoutTail: stdoutTail, stderrTail: stderrTail, error: error, failure: failure, refusedReportLines: refusedReportLines,
            signal: signal)
        // As read, not recomputed from the two times.
        event.durationMilliseconds = durationMilliseconds
        return event
    }

    private static func charged(_ r: JSONTapeReader, _ d: Int) throws(FastPathUnsupported) -> CreditsCharged {
        let account = try r.string(d, "account")
        let app = try r.string(d, "app")
        let chargeIdIndex = try r.required(d, "chargeId")
        let executionId = try r.string(d, "executionId")
        let job = try r.string(d, "job")
        var items: [ChargeLineItem] = []
        for element in try r.array(try r.required(d, "lineItems")) {
            let o = try r.object(element)
            let amount = Millicredits(try r.int64(o, "amount"))
            let item = try r.string(o, "item")
            let note = try r.optionalString(o, "note")
            let quantity = try r.int64(o, "quantity")
            let unitPrice = Millicredits(try r.int64(o, "unitPrice"))
            items.append(ChargeLineItem(item: item, quantity: quantity, unitPrice: unitPrice, unitsPer: try r.int64(o, "unitsPer"),
                                        amount: amount, note: note))
        }
        let pricingVersion = try r.string(d, "pricingVersion")
        let status = try r.enumValue(d, "status", RunStatus.self)
        let total = Millicredits(try r.int64(d, "total"))
        let triggerIdIndex = try r.required(d, "triggerId")
        let triggerId = TriggerID(try r.string(at: triggerIdIndex))
        // `chargeId` is the trigger id (docs/design.md §3, checked by semantic validation): the same
        // text shares the trigger id's storage instead of being decoded again (an audit keeps
        // every charge, and compares the two ids of each).
        let chargeId = r.sameUnescapedString(chargeIdIndex, triggerIdIndex) ? triggerId : TriggerID(try r.string(at: chargeIdIndex))
        // Built without its items: the initializer adds their amounts up, which traps when they
        // pass 64 bits, where the reference decoder rejects the event (`invalid_data`).
        var event = CreditsCharged(triggerId: triggerId, account: account, app: app, job: job,
                                   executionId: executionId, status: status, pricingVersion: pricingVersion, lineItems: [])
        event.lineItems = items
        // As read: semantic validation compares them with triggerId and the line items.
        event.chargeId = chargeId
        event.total = total
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
