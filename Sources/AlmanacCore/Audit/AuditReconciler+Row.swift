import Foundation

extension AuditReconciler {
    /// The row of one run (a root trigger id and its retries), the findings about it and — with
    /// `pricing` — its billing (``checkBilling(_:job:scheduledFor:charges:completions:triggerScheduledFor:pricing:into:)`` of
    /// each id, from the events looked up once for both).
    func reconcile(root: TriggerID, key: JobKey, scheduledFor: Date, source: TriggerSource, expected: Bool, pricing: PricingSchedule? = nil)
        -> ReconciledRun
    {
        let retries = retriesOf(root)
        var findings: [AuditDiscrepancy] = []
        var billing = AuditVerification.Billing()
        var billingFindings: [AuditDiscrepancy] = []
        func finding(_ kind: AuditDiscrepancy.Kind, _ id: TriggerID, _ detail: String) {
            findings.append(AuditDiscrepancy(kind, id, job: key, scheduledFor: scheduledFor, detail: detail))
        }
        var attempts = 0
        var duration: Int64?
        var charged = Millicredits.zero
        // The newest attempt the log knows of, and what became of it.
        var latest: AuditOutcome?
        var latestCompletion: JobCompleted?
        // The root, then its retries by attempt (no array built for the root alone).
        for index in 0...retries.count {
            let id = index == 0 ? root : retries[index - 1]
            // The events are read in place (lists, and the trigger's one field), not copied out.
            let completions = log.completions[id] ?? []
            let triggerScheduledFor = log.triggers[id]?.event.scheduledFor
            let charges = log.charges[id] ?? []
            if let pricing {
                billingFindings += checkBilling(id, job: key, scheduledFor: scheduledFor, charges: charges, completions: completions,
                                                triggerScheduledFor: triggerScheduledFor, pricing: pricing, into: &billing)
            }
            if !completions.isEmpty {
                attempts += 1
                // Saturating: a log's durations are what its events claim (kcat's included).
                let (sum, overflow) = (duration ?? 0).addingReportingOverflow(completions[0].event.durationMilliseconds)
                duration = overflow ? (sum < 0 ? .max : .min) : sum
                latest = Self.outcome(of: completions[0].event.status)
                latestCompletion = completions[0].event
                if completions.count > 1 {
                    finding(.duplicateCompletion, id, "\(completions.count) job.completed events (\(completions.map(\.position.description).joined(separator: ", ")))")
                }
                if triggerScheduledFor == nil, log.triggersComplete {
                    finding(.completionWithoutTrigger, id, "job.completed at \(completions[0].position) but no job.triggered in the log")
                }
                if charges.isEmpty, completions[0].event.isCharged, asOf.timeIntervalSince(completions[0].time) > 60 {
                    let first = completions[0]
                    finding(.noCharge, id, "completed (\(first.event.status.rawValue)) at \(RFC3339.utcMilliseconds(first.time)) (\(first.position)); no credits.charged with this chargeId")
                }
            } else if let skip = log.skips[id] {
                latest = skipOutcome(skip, scheduledFor: scheduledFor)
            } else if triggerScheduledFor != nil, let trigger = log.triggers[id] {
                let deadline = self.deadline(of: trigger)
                if asOf > deadline {
                    latest = .noCompletion
                    finding(.noCompletion, id, "triggered at \(RFC3339.utcMilliseconds(trigger.time)) (\(trigger.position)); no job.completed by \(RFC3339.utcMilliseconds(deadline)) (its timeout + \(Int(Self.slackSeconds)) s), the log reaches \(RFC3339.utcMilliseconds(asOf))")
                } else {
                    latest = .running
                }
            }
            if !charges.isEmpty {
                // The row shows the sum up to the 64-bit limit; the billing identity reports the break.
                charged.addSaturating(charges[0].event.total)
                if completions.isEmpty {
                    finding(.chargeWithoutCompletion, id, "credits.charged at \(charges[0].position) (\(charges[0].event.total) credits) but no job.completed")
                }
            }
        }
        let outcome: AuditOutcome
        if let skip = log.skips[root] {
            outcome = skipOutcome(skip, scheduledFor: scheduledFor)
        } else if let latest {
            outcome = latest
        } else if expected, let firstTick, scheduledFor < firstTick {
            outcome = .beforeFirstTick
        } else if expected, let lastTick, scheduledFor <= lastTick {
            outcome = .neverTriggered
            let ticked = log.ticks[scheduledFor].map { "minute ticked at \(RFC3339.utcMilliseconds($0))" } ?? "minute never ticked, later ones were"
            finding(.noTrigger, root, "due by the schedule in force; no job.triggered and no job.skipped (\(ticked))")
        } else {
            outcome = .notTickedYet
        }
        let row = AuditRow(job: key, triggerId: root, scheduledFor: scheduledFor, source: source, expected: expected, outcome: outcome,
                           attempts: attempts, durationMilliseconds: duration, charged: charged, findings: findings.map(\.kind),
                           error: latestCompletion?.error, failure: latestCompletion?.failure,
                           refusedReportLines: latestCompletion?.refusedReportLines)
        return ReconciledRun(row: row, findings: findings, billing: billing, billingFindings: billingFindings)
    }

    /// Retry ids of a root, by attempt.
    func retriesOf(_ root: TriggerID) -> [TriggerID] {
        // Most logs have few retries or none: no hashing of the root then.
        guard !retryIDs.isEmpty, let list = retryIDs[root] else { return [] }
        return list.keys.sorted().map { list[$0]! }
    }

    static func outcome(of status: RunStatus) -> AuditOutcome {
        switch status {
        case .succeeded: .succeeded
        case .failed: .failed
        case .timedOut: .timedOut
        }
    }

    /// The outcome of a skip, explained from the control history and the ticks.
    func skipOutcome(_ skip: AuditLog.Stamped<JobSkipped>, scheduledFor: Date) -> AuditOutcome {
        switch skip.event.reason {
        case .paused:
            if let pause = timeline.pause(app: skip.event.job.app, job: skip.event.job.job, at: scheduledFor) {
                return .skippedPaused(actor: pause.actor, since: pause.since, reason: pause.reason)
            }
            return .skippedPaused(actor: nil, since: nil, reason: skip.event.detail)
        case .overlap: return .skippedOverlap
        case .removed: return .skippedRemoved
        case .missed: return .skippedMissed(downFrom: lastTickWritten(before: scheduledFor), downTo: skip.time)
        }
    }

    /// When the trigger should have completed by: its `notBefore` (or its time) + the job's
    /// `timeoutSeconds` (as configured when it was triggered; 600 if unknown) + ``slackSeconds``.
    func deadline(of trigger: AuditLog.Stamped<JobTriggered>) -> Date {
        let job = trigger.event.job
        let timeout = timeline.epoch(app: job.app, job: job.job, at: trigger.time)?.job.config.timeoutSeconds ?? 600
        let start = max(trigger.time, trigger.event.notBefore ?? trigger.time)
        return start.addingTimeInterval(Double(timeout) + Self.slackSeconds)
    }
}

/// One run as ``AuditReconciler`` reconciled it: its row and findings, and (when verifying) the
/// billing of its ids with the billing findings.
struct ReconciledRun: Sendable {
    var row: AuditRow
    var findings: [AuditDiscrepancy]
    var billing: AuditVerification.Billing
    var billingFindings: [AuditDiscrepancy]
}
