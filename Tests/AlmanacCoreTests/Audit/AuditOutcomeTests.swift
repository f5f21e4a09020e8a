import AlmanacCore
import Foundation
import Testing

/// One case per outcome of `almanac audit runs`: a scripted log, the fire time asked about, the
/// outcome, attempts and credits expected.
@Suite struct AuditOutcomeTests {
    typealias B = AuditLogBuilder
    static let minute = "2026-03-02T15:05:00Z"

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var script: @Sendable (inout B) -> Void
        var outcome: AuditOutcome
        var attempts: Int
        var credits: Int64
        var findings: [AuditDiscrepancy.Kind] = []
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "succeeded", script: { b in
            b.ran(minute, written: "2026-03-02T15:05:01Z", finished: "2026-03-02T15:05:03Z")
        }, outcome: .succeeded, attempts: 1, credits: 1100),
        Case(name: "timed out", script: { b in
            b.tick(minute, written: "2026-03-02T15:05:01Z")
            b.trigger(minute, written: "2026-03-02T15:05:01Z")
            b.complete(B.id(minute), status: .timedOut, at: "2026-03-02T15:15:03Z")
        }, outcome: .timedOut, attempts: 1, credits: 1100),
        Case(name: "paused by an actor, with the pause's time and reason", script: { b in
            b.add("2026-03-02T15:04:30Z", .schedulePaused(ScheduleToggled(app: "app", reason: "maintenance", actor: "cli:alice")))
            b.tick(minute, written: "2026-03-02T15:05:01Z")
            b.skip(minute, written: "2026-03-02T15:05:01Z", reason: .paused)
        }, outcome: .skippedPaused(actor: "cli:alice", since: B.at("2026-03-02T15:04:30Z"), reason: "maintenance"), attempts: 0, credits: 0),
        Case(name: "overlap", script: { b in
            b.tick(minute, written: "2026-03-02T15:05:01Z")
            b.trigger(minute, written: "2026-03-02T15:05:01Z")
            b.skip(minute, written: "2026-03-02T15:05:02Z", reason: .overlap)
        }, outcome: .skippedOverlap, attempts: 0, credits: 0),
        Case(name: "missed: ticker down from its last tick to when it judged the slot", script: { b in
            b.tick("2026-03-02T15:00:00Z", written: "2026-03-02T15:00:01Z")
            b.tick(minute, written: "2026-03-02T15:40:00Z")
            b.skip(minute, written: "2026-03-02T15:40:00Z", reason: .missed)
        }, outcome: .skippedMissed(downFrom: B.at("2026-03-02T15:00:01Z"), downTo: B.at("2026-03-02T15:40:00Z")), attempts: 0, credits: 0),
        Case(name: "never triggered: ticked past, no trigger and no skip", script: { b in
            b.tick(minute, written: "2026-03-02T15:05:01Z")
        }, outcome: .neverTriggered, attempts: 0, credits: 0, findings: [.noTrigger]),
        Case(name: "not ticked yet: no finding", script: { b in
            b.tick("2026-03-02T15:04:00Z", written: "2026-03-02T15:04:01Z")
        }, outcome: .notTickedYet, attempts: 0, credits: 0),
        Case(name: "running: triggered, its timeout not passed", script: { b in
            b.tick(minute, written: "2026-03-02T15:05:01Z")
            b.trigger(minute, written: "2026-03-02T15:05:01Z")
            b.tick("2026-03-02T15:06:00Z", written: "2026-03-02T15:06:01Z")
        }, outcome: .running, attempts: 0, credits: 0),
        Case(name: "no completion after its timeout", script: { b in
            b.tick(minute, written: "2026-03-02T15:05:01Z")
            b.trigger(minute, written: "2026-03-02T15:05:01Z")
            b.tick("2026-03-02T15:20:00Z", written: "2026-03-02T15:20:01Z")
        }, outcome: .noCompletion, attempts: 0, credits: 0, findings: [.noCompletion]),
        Case(name: "completion with no charge", script: { b in
            b.tick(minute, written: "2026-03-02T15:05:01Z")
            b.trigger(minute, written: "2026-03-02T15:05:01Z")
            b.complete(B.id(minute), at: "2026-03-02T15:05:03Z", charge: false)
            b.tick("2026-03-02T15:10:00Z", written: "2026-03-02T15:10:01Z")
        }, outcome: .succeeded, attempts: 1, credits: 0, findings: [.noCharge]),
        Case(name: "charge with no completion", script: { b in
            b.tick(minute, written: "2026-03-02T15:05:01Z")
            b.trigger(minute, written: "2026-03-02T15:05:01Z")
            let done = JobCompleted(triggerId: B.id(minute), executionId: "x", job: B.key, status: .succeeded, attempt: 1, exitCode: 0,
                                    startedAt: B.at("2026-03-02T15:05:02Z"), finishedAt: B.at("2026-03-02T15:05:03Z"), usage: .none)
            b.add("2026-03-02T15:05:03Z", .creditsCharged(Pricer.charge(for: done, complexity: 1, table: .standard)))
        }, outcome: .running, attempts: 0, credits: 1000, findings: [.chargeWithoutCompletion]),
        Case(name: "duplicate completions", script: { b in
            b.ran(minute, written: "2026-03-02T15:05:01Z", finished: "2026-03-02T15:05:03Z")
            b.complete(B.id(minute), at: "2026-03-02T15:05:09Z", charge: false)
        }, outcome: .succeeded, attempts: 1, credits: 1100, findings: [.duplicateCompletion]),
        Case(name: "completion whose trigger was dropped", script: { b in
            b.tick(minute, written: "2026-03-02T15:05:01Z")
            b.complete(B.id(minute), at: "2026-03-02T15:05:03Z")
        }, outcome: .succeeded, attempts: 1, credits: 1100, findings: [.completionWithoutTrigger]),
    ]

    @Test(arguments: cases)
    func outcome_ofEachKindOfRun(_ c: Case) throws {
        var b = B()
        b.configure("2026-03-02T14:00:00Z", schedule: "*:*/5", timeout: 60)
        c.script(&b)
        let report = b.runs(from: Self.minute, to: "2026-03-02T15:06:00Z")
        let row = try #require(report.rows.first { $0.scheduledFor == B.at(Self.minute) })
        #expect(row.outcome == c.outcome)
        #expect(row.attempts == c.attempts)
        #expect(row.charged == Millicredits(c.credits))
        #expect(row.findings == c.findings)
        #expect(report.discrepancies.map(\.kind) == c.findings)
    }

    @Test func runs_whenRetried_foldIntoOneRowWithEveryAttemptCharged() throws {
        var b = B()
        b.configure("2026-03-02T14:00:00Z", schedule: "*:*/5", timeout: 60)
        b.tick(Self.minute, written: "2026-03-02T15:05:01Z")
        b.trigger(Self.minute, written: "2026-03-02T15:05:01Z")
        b.complete(B.id(Self.minute), status: .failed, at: "2026-03-02T15:05:03Z")
        b.trigger(Self.minute, written: "2026-03-02T15:05:03Z", attempt: 2)
        b.complete(B.id(Self.minute, attempt: 2), status: .failed, at: "2026-03-02T15:05:15Z", attempt: 2)
        b.trigger(Self.minute, written: "2026-03-02T15:05:15Z", attempt: 3)
        b.complete(B.id(Self.minute, attempt: 3), status: .failed, at: "2026-03-02T15:05:40Z", attempt: 3)
        let report = b.runs(from: Self.minute, to: "2026-03-02T15:06:00Z")
        #expect(report.rows.count == 1)
        let row = try #require(report.rows.first)
        #expect(row.outcome == .failed)
        #expect(row.attempts == 3)
        #expect(row.durationMilliseconds == 6000)
        #expect(row.charged == Millicredits(3300))
        #expect(report.discrepancies.isEmpty)
        #expect(row.outcome.text(zone: TimeZone(identifier: "America/New_York")!) == "failed")
    }

    @Test func outcomeText_namesActorTimeAndTickerOutage() {
        let ny = TimeZone(identifier: "America/New_York")!
        #expect(AuditOutcome.skippedPaused(actor: "cli:alice", since: B.at("2026-03-02T15:04:30Z"), reason: "maintenance").text(zone: ny)
            == "skipped: paused by cli:alice at 2026-03-02T10:04:30-05:00 (\"maintenance\")")
        #expect(AuditOutcome.skippedMissed(downFrom: B.at("2026-03-02T15:00:01Z"), downTo: B.at("2026-03-02T15:40:00Z")).text(zone: ny)
            == "skipped: missed (ticker down from 2026-03-02T10:00:01-05:00 to 2026-03-02T10:40:00-05:00)")
        #expect(AuditOutcome.timedOut.text(zone: ny) == "timed out")
        #expect(AuditOutcome.neverTriggered.text(zone: ny) == "never triggered")
    }
}
