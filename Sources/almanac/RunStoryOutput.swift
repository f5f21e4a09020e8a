import AlmanacCore
import Foundation

/// `almanac runs show --json`: times RFC 3339 UTC with milliseconds, money integer millicredits;
/// absent fields are left out.
struct RunStoryJSON: Encodable {
    struct Charge: Encodable {
        var chargeId: String
        var millicredits: Int64
        var pricingVersion: String
        var lineItems: [ChargeLineItem]
        /// Copies of the charge in the log (identical after a worker crash; counted once).
        var copies: Int
    }

    struct Attempt: Encodable {
        var attempt: Int
        var triggerId: String
        var source: String?
        var scheduledFor: String?
        var triggeredAt: String?
        var notBefore: String?
        var params: JSONValue?
        var executionId: String?
        var worker: String?
        var startedAt: String?
        var finishedAt: String?
        var durationMilliseconds: Int64?
        var status: String?
        var failure: String?
        var exitCode: Int32?
        var signal: Int32?
        var error: String?
        var refusedReportLines: Int?
        var usage: RunUsage?
        var stdoutTail: String?
        var stderrTail: String?
        var charge: Charge?
    }

    struct FollowUp: Encodable {
        var triggerId: String
        var job: String
        var status: String
    }

    struct Skip: Encodable {
        var reason: String
        var detail: String?
        var at: String
    }

    var triggerId: String
    var job: String?
    /// The last attempt's status (`succeeded`, `failed`, `timed_out`), `not started`, `skipped`,
    /// `running` (started, no completion) or `triggered` (not started yet).
    var outcome: String
    var attempts: [Attempt]
    var skipped: Skip?
    var followUps: [FollowUp]
    /// Every attempt's charge added up (each chargeId once).
    var millicredits: Int64
    var unit = "millicredits"

    init(_ story: RunStory) {
        func utc(_ date: Date?) -> String? { date.map(RFC3339.utcMilliseconds) }
        triggerId = (story.root ?? TriggerID(story.query)).rawValue
        let attempts = story.attempts
        job = (attempts.first?.trigger?.event.job ?? attempts.first?.completed?.event.job ?? story.skipped?.event.job)?.description
        outcome = RunStoryText.outcome(story)
        self.attempts = attempts.map { a in
            let trigger = a.trigger?.event
            let done = a.completed?.event
            return Attempt(
                attempt: a.number, triggerId: a.triggerId.rawValue, source: trigger?.source.rawValue, scheduledFor: utc(trigger?.scheduledFor),
                triggeredAt: utc(a.trigger?.time), notBefore: utc(trigger?.notBefore), params: trigger?.params,
                executionId: done?.executionId ?? a.started?.event.executionId, worker: a.started?.event.worker,
                startedAt: utc(done?.startedAt ?? a.started?.event.startedAt), finishedAt: utc(done?.finishedAt),
                durationMilliseconds: done?.durationMilliseconds, status: done?.status.rawValue, failure: done?.failure?.rawValue,
                exitCode: done?.exitCode, signal: done?.signal, error: done?.error, refusedReportLines: done?.refusedReportLines,
                usage: done?.usage, stdoutTail: done?.stdoutTail, stderrTail: done?.stderrTail,
                charge: a.charge.map { c in
                    Charge(chargeId: c.event.chargeId.rawValue, millicredits: c.event.total.rawValue, pricingVersion: c.event.pricingVersion,
                           lineItems: c.event.lineItems, copies: a.chargeCopies)
                })
        }
        skipped = story.skipped.map { Skip(reason: $0.event.reason.rawValue, detail: $0.event.detail, at: RFC3339.utcMilliseconds($0.time)) }
        followUps = story.followUps.map { f in
            FollowUp(triggerId: f.trigger.event.triggerId.rawValue, job: f.trigger.event.job.job, status: RunStoryText.status(f))
        }
        var total = Millicredits.zero
        for a in attempts { if let charge = a.charge { total.addSaturating(charge.event.total) } }
        millicredits = total.rawValue
    }
}

/// `almanac runs show`: the story as lines, times in `zone`.
struct RunStoryText {
    var zone: TimeZone
    var tailLines: Int

    static func outcome(_ story: RunStory) -> String {
        if story.skipped != nil { return "skipped" }
        guard let last = story.attempts.last else { return "unknown" }
        if let done = last.completed?.event { return done.failure == .notStarted ? "not started" : done.status.rawValue }
        return last.started != nil ? "running" : "triggered"
    }

