import Foundation

/// The answer of `almanac audit verify`: every run check over every app, plus the billing identity
/// (each charge id once; charges == completions priced by the pricing table).
public struct AuditVerification: Sendable {
    /// The billing identity over the runs in the window, integer millicredits.
    public struct Billing: Codable, Hashable, Sendable {
        /// Distinct charge ids, and the sum of their first copies.
        public var charges = 0
        public var charged = Millicredits.zero
        /// Later copies of a charge id (identical copies are allowed after a worker crash).
        public var duplicateCopies = 0
        /// Completions (first per trigger id), and what they cost priced by the pricing table.
        public var completions = 0
        public var priced = Millicredits.zero
        /// Completions whose job was no longer configured when they finished, or whose usage prices
        /// past 64-bit millicredits (not priced; their charge counts as is).
        public var unpriced = 0
        /// `charged == priced` and every charge id matches its completion. A sum past 64-bit
        /// millicredits (a log no worker writes) stops at the limit and breaks the identity.
        public var holds = true

        /// Adds the counts and sums of another part of the same verification.
        mutating func add(_ other: Billing) {
            charges += other.charges
            if charged.addSaturating(other.charged) { holds = false }
            duplicateCopies += other.duplicateCopies
            completions += other.completions
            if priced.addSaturating(other.priced) { holds = false }
            unpriced += other.unpriced
            holds = holds && other.holds
        }

        // A sum past the 64-bit limit stops there and clears `holds`: an audit adds up what the
        // log claims, and a crafted event must not crash it.
        mutating func addCharged(_ amount: Millicredits) { if charged.addSaturating(amount) { holds = false } }
        mutating func addPriced(_ amount: Millicredits) { if priced.addSaturating(amount) { holds = false } }
    }

    public var from: Date
    public var to: Date
    public var asOf: Date
    public var apps: Int
    public var runs: Int
    public var billing: Billing
    public var discrepancies: [AuditDiscrepancy]
    /// What the replay read (messages, undecodable ones, per type).
    public var counts: AuditLog.Counts

    /// No discrepancy: exit code 0.
    public var isClean: Bool { discrepancies.isEmpty }

    public func json() -> String {
        struct Document: Encodable {
            var from, to, asOf: String
            var clean: Bool
            var apps, runs: Int
            var unit = "millicredits"
            var billing: Billing
            var discrepancies: [AuditDiscrepancyJSON]
            var log: AuditLog.Counts
        }
        return AuditJSON.encode(Document(
            from: RFC3339.utcMilliseconds(from), to: RFC3339.utcMilliseconds(to), asOf: RFC3339.utcMilliseconds(asOf),
            clean: isClean, apps: apps, runs: runs, billing: billing, discrepancies: discrepancies.map(AuditDiscrepancyJSON.init), log: counts))
    }

    public func text() -> String {
        var out = "Audit of \(RFC3339.utcMilliseconds(from)) to \(RFC3339.utcMilliseconds(to)) (log read to \(RFC3339.utcMilliseconds(asOf))): "
        out += "\(apps) app(s), \(runs) run(s), \(counts.messages) message(s)\(counts.undecodable > 0 ? " (\(counts.undecodable) not valid events)" : "")\n"
        out += "billing: \(billing.charges) charge(s), \(billing.charged) credits charged; \(billing.completions) completion(s) priced at \(billing.priced) credits"
        if billing.duplicateCopies > 0 { out += "; \(billing.duplicateCopies) duplicate cop(ies) counted once" }
        out += billing.holds ? " — identity holds\n" : " — IDENTITY BROKEN\n"
        out += AuditJSON.discrepancyText(discrepancies)
        return out
    }
}

