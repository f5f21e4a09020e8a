@testable import Almanac
import AlmanacCore
import Foundation
import Testing

@Suite struct RunSummaryTests {
    let job = JobKey(account: "acct", app: "minutely", job: "beat")
    let minute = Date(timeIntervalSince1970: 1_772_463_600)

    func triggered(_ id: String) -> AlmanacEvent {
        .jobTriggered(JobTriggered(triggerId: TriggerID(id), job: job, scheduledFor: minute, source: .scheduled))
    }

    func completed(_ id: String) -> AlmanacEvent {
        .jobCompleted(JobCompleted(triggerId: TriggerID(id), executionId: "e-\(id)", job: job, status: .succeeded, attempt: 1,
                                   exitCode: 0, startedAt: minute, finishedAt: minute.addingTimeInterval(1), usage: .none))
    }

    @Test func aTriggerIsOpenUntilItsCompletionOrSkip() {
        var summary = RunSummary()
        summary.add(triggered("a"))
        summary.add(triggered("b"))
        #expect(summary.openTriggers == [TriggerID("a"), TriggerID("b")])
        summary.add(completed("a"))
        summary.add(.jobSkipped(JobSkipped(triggerId: TriggerID("b"), job: job, scheduledFor: minute, reason: .overlap)))
        #expect(summary.openTriggers.isEmpty)
    }

    /// Split brain or a failover writes a trigger again after the worker ran it (the worker does
    /// not run it twice): the copy does not reopen it, or `dev --run-for` waits out its grace period.
    @Test func aCopyOfAFinishedTriggerDoesNotReopenIt() {
        var summary = RunSummary()
        summary.add(triggered("a"))
        summary.add(completed("a"))
        summary.add(triggered("a"))
        #expect(summary.openTriggers.isEmpty)
        #expect(!summary.render().contains("without a completion"))
    }

    /// The triggers and executions topics are read side by side: an outcome may come first.
    @Test func anOutcomeReadBeforeItsTriggerClosesIt() {
        var summary = RunSummary()
        summary.add(completed("a"))
        summary.add(.jobSkipped(JobSkipped(triggerId: TriggerID("b"), job: job, scheduledFor: minute, reason: .missed)))
        summary.add(triggered("a"))
        summary.add(triggered("b"))
        #expect(summary.openTriggers.isEmpty)
    }
}