    static func status(_ followUp: RunStory.FollowUp) -> String {
        if let done = followUp.completed?.event { return done.failure == .notStarted ? "not started" : done.status.rawValue }
        if let skip = followUp.skipped?.event { return "skipped (\(skip.reason.rawValue))" }
        return "not finished"
    }

    func lines(_ story: RunStory) -> [String] {
        func at(_ date: Date) -> String { RFC3339.local(date, zone: zone) }
        let attempts = story.attempts
        let first = attempts.first
        var out = ["run \((story.root ?? TriggerID(story.query)).rawValue)"]
        if let job = first?.trigger?.event.job ?? first?.completed?.event.job ?? story.skipped?.event.job { out.append("  job        \(job)") }
        if let trigger = first?.trigger {
            let e = trigger.event
            out.append("  trigger    \(e.source.rawValue), for \(at(e.scheduledFor)); written \(at(trigger.time))"
                       + (e.parentTriggerId.map { " by \($0)" } ?? ""))
            if let params = e.params, let text = try? String(decoding: JSONEncoder().encode(params), as: UTF8.self) {
                out.append("  params     \(text)")
            }
        }
        if let skip = story.skipped {
            out.append("  skipped    \(skip.event.reason.rawValue) at \(at(skip.time))\(skip.event.detail.map { ": \($0)" } ?? "")")
        }
        for attempt in attempts where attempt.started != nil || attempt.completed != nil || attempt.number > 1 {
            out.append("")
            out.append("  attempt \(attempt.number)  \(attempt.triggerId)")
            if attempt.number > 1, let notBefore = attempt.trigger?.event.notBefore { out.append("    retry      not before \(at(notBefore))") }
            if let started = attempt.started {
                out.append("    started    \(at(started.event.startedAt)) on \(started.event.worker) (execution \(started.event.executionId))")
            }
            if let done = attempt.completed?.event {
                var how = done.failure == .notStarted ? "never started" : done.status.rawValue
                if let code = done.exitCode { how += ", exit code \(code)" }
                if let signal = done.signal { how += ", signal \(signal)" }
                out.append("    ended      \(at(done.finishedAt)): \(how), after \(done.durationMilliseconds) ms (clock time)")
                if let error = done.error { out.append("    error      \(error)") }
                if let refused = done.refusedReportLines { out.append("    report     \(refused) line(s) refused (see error)") }
                let usage = done.usage
                if !usage.ai.isEmpty || usage.emails > 0 || usage.sms > 0 {
                    let ai = usage.ai.map { "\($0.model) \($0.inputTokens) in / \($0.outputTokens) out" }
                    out.append("    usage      " + (ai + (usage.emails > 0 ? ["\(usage.emails) email(s)"] : []) + (usage.sms > 0 ? ["\(usage.sms) SMS"] : [])).joined(separator: ", "))
                }
                out += tail("stdout", done.stdoutTail) + tail("stderr", done.stderrTail)
            } else if attempt.started != nil {
                out.append("    ended      not yet (no job.completed in the log)")
            }
            if let charge = attempt.charge?.event {
                out.append("    charge     \(charge.total) credits (\(charge.pricingVersion))\(attempt.chargeCopies > 1 ? ", \(attempt.chargeCopies) identical copies counted once" : "")")
                for item in charge.lineItems {
                    out.append("      \(item.item)  \(item.quantity) × \(item.unitPrice)\(item.unitsPer > 1 ? " per \(item.unitsPer)" : "") = \(item.amount)\(item.note.map { "  (\($0))" } ?? "")")
                }
            } else if let done = attempt.completed?.event {
                out.append("    charge     " + (done.isCharged ? "none in the log yet" : "none: the run never started"))
            }
        }
        let followUps = story.followUps
        if !followUps.isEmpty {
            out.append("")
            out.append("  follow-ups")
            for followUp in followUps { out.append("    \(followUp.trigger.event.triggerId)  \(Self.status(followUp))") }
        }
        var total = Millicredits.zero
        for attempt in attempts { if let charge = attempt.charge { total.addSaturating(charge.event.total) } }
        out.append("")
        out.append("  outcome    \(Self.outcome(story)) after \(attempts.filter { $0.completed != nil }.count) attempt(s); charged \(total) credits in all")
        return out
    }

    private func tail(_ name: String, _ text: String) -> [String] {
        guard !text.isEmpty, tailLines > 0 else { return [] }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let trimmed = lines.last == "" ? Array(lines.dropLast()) : lines
        let shown = trimmed.suffix(tailLines)
        return ["    \(name)\(shown.count < trimmed.count ? " (last \(shown.count) of \(trimmed.count) lines)" : "")"] + shown.map { "      | \($0)" }
    }
}