extension AuditReconciler {
    /// Runs every check over every app for runs due (or asked for) in `[from, to)`, and the billing
    /// identity with `pricing` (the version in force at each run's `scheduledFor`, as workers price).
    /// Without a window: from the first config or control event to one minute after the log's end.
    public func verify(from: Date? = nil, to: Date? = nil, pricing: PricingSchedule) -> AuditVerification {
        let start = from ?? log.orderedChanges.first?.time ?? asOf
        let end = to ?? asOf.addingTimeInterval(60)
        struct Partial: Sendable {
            var runs = 0
            var findings: [AuditDiscrepancy] = []
            var billing = AuditVerification.Billing()
        }
        let apps = self.apps
        // Apps are independent: reconciled in chunks on every core, added up in app order.
        let chunks = ParallelChunks.split(apps, chunks: 4 * max(1, ProcessInfo.processInfo.activeProcessorCount))
        let partials = ParallelChunks.map(chunks) { chunk in
            var partial = Partial()
            var minuteNames = MinuteNames()
            for app in chunk {
                let report = reconcileApp(app, job: nil, from: start, to: end, pricing: pricing, minuteNames: &minuteNames)
                partial.runs += report.rows.count
                partial.findings += report.findings
                partial.findings += report.billingFindings
                partial.billing.add(report.billing)
            }
            return partial
        }
        var billing = AuditVerification.Billing()
        var findings: [AuditDiscrepancy] = []
        var runs = 0
        for partial in partials {
            runs += partial.runs
            findings += partial.findings
            billing.add(partial.billing)
        }
        billing.holds = billing.holds && billing.charged == billing.priced
            && !findings.contains { [.noCharge, .chargeWithoutCompletion, .conflictingCharge, .mispricedCharge].contains($0.kind) }
        return AuditVerification(from: start, to: end, asOf: asOf, apps: apps.count, runs: runs, billing: billing,
                                 discrepancies: findings.sorted(), counts: log.counts)
    }

    /// Adds one trigger id's charge and priced completion (its events as looked up by
    /// ``reconcile(root:key:scheduledFor:source:expected:pricing:)``); returns conflicting or
    /// mispriced findings about the run of `job` at `scheduledFor`.
    ///
    /// The id's completions come as the whole list and its trigger as its `scheduledFor`, so that
    /// no event is copied out of the log (a copy retains and releases every string of it).
    func checkBilling(_ id: TriggerID, job rowJob: JobKey, scheduledFor: Date, charges: [AuditLog.Stamped<CreditsCharged>],
                      completions: [AuditLog.Stamped<JobCompleted>], triggerScheduledFor: Date?,
                      pricing: PricingSchedule, into billing: inout AuditVerification.Billing) -> [AuditDiscrepancy] {
        var findings: [AuditDiscrepancy] = []
        if !charges.isEmpty {
            billing.charges += 1
            billing.addCharged(charges[0].event.total)
            billing.duplicateCopies += charges.count - 1
        }
        if charges.count > 1 {
            let first = charges[0]
            for copy in charges.dropFirst() where copy.event.lineItems != first.event.lineItems || copy.event.total != first.event.total
                || copy.event.pricingVersion != first.event.pricingVersion {
                findings.append(AuditDiscrepancy(.conflictingCharge, id, job: rowJob, scheduledFor: scheduledFor,
                                                 detail: "copy at \(copy.position) charges \(copy.event.total) credits, the first (\(first.position)) \(first.event.total)"))
            }
        }
        guard !completions.isEmpty else { return findings }
        billing.completions += 1
        guard completions[0].event.isCharged else {
            // Never started: priced at nothing, so a charge for it breaks the identity.
            billing.addPriced(.zero)
            if let first = charges.first {
                findings.append(AuditDiscrepancy(.mispricedCharge, id, job: rowJob, scheduledFor: scheduledFor,
                                                 detail: "charged \(first.event.total) credits for a run that never started (failure notStarted), which costs nothing"))
            }
            return findings
        }
        guard let complexity = timeline.epoch(app: completions[0].event.job.app, job: completions[0].event.job.job,
                                              at: completions[0].time)?.job.config.complexity else {
            billing.unpriced += 1
            billing.addPriced(charges.isEmpty ? .zero : charges[0].event.total)
            return findings
        }
        let table = pricing.table(at: triggerScheduledFor ?? scheduledFor)
        guard let priced = Pricer.total(complexity: complexity, usage: completions[0].event.usage, table: table) else {
            // Usage no worker reports (each total is bounded far below this): not priced, a finding.
            billing.unpriced += 1
            billing.addPriced(charges.isEmpty ? .zero : charges[0].event.total)
            findings.append(AuditDiscrepancy(.mispricedCharge, id, job: rowJob, scheduledFor: scheduledFor,
                                             detail: "the completion's usage priced by \(table.version) at complexity \(complexity) costs more than 64-bit millicredits hold (\(Int64.max))"))
            return findings
        }
        billing.addPriced(priced)
        if !charges.isEmpty, charges[0].event.total != priced {
            let first = charges[0]
            findings.append(AuditDiscrepancy(.mispricedCharge, id, job: rowJob, scheduledFor: scheduledFor,
                                             detail: "charged \(first.event.total) credits (\(first.event.pricingVersion)); the completion priced by \(table.version) at complexity \(complexity) costs \(priced)"))
        }
        return findings
    }
}
