import AlmanacCore
import Foundation

/// The events that record one run, built without I/O, in the three steps the worker writes them
/// (docs/workers.md, "Exactly once"):
///
/// 1. ``followUps(of:result:finishedAt:hasJob:)`` — `job.triggered(enqueue)` on `triggers`, before
///    the completion: a crash before step 2 runs the trigger again, and the new run writes its
///    follow-ups under the same ids (`<trigger>/<job>#<n>`), which workers deduplicate;
/// 2. ``completion(…)`` — `job.completed` on `executions`: the commit point; once it is in the log
///    the trigger never runs again;
/// 3. ``derived(from:trigger:complexity:pricing:retries:retryBackoffSeconds:)`` — `credits.charged`
///    and the retry trigger, computed from the completion and the trigger alone, so whoever meets
///    a completed trigger that was read again (its worker may have died between steps 2 and 3)
///    writes them again, identical to the first time.
enum RunRecord {
    /// Follow-up triggers of a run. Only a succeeded run queues its follow-ups (a failed one is
    /// retried or final, and a retry reports them again); unknown jobs are refused.
    /// - Returns: the triggers, and problems to add to the run's `error`.
    static func followUps(of trigger: JobTriggered, result: RunResult, finishedAt: Date,
                          hasJob: (String) -> Bool) -> (triggers: [JobTriggered], problems: [String]) {
        guard !result.followUps.isEmpty else { return ([], []) }
        guard result.status == .succeeded else {
            return ([], ["\(result.followUps.count) follow-up(s) not queued: the run did not succeed"])
        }
        var triggers: [JobTriggered] = []
        var problems: [String] = []
        for (index, followUp) in result.followUps.enumerated() {
            guard hasJob(followUp.job) else {
                problems.append("follow-up \(index + 1): app \(trigger.job.app) has no job \"\(followUp.job)\"")
                continue
            }
            let key = JobKey(account: trigger.job.account, app: trigger.job.app, job: followUp.job)
            triggers.append(JobTriggered(triggerId: trigger.triggerId.followUp(followUp.job, number: index + 1), job: key,
                                         scheduledFor: finishedAt, source: .enqueue, params: followUp.params,
                                         parentTriggerId: trigger.triggerId))
        }
        return (triggers, problems)
    }

    static func completion(of trigger: JobTriggered, executionId: String, result: RunResult, startedAt: Date, finishedAt: Date,
                           followUps: [JobTriggered], problems: [String]) -> JobCompleted {
        let errors = (result.error.map { [$0] } ?? []) + problems
        return JobCompleted(triggerId: trigger.triggerId, executionId: executionId, job: trigger.job, status: result.status,
                            attempt: trigger.attempt, exitCode: result.exitCode, startedAt: startedAt, finishedAt: finishedAt,
                            usage: result.usage, followUps: followUps.map(\.triggerId), stdoutTail: result.stdoutTail,
                            stderrTail: result.stderrTail, error: errors.isEmpty ? nil : errors.joined(separator: "; "),
                            failure: result.notStarted ? .notStarted : nil,
                            refusedReportLines: result.refusedReportLines > 0 ? result.refusedReportLines : nil,
                            signal: result.signal)
    }

    /// The charge (failed and timed-out runs pay too; a run that never started does not) and, after
    /// a failure with retries left, the next attempt's trigger. Deterministic: same inputs, same events.
    ///
    /// A completion whose usage cannot be priced in 64-bit millicredits gets no charge, where
    /// `Pricer.charge` would trap (`Pricer.chargeIfPriceable`). Only a completion no worker wrote
    /// can be one: workers keep usage within `RunUsage`'s limits, and pricing files keep prices
    /// within `PricingTable.maximumPrice`. `almanac audit verify` reports such a completion as
    /// `mispriced_charge`.
    /// - Parameters:
    ///   - complexity: the job's base credits, 1–10.
    ///   - retries: the job's `retries`.
    ///   - retryBackoffSeconds: backoff base in clock seconds; attempt n waits base × 2^(n-1), ±20 %.
    static func derived(from completion: JobCompleted, trigger: JobTriggered, complexity: Int, pricing: PricingSchedule,
                        retries: Int, retryBackoffSeconds: Double) -> [AlmanacEvent] {
        var events: [AlmanacEvent] = []
        if let charge = Pricer.chargeIfPriceable(for: completion, complexity: complexity, table: pricing.table(at: trigger.scheduledFor)) {
            events.append(.creditsCharged(charge))
        }
        if completion.status != .succeeded, trigger.attempt <= retries {
            let delay = retryDelay(of: trigger.triggerId, attempt: trigger.attempt, base: retryBackoffSeconds)
            events.append(.jobTriggered(JobTriggered(
                triggerId: trigger.triggerId.retry(attempt: trigger.attempt + 1), job: trigger.job, scheduledFor: trigger.scheduledFor,
                source: .retry, attempt: trigger.attempt + 1, params: trigger.params, parentTriggerId: trigger.triggerId,
                notBefore: completion.finishedAt.addingTimeInterval(delay))))
        }
        return events
    }

    /// Exponential backoff with jitter: `base × 2^(attempt-1) × (0.8 … 1.2)`, the jitter a hash of
    /// the trigger id (deterministic, so a re-derived retry is the same event).
    static func retryDelay(of id: TriggerID, attempt: Int, base: Double) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a 64
        for byte in id.rawValue.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let jitter = 0.8 + 0.4 * Double(hash >> 11) / Double(1 << 53)
        return base * pow(2, Double(min(max(attempt - 1, 0), 20))) * jitter
    }
}
