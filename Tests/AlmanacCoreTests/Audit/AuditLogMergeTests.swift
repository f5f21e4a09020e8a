import AlmanacCore
import Foundation
import Testing

/// `AuditLog.merge`: logs of parts read in parallel merge into what one log of every event holds,
/// whichever part is larger.
@Suite struct AuditLogMergeTests {
    typealias Entry = AuditLogBuilder.Entry

    /// Runs of 30 minutes: trigger, completion and charge, on 3 partitions of each topic; some
    /// triggers and completions written twice, on another partition. (For triggers written twice
    /// `merge` keeps the copy earliest by log position, `add` the first added: the test keeps both
    /// the same.)
    static func entries() -> [Entry] {
        var entries = AuditLogBuilder.PositionedEntries()
        func add(_ event: AlmanacEvent, _ time: Date, partition: Int32) { entries.add(event, time, partition: partition) }
        let start = AuditLogBuilder.at("2026-03-02T13:00:00Z")
        for minute in 0..<30 {
            let at = start.addingTimeInterval(Double(minute * 60))
            let id = TriggerID.scheduled(AuditLogBuilder.key, at: at)
            let p = Int32(minute % 3)
            let trigger = JobTriggered(triggerId: id, job: AuditLogBuilder.key, scheduledFor: at, source: .scheduled)
            add(.jobTriggered(trigger), at, partition: p)
            // A second copy later in a higher partition: the first copy is also the earliest by position.
            if minute % 7 == 0, p < 2 { add(.jobTriggered(trigger), at.addingTimeInterval(1), partition: p + 1) }
            let done = JobCompleted(triggerId: id, executionId: "e\(minute)", job: AuditLogBuilder.key, status: .succeeded, attempt: 1,
                                    exitCode: 0, startedAt: at, finishedAt: at.addingTimeInterval(2), usage: RunUsage(emails: 1))
            add(.jobCompleted(done), at.addingTimeInterval(2), partition: p)
            if minute % 5 == 0 { add(.jobCompleted(done), at.addingTimeInterval(3), partition: (p + 2) % 3) }
            add(.creditsCharged(Pricer.charge(for: done, complexity: 1, table: .standard)), at.addingTimeInterval(2), partition: p)
            add(.tickCompleted(TickCompleted(minute: at, triggered: 1, skipped: 0, ticker: "t")), at.addingTimeInterval(1), partition: 0)
        }
        return entries.list
    }

    static func log(_ entries: some Sequence<Entry>) -> AuditLog {
        var log = AuditLog()
        for entry in entries { log.add(entry.envelope, at: entry.position) }
        return log
    }

    static func expectSame(_ a: AuditLog, _ b: AuditLog) {
        #expect(a.counts == b.counts)
        #expect(a.triggers.mapValues(\.position) == b.triggers.mapValues(\.position))
        #expect(a.completions.mapValues { $0.map(\.position) } == b.completions.mapValues { $0.map(\.position) })
        #expect(a.charges.mapValues { $0.map(\.position) } == b.charges.mapValues { $0.map(\.position) })
        #expect(a.ticks == b.ticks)
        #expect(a.latestTime == b.latestTime)
        #expect(a.orderedChanges.map(\.position) == b.orderedChanges.map(\.position))
    }

    @Test(arguments: [0, 1, 2])
    func merge_ofPartsByPartition_equalsOneLog(bigPart: Int32) {
        let all = Self.entries()
        var whole = Self.log(all)
        whole.finish()
        // One part holds two partitions of every topic, the other one: both directions of the merge walk.
        let big = Self.log(all.filter { $0.position.partition != bigPart })
        let small = Self.log(all.filter { $0.position.partition == bigPart })
        var merged = big
        merged.merge(small)
        merged.finish()
        Self.expectSame(merged, whole)
        var reversed = small
        reversed.merge(big)
        reversed.finish()
        Self.expectSame(reversed, whole)
    }

    /// A log whose dictionaries were reserved up front (as the replay's lanes do) collects and
    /// merges exactly what an unreserved one does, however far off the reservation is.
    @Test(arguments: [0, 5, 100_000])
    func reservedLog_collectsAndMergesTheSame(reserved: Int) {
        let all = Self.entries()
        var whole = Self.log(all)
        whole.finish()
        var big = AuditLog()
        big.reserveCapacity(triggers: reserved, executions: reserved, charges: reserved)
        for entry in all where entry.position.partition != 0 { big.add(entry.envelope, at: entry.position) }
        var small = AuditLog()
        small.reserveCapacity(triggers: reserved / 2, executions: reserved / 2, charges: reserved / 2)
        for entry in all where entry.position.partition == 0 { small.add(entry.envelope, at: entry.position) }
        big.merge(small)
        big.finish()
        Self.expectSame(big, whole)
        #expect(big.triggers.count == 30)
    }

    /// The log keeps what the audit judges (status, usage, times) but not a run's output tails.
    @Test func completions_areKeptWithoutTheirOutputTails() throws {
        let at = AuditLogBuilder.at("2026-03-02T13:00:00Z")
        let id = TriggerID.scheduled(AuditLogBuilder.key, at: at)
        let tail = String(repeating: "x", count: 65_536)
        let done = JobCompleted(triggerId: id, executionId: "e", job: AuditLogBuilder.key, status: .failed, attempt: 1, exitCode: 2,
                                startedAt: at, finishedAt: at.addingTimeInterval(3), usage: RunUsage(emails: 2), stdoutTail: tail,
                                stderrTail: tail, error: "exit code 2")
        var log = AuditLog()
        log.add(EventEnvelope(source: "t", time: at.addingTimeInterval(3), event: .jobCompleted(done)),
                at: LogPosition(topic: "almanac.executions", partition: 0, offset: 0))
        let kept = try #require(log.completions[id]?.first?.event)
        #expect(kept.stdoutTail.isEmpty && kept.stderrTail.isEmpty)
        #expect(kept.status == .failed && kept.usage == done.usage && kept.error == "exit code 2" && kept.finishedAt == done.finishedAt)
    }
}
