@testable import AlmanacCore
import Foundation
import Testing

/// The trigger ids' index built by `AuditLog.add` as the lanes read (and joined by `merge`) gives
/// the reconciler the index it would build at once from the whole log.
@Suite struct AuditTriggerIndexTests {
    typealias Entry = AuditLogBuilder.Entry

    /// Two apps, retries, a manual id with only a completion and a charge, a skip, charges of
    /// retries, on three partitions of each topic; optionally a trigger id written again under
    /// another app.
    static func entries(conflictingApp: Bool = false) -> [Entry] {
        var entries = AuditLogBuilder.PositionedEntries()
        func add(_ event: AlmanacEvent, _ time: Date, partition: Int32) { entries.add(event, time, partition: partition) }
        let start = AuditLogBuilder.at("2026-03-02T13:00:00Z")
        for minute in 0..<12 {
            let at = start.addingTimeInterval(Double(minute * 60))
            for (n, app) in ["a", "b"].enumerated() {
                let key = JobKey(account: "acct-\(app)", app: app, job: "job")
                let p = Int32((minute + n) % 3)
                var id = TriggerID.scheduled(key, at: at)
                if minute % 4 == 1 {
                    add(.jobSkipped(JobSkipped(triggerId: id, job: key, scheduledFor: at, reason: .overlap)), at, partition: p)
                    continue
                }
                if minute % 5 == 2 { id = TriggerID("\(key)/manual-\(minute)") }  // no trigger: only completion and charge
                else { add(.jobTriggered(JobTriggered(triggerId: id, job: key, scheduledFor: at, source: .scheduled)), at, partition: p) }
                let attempts = minute % 3 == 0 ? 3 : 1
                for attempt in 1...attempts {
                    let runID = attempt == 1 ? id : id.retry(attempt: attempt)
                    if attempt > 1, attempt < attempts || minute % 2 == 0 {
                        add(.jobTriggered(JobTriggered(triggerId: runID, job: key, scheduledFor: at, source: .retry)), at, partition: (p + 1) % 3)
                    }
                    let done = JobCompleted(triggerId: runID, executionId: "e\(minute)\(app)\(attempt)", job: key, status: attempt == attempts ? .succeeded : .failed,
                                            attempt: attempt, exitCode: 0, startedAt: at, finishedAt: at.addingTimeInterval(2), usage: RunUsage(emails: 1))
                    add(.jobCompleted(done), at.addingTimeInterval(2), partition: (p + 2) % 3)
                    add(.creditsCharged(Pricer.charge(for: done, complexity: 1, table: .standard)), at.addingTimeInterval(2), partition: p)
                }
            }
        }
        if conflictingApp {
            let key = JobKey(account: "acct-a", app: "a", job: "job")
            let id = TriggerID.scheduled(key, at: start)
            let other = JobKey(account: "acct-b", app: "b", job: "job")
            add(.jobTriggered(JobTriggered(triggerId: id, job: other, scheduledFor: start, source: .scheduled)), start.addingTimeInterval(5), partition: 2)
        }
        return entries.list
    }

    static func log(_ entries: some Sequence<Entry>) -> AuditLog {
        var log = AuditLog()
        for entry in entries { log.add(entry.envelope, at: entry.position) }
        return log
    }

    /// The index noted at once, pass after pass: every kept trigger, then skips and completions, then charges.
    static func atOnce(_ log: AuditLog) -> AuditRootIndex {
        var index = AuditRootIndex()
        for (id, t) in log.triggers { index.note(id, app: t.event.job.app) }
        for (id, s) in log.skips { index.note(id, app: s.event.job.app) }
        for (id, list) in log.completions { index.note(id, app: list[0].event.job.app) }
        for (id, list) in log.charges { index.note(id, app: list[0].event.app) }
        return index
    }

    static func triggersOnly(_ log: AuditLog) -> AuditRootIndex {
        var index = AuditRootIndex()
        for (id, t) in log.triggers { index.note(id, app: t.event.job.app) }
        return index
    }

    @Test(arguments: [0, 1, 2])
    func indexNotedInLanes_equalsIndexBuiltAtOnce(bigPart: Int32) {
        let all = Self.entries()
        let whole = Self.log(all)
        let reference = Self.atOnce(whole)
        #expect(whole.triggerIndexExact)
        #expect(whole.triggerIndex.roots == Self.triggersOnly(whole).roots)
        #expect(whole.triggerIndex.retries == Self.triggersOnly(whole).retries)
        #expect(!reference.retries.isEmpty && reference.roots["a"]!.contains { $0.rawValue.contains("manual") })
        var merged = Self.log(all.filter { $0.position.partition != bigPart })
        merged.merge(Self.log(all.filter { $0.position.partition == bigPart }))
        #expect(merged.triggerIndexExact)
        #expect(merged.triggerIndex.roots == Self.triggersOnly(merged).roots)
        #expect(merged.triggerIndex.retries == Self.triggersOnly(merged).retries)
        for log in [whole, merged] {
            let reconciler = AuditReconciler(log)
            #expect(reconciler.roots == reference.roots)
            #expect(reconciler.retryIDs == reference.retries)
        }
    }

    @Test func triggerIDUnderTwoApps_isRebuiltFromTheKeptCopies() {
        let all = Self.entries(conflictingApp: true)
        let whole = Self.log(all)
        #expect(!whole.triggerIndexExact)
        var merged = Self.log(all.filter { $0.position.partition != 2 })
        let late = Self.log(all.filter { $0.position.partition == 2 })
        #expect(late.triggerIndexExact)
        merged.merge(late)
        #expect(!merged.triggerIndexExact)
        for log in [whole, merged] {
            let reference = Self.atOnce(log)
            #expect(AuditReconciler(log).roots == reference.roots)
            #expect(AuditReconciler(log).retryIDs == reference.retries)
        }
    }

    @Test func add_takesANewAppsSetAndJoinsAnExistingOne() {
        var index = AuditRootIndex()
        index.note(TriggerID("a/x@1"), app: "a")
        var other = AuditRootIndex()
        for id in ["a/x@2", "a/x@3", "a/x@1"] { other.note(TriggerID(id), app: "a") }
        other.note(TriggerID("b/y@1"), app: "b")
        index.add(other)
        #expect(index.roots == ["a": [TriggerID("a/x@1"), TriggerID("a/x@2"), TriggerID("a/x@3")], "b": [TriggerID("b/y@1")]])
        #expect(index.hasRoot(TriggerID("a/x@2"), app: "a") && !index.hasRoot(TriggerID("a/x@2"), app: "b") && !index.hasRoot(TriggerID("a/x@2~2"), app: "a"))
    }
}
