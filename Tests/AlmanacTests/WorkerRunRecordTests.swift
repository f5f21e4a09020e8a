@testable import Almanac
import AlmanacCore
import Foundation
import Testing

/// The events that record a run: follow-ups, completion, and the derived charge and retry, which
/// must come out identical when re-derived after a crash.
@Suite struct WorkerRunRecordTests {
    static let now = Date(timeIntervalSince1970: 1_772_456_400)
    static let job = JobKey(account: "acme", app: "imports", job: "batch")
    static let trigger = JobTriggered(triggerId: TriggerID("acme/imports/batch@2026-03-02T13:00Z"), job: job, scheduledFor: now,
                                      source: .scheduled, params: .object(["offset": .int(0)]))

    static func result(_ status: RunStatus, followUps: [FollowUpRequest] = []) -> RunResult {
        RunResult(status: status, exitCode: status == .succeeded ? 0 : 1, usage: RunUsage(emails: 2), followUps: followUps,
                  stdoutTail: "out", error: status == .succeeded ? nil : "exited with code 1")
    }

    @Test func followUps_ofASucceededRun_getDeterministicIds_andUnknownJobsAreRefused() {
        let (triggers, problems) = RunRecord.followUps(
            of: Self.trigger, result: Self.result(.succeeded, followUps: [FollowUpRequest(job: "batch", params: .object(["offset": .int(500)])),
                                                                          FollowUpRequest(job: "nope", params: nil)]),
            finishedAt: Self.now, hasJob: { $0 == "batch" })
        #expect(triggers.map(\.triggerId.rawValue) == ["acme/imports/batch@2026-03-02T13:00Z/batch#1"])
        #expect(triggers[0].source == .enqueue && triggers[0].parentTriggerId == Self.trigger.triggerId)
        #expect(problems == ["follow-up 2: app imports has no job \"nope\""])
    }

    @Test func followUps_ofAFailedRun_areNotQueued() {
        let (triggers, problems) = RunRecord.followUps(of: Self.trigger, result: Self.result(.failed, followUps: [FollowUpRequest(job: "batch", params: nil)]),
                                                       finishedAt: Self.now, hasJob: { _ in true })
        #expect(triggers.isEmpty && problems.count == 1)
    }

    @Test func derived_ofAFailedRunWithRetriesLeft_isTheChargeAndTheNextAttempt_andIsDeterministic() {
        let completion = RunRecord.completion(of: Self.trigger, executionId: "e1", result: Self.result(.failed), startedAt: Self.now,
                                              finishedAt: Self.now.addingTimeInterval(3), followUps: [], problems: [])
        let derive = { RunRecord.derived(from: completion, trigger: Self.trigger, complexity: 3, pricing: PricingSchedule([.standard]),
                                         retries: 2, retryBackoffSeconds: 10) }
        let events = derive()
        #expect(events == derive())
        guard events.count == 2, case .creditsCharged(let charge) = events[0], case .jobTriggered(let retry) = events[1] else {
            Issue.record("expected a charge and a retry, got \(events)")
            return
        }
        #expect(charge.chargeId == Self.trigger.triggerId && charge.status == .failed && charge.executionId == "e1")
        #expect(retry.triggerId.rawValue == "acme/imports/batch@2026-03-02T13:00Z~2" && retry.attempt == 2 && retry.source == .retry)
        #expect(retry.params == Self.trigger.params && retry.scheduledFor == Self.now)
        let backoff = retry.notBefore!.timeIntervalSince(completion.finishedAt)
        #expect(backoff >= 8 && backoff <= 12)
    }

    @Test func derived_whenNoRetriesAreLeft_orTheRunSucceeded_isTheChargeAlone() {
        var last = Self.trigger
        last.triggerId = TriggerID("acme/imports/batch@2026-03-02T13:00Z~3")
        last.attempt = 3
        for (trigger, status) in [(last, RunStatus.failed), (Self.trigger, .succeeded)] {
            let completion = RunRecord.completion(of: trigger, executionId: "e", result: Self.result(status), startedAt: Self.now,
                                                  finishedAt: Self.now, followUps: [], problems: [])
            let events = RunRecord.derived(from: completion, trigger: trigger, complexity: 1, pricing: PricingSchedule([.standard]),
                                           retries: 2, retryBackoffSeconds: 10)
            #expect(events.count == 1)
        }
    }

    /// A completion in the log that no worker wrote (kcat) may report usage past `RunUsage`'s
    /// limits; recovering it must not trap on every restart.
    @Test func derived_ofACompletionTooLargeToPrice_isTheRetryWithoutACharge() {
        let usage = RunUsage(emails: Int64.max / 2, sms: Int64.max / 2)
        var completion = RunRecord.completion(of: Self.trigger, executionId: "e1", result: Self.result(.failed), startedAt: Self.now,
                                              finishedAt: Self.now, followUps: [], problems: [])
        completion.usage = usage
        let pricing = PricingSchedule([.standard])
        #expect(Pricer.chargeIfPriceable(for: completion, complexity: 3, table: .standard) == nil)
        let events = RunRecord.derived(from: completion, trigger: Self.trigger, complexity: 3, pricing: pricing, retries: 2, retryBackoffSeconds: 10)
        guard events.count == 1, case .jobTriggered(let retry) = events[0] else {
            Issue.record("expected the retry alone, got \(events)")
            return
        }
        #expect(retry.attempt == 2)
        completion.usage = RunUsage(emails: RunUsage.maximumQuantity, sms: RunUsage.maximumQuantity)
        #expect(Pricer.chargeIfPriceable(for: completion, complexity: 3, table: .standard) != nil)
        let priced = RunRecord.derived(from: completion, trigger: Self.trigger, complexity: 3, pricing: pricing, retries: 2, retryBackoffSeconds: 10)
        #expect(priced.map(\.kind) == [.creditsCharged, .jobTriggered])
    }

    @Test func retryDelay_doublesPerAttempt_withJitterWithin20Percent() {
        for n in 0..<200 {
            let id = TriggerID("a/b/c@2026-03-02T13:\(n)Z")
            for attempt in 1...4 {
                let delay = RunRecord.retryDelay(of: id, attempt: attempt, base: 10)
                let nominal = 10 * pow(2, Double(attempt - 1))
                #expect(delay >= nominal * 0.8 && delay <= nominal * 1.2)
            }
        }
    }

    @Test func partitionIndex_keepsTheFirstCompletion_withoutTails() {
        var index = PartitionIndex()
        let first = RunRecord.completion(of: Self.trigger, executionId: "first", result: Self.result(.succeeded), startedAt: Self.now,
                                         finishedAt: Self.now, followUps: [], problems: [])
        var second = first
        second.executionId = "second"
        index.add(.jobCompleted(first))
        index.add(.jobCompleted(second))
        #expect(index.recoverable[Self.trigger.triggerId]?.executionId == "first")
        #expect(index.recoverable[Self.trigger.triggerId]?.stdoutTail == "")
    }
}
