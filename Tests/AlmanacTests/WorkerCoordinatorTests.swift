@testable import Almanac
import AlmanacCore
import Foundation
@testable import Kafka
import Synchronization
import Testing

/// The worker's bookkeeping driven directly: admission, overlap, fairness, idempotency, hand-off.
@Suite struct WorkerCoordinatorTests {
    static let tp = KafkaTopicPartition(topic: "almanac.triggers", partition: 3)
    static let now = Date(timeIntervalSince1970: 1_772_456_400)  // 2026-03-02T13:00Z

    static func item(_ id: String, account: String = "acme", job: String = "sync", offset: Int64,
                     source: TriggerSource = .manual, notBefore: Date? = nil, inProcess: Bool = false) -> WorkItem {
        WorkItem(trigger: JobTriggered(triggerId: TriggerID(id), job: JobKey(account: account, app: "app", job: job), scheduledFor: now,
                                       source: source, notBefore: notBefore),
                 topicPartition: tp, offset: offset, inProcess: inProcess)
    }

    /// A coordinator owning `tp` with an index.
    static func coordinator(limits: WorkerCoordinator.Limits = .init(), index: PartitionIndex = PartitionIndex()) async -> WorkerCoordinator {
        let coordinator = WorkerCoordinator(limits: limits)
        let epoch = coordinator.assigned([tp])
        #expect(coordinator.ready(tp, index: index, epoch: epoch)?.count == 0)
        return coordinator
    }

    static func completion(_ id: String, status: RunStatus = .succeeded) -> JobCompleted {
        JobCompleted(triggerId: TriggerID(id), executionId: "e-\(id)", job: JobKey(account: "acme", app: "app", job: "sync"),
                     status: status, attempt: 1, exitCode: 0, startedAt: now, finishedAt: now.addingTimeInterval(2), usage: .none,
                     stdoutTail: "lots of output")
    }

    @Test func offsets_whenALaterRunFinishesFirst_commitStopsAtTheUnfinishedOne() async {
        let c = await Self.coordinator()
        #expect(c.admit(Self.item("slow", offset: 0), overlap: .allow) == .accepted)
        #expect(c.admit(Self.item("quick", offset: 1), overlap: .allow) == .accepted)
        let started = c.startable(now: Self.now).items
        #expect(started.map(\.1.offset) == [0, 1])
        #expect(c.beginRecording(started[1].0))
        c.finish(started[1].0, outcome: .completed(Self.completion("quick")))
        #expect(c.offsetsToCommit() == [Self.tp: 0])
        c.finish(started[0].0, outcome: .completed(Self.completion("slow")))
        #expect(c.offsetsToCommit() == [Self.tp: 2])
    }

    @Test func admit_whenPolicyIsSkip_andARunIsActive_skips() async {
        let c = await Self.coordinator()
        #expect(c.admit(Self.item("a@13:00", offset: 0, source: .scheduled), overlap: .skip) == .accepted)
        let epoch = 1
        #expect(c.admit(Self.item("a@13:01", offset: 1, source: .scheduled), overlap: .skip) == .skipOverlap(epoch: epoch))
        c.finishChore(Self.tp, offset: 1, epoch: epoch)
        // The skipped trigger is finished for good: a second delivery is a duplicate.
        #expect(c.admit(Self.item("a@13:01", offset: 2, source: .scheduled), overlap: .skip) == .duplicate)
    }

    @Test func admit_whenPolicyIsQueue_keepsOneWaiting_andStartsItAfterTheRunningOne() async {
        let c = await Self.coordinator()
        #expect(c.admit(Self.item("q1", offset: 0), overlap: .queue) == .accepted)
        let first = c.startable(now: Self.now).items
        #expect(c.admit(Self.item("q2", offset: 1), overlap: .queue) == .accepted)
        #expect(c.admit(Self.item("q3", offset: 2), overlap: .queue) == .skipOverlap(epoch: 1))
        #expect(c.startable(now: Self.now).items.isEmpty, "q2 waits for q1 (same job, serial)")
        c.finish(first[0].0, outcome: .completed(Self.completion("q1")))
        #expect(c.startable(now: Self.now).items.map(\.1.trigger.triggerId.rawValue) == ["q2"])
    }

    @Test func startable_whenTheGlobalCapBinds_givesFreeSlotsToTheAccountWithFewestRuns() async {
        let c = await Self.coordinator(limits: .init(maxConcurrentRuns: 4, maxConcurrentRunsPerAccount: 4))
        for n in 0..<100 { _ = c.admit(Self.item("a\(n)", account: "flood", offset: Int64(n)), overlap: .allow) }
        let flood = c.startable(now: Self.now).items
        #expect(flood.count == 4)
        for n in 0..<3 { _ = c.admit(Self.item("b\(n)", account: "few", offset: Int64(100 + n)), overlap: .allow) }
        // Two of flood's runs end: both slots go to "few" (0 running) before "flood" (2 running).
        c.finish(flood[0].0, outcome: .completed(Self.completion("a0")))
        c.finish(flood[1].0, outcome: .completed(Self.completion("a1")))
        #expect(c.startable(now: Self.now).items.map(\.1.trigger.job.account) == ["few", "few"])
    }

    @Test func startable_givesHandlerRunsAndProcessRunsTheirOwnSlots() async {
        let c = await Self.coordinator(limits: .init(maxConcurrentRuns: 1, maxConcurrentHandlerRuns: 2, maxConcurrentRunsPerAccount: 10))
        _ = c.admit(Self.item("p0", offset: 0), overlap: .allow)
        _ = c.admit(Self.item("p1", offset: 1), overlap: .allow)
        for n in 0..<3 { _ = c.admit(Self.item("h\(n)", offset: Int64(2 + n), inProcess: true), overlap: .allow) }
        // p1 waits for the process slot; the handler runs behind it in the queue start anyway.
        let first = c.startable(now: Self.now).items
        #expect(first.map(\.1.trigger.triggerId.rawValue) == ["p0", "h0", "h1"])
        #expect(c.runningCount == 3)
        // A handler's slot goes to the next handler run, a process slot to the next process run.
        #expect(c.beginRecording(first[1].0))
        #expect(c.completionWritten(first[1].0))
        #expect(c.startable(now: Self.now).items.map(\.1.trigger.triggerId.rawValue) == ["h2"])
        c.finish(first[0].0, outcome: .completed(Self.completion("p0")))
        #expect(c.startable(now: Self.now).items.map(\.1.trigger.triggerId.rawValue) == ["p1"])
        #expect(c.runningCount == 3)
    }

    @Test func startable_perAccountCap_countsBothKinds() async {
        let c = await Self.coordinator(limits: .init(maxConcurrentRuns: 10, maxConcurrentHandlerRuns: 10, maxConcurrentRunsPerAccount: 2))
        _ = c.admit(Self.item("p0", offset: 0), overlap: .allow)
        for n in 0..<3 { _ = c.admit(Self.item("h\(n)", offset: Int64(1 + n), inProcess: true), overlap: .allow) }
        #expect(c.startable(now: Self.now).items.map(\.1.trigger.triggerId.rawValue) == ["p0", "h0"])
    }

    @Test func startable_respectsThePerAccountCap() async {
        let c = await Self.coordinator(limits: .init(maxConcurrentRuns: 10, maxConcurrentRunsPerAccount: 2))
        for n in 0..<5 { _ = c.admit(Self.item("a\(n)", account: "a", offset: Int64(n)), overlap: .allow) }
        #expect(c.startable(now: Self.now).items.count == 2)
    }

    @Test func startable_holdsARetryUntilItsNotBefore_withoutTakingASlot_andReportsWhenItIsDue() async {
        let c = await Self.coordinator(limits: .init(maxConcurrentRuns: 1, maxConcurrentRunsPerAccount: 1))
        let due = Self.now.addingTimeInterval(10)
        _ = c.admit(Self.item("r~2", offset: 0, source: .retry, notBefore: due), overlap: .allow)
        _ = c.admit(Self.item("other", offset: 1), overlap: .allow)
        let early = c.startable(now: Self.now)
        #expect(early.items.map(\.1.trigger.triggerId.rawValue) == ["other"])
        c.finish(early.items[0].0, outcome: .completed(Self.completion("other")))
        let stillEarly = c.startable(now: Self.now.addingTimeInterval(5))
        #expect(stillEarly.items.isEmpty && stillEarly.nextDue == due)
        #expect(c.startable(now: due).items.map(\.1.trigger.triggerId.rawValue) == ["r~2"])
    }

    @Test func admit_whenTheSameTriggerIsInFlight_attachesTheDelivery_andItsOffsetFinishesWithTheRun() async {
        let c = await Self.coordinator()
        _ = c.admit(Self.item("x", offset: 0), overlap: .allow)
        let run = c.startable(now: Self.now).items[0]
        #expect(c.admit(Self.item("x", offset: 1), overlap: .allow) == .attached)
        #expect(c.offsetsToCommit() == [Self.tp: 0])
        c.finish(run.0, outcome: .completed(Self.completion("x")))
        #expect(c.offsetsToCommit() == [Self.tp: 2])
        #expect(c.admit(Self.item("x", offset: 2), overlap: .allow) == .duplicate, "recorded here: no recovery needed")
    }

    @Test func admit_whenTheLogHasACompletion_recoversItsDerivedEventsOnce_fromTheStoredOutcome() async {
        var index = PartitionIndex()
        index.add(.jobCompleted(Self.completion("done", status: .failed)))
        index.add(.jobSkipped(JobSkipped(triggerId: TriggerID("gone"), job: JobKey(account: "acme", app: "app", job: "sync"),
                                         scheduledFor: Self.now, reason: .paused)))
        let c = await Self.coordinator(index: index)
        guard case .recover(let outcome, _) = c.admit(Self.item("done", offset: 0), overlap: .allow) else {
            Issue.record("expected a recovery")
            return
        }
        #expect(outcome.status == .failed && outcome.executionId == "e-done" && outcome.stdoutTail.isEmpty)
        #expect(c.admit(Self.item("done", offset: 1), overlap: .allow) == .duplicate)
        #expect(c.admit(Self.item("gone", offset: 2), overlap: .allow) == .duplicate)
        #expect(c.offsetsToCommit() == [Self.tp: 0], "the recovery's offset waits for its events")
        c.finishChore(Self.tp, offset: 0, epoch: 1)
        #expect(c.offsetsToCommit() == [Self.tp: 3])
    }

    @Test func revoke_dropsQueued_abandonsRunningAfterTheGrace_andAnAbandonedRunIsNeverRecorded() async {
        let c = await Self.coordinator(limits: .init(maxConcurrentRuns: 1, maxConcurrentRunsPerAccount: 1))
        _ = c.admit(Self.item("running", offset: 0), overlap: .allow)
        _ = c.admit(Self.item("queued", offset: 1), overlap: .allow)
        let run = c.startable(now: Self.now).items[0]
        let cancelled = Counter()
        c.setCancel(run.0) { cancelled.increment() }
        c.beginRevoke([Self.tp])
        let progress = c.revokeProgress([Self.tp])
        #expect(progress.running == 1 && progress.writing == 0)
        #expect(c.admit(Self.item("late", offset: 2), overlap: .allow) == .notOwned)
        #expect(c.abandonRuns([Self.tp]) == 1)
        #expect(cancelled.value == 1)
        #expect(c.beginRecording(run.0) == false)
        c.finish(run.0, outcome: .abandoned)
        #expect(c.runningCount == 0)
        #expect(c.liveCount == 0)
        #expect(c.queuedCount == 0)
        #expect(c.drop([Self.tp]) == [Self.tp: 0], "nothing finished: the next owner starts at offset 0")
    }

    @Test func completionWritten_freesTheSlot_butTheOffsetWaitsForTheCharge() async {
        let c = await Self.coordinator(limits: .init(maxConcurrentRuns: 1, maxConcurrentRunsPerAccount: 1))
        #expect(c.admit(Self.item("first", offset: 0), overlap: .allow) == .accepted)
        #expect(c.admit(Self.item("second", offset: 1), overlap: .allow) == .accepted)
        let first = c.startable(now: Self.now).items
        #expect(first.map(\.1.offset) == [0])
        #expect(c.startable(now: Self.now).items.isEmpty, "one slot, taken")
        #expect(c.beginRecording(first[0].0))
        #expect(c.completionWritten(first[0].0))
        #expect(c.runningCount == 0 && c.chargingCount == 1)
        // The slot (global and per account) is free; the charge is still being written.
        let second = c.startable(now: Self.now).items
        #expect(second.map(\.1.offset) == [1])
        #expect(c.offsetsToCommit() == [Self.tp: 0], "offset 0 is finished only once its charge is written")
        // A hand-off waits for the charge as a write, and never abandons it.
        c.beginRevoke([Self.tp])
        #expect(c.revokeProgress([Self.tp]).writing == 1)
        #expect(c.revokeProgress([Self.tp]).running == 1)
        // A second delivery of the charging trigger attaches to it, is not started again.
        // (Not admitted here: the partition is revoking.)
        #expect(c.abandonRuns([Self.tp]) == 1, "only the running one")
        c.finish(first[0].0, outcome: .completed(Self.completion("first")))
        #expect(c.chargingCount == 0)
        c.finish(second[0].0, outcome: .abandoned)
        #expect(c.drop([Self.tp]) == [Self.tp: 1])
    }

    @Test func completionWritten_boundsTheChargesWithoutASlot() async {
        let c = await Self.coordinator(limits: .init(maxConcurrentRuns: 1, maxConcurrentRunsPerAccount: 1))
        _ = c.admit(Self.item("a", offset: 0), overlap: .allow)
        _ = c.admit(Self.item("b", offset: 1), overlap: .allow)
        let a = c.startable(now: Self.now).items[0]
        #expect(c.beginRecording(a.0) && c.completionWritten(a.0))
        let b = c.startable(now: Self.now).items[0]
        #expect(c.beginRecording(b.0))
        #expect(c.completionWritten(b.0) == false, "a charge is written without a slot already: b keeps its slot")
        #expect(c.runningCount == 1 && c.chargingCount == 1)
        c.finish(b.0, outcome: .completed(Self.completion("b")))
        c.finish(a.0, outcome: .completed(Self.completion("a")))
        #expect(c.runningCount == 0 && c.chargingCount == 0 && c.liveCount == 0)
        #expect(c.offsetsToCommit() == [Self.tp: 2])
    }

    @Test func beginRecordingReleasingSlot_aHandlerRunThatEnded_givesItsSlotBack_theOverlapPolicyStillCountsIt() async {
        let c = await Self.coordinator(limits: .init(maxConcurrentRuns: 1, maxConcurrentHandlerRuns: 1, maxConcurrentRunsPerAccount: 1))
        #expect(c.admit(Self.item("h1", offset: 0, inProcess: true), overlap: .skip) == .accepted)
        _ = c.admit(Self.item("other", job: "other", offset: 1, inProcess: true), overlap: .allow)
        let first = c.startable(now: Self.now).items
        #expect(first.map(\.1.offset) == [0])
        #expect(c.beginRecordingReleasingSlots([first[0].0]).map(\.freed) == [true])
        #expect(c.runningCount == 0 && c.chargingCount == 1)
        // The slot (global and the account's) is free while h1's completion is written …
        let second = c.startable(now: Self.now).items
        #expect(second.map(\.1.offset) == [1])
        // … but a scheduled trigger of its job is still skipped (overlap `skip`): it is active
        // until its completion is written.
        #expect(c.admit(Self.item("h1-next", offset: 2, source: .scheduled, inProcess: true), overlap: .skip) == .skipOverlap(epoch: 1))
        c.finishChore(Self.tp, offset: 2, epoch: 1)
        #expect(c.completionsWritten([first[0].0]) == false, "nothing more to free")
        #expect(c.chargingCount == 1)
        // A hand-off waits for its writes and never abandons it.
        #expect(c.revokeProgress([Self.tp]) == (running: 1, writing: 1))
        c.finish([(first[0].0, .completed(Self.completion("h1")))])
        #expect(c.chargingCount == 0 && c.runningCount == 1)
        #expect(c.beginRecordingReleasingSlots([second[0].0]).map(\.freed) == [true])
        c.finish([(second[0].0, .completed(Self.completion("other")))])
        #expect(c.runningCount == 0 && c.chargingCount == 0 && c.liveCount == 0)
        #expect(c.offsetsToCommit() == [Self.tp: 3])
    }

    @Test func beginRecordingReleasingSlot_isBounded_andLeavesProcessRunsTheirSlot() async {
        let c = await Self.coordinator(limits: .init(maxConcurrentRuns: 1, maxConcurrentHandlerRuns: 1, maxConcurrentRunsPerAccount: 5))
        _ = c.admit(Self.item("h1", offset: 0, inProcess: true), overlap: .allow)
        _ = c.admit(Self.item("p1", offset: 1), overlap: .allow)
        let first = c.startable(now: Self.now).items
        #expect(first.count == 2)
        let handler = first.first { $0.1.inProcess }!.0, process = first.first { !$0.1.inProcess }!.0
        #expect(c.beginRecordingReleasingSlots([handler, process]).map(\.freed) == [true, false], "a process run keeps its slot")
        _ = c.admit(Self.item("h2", offset: 2, inProcess: true), overlap: .allow)
        let h2 = c.startable(now: Self.now).items
        #expect(h2.map(\.1.offset) == [2])
        #expect(c.beginRecordingReleasingSlots([h2[0].0]).map(\.freed) == [false], "one handler run is written without a slot already")
        #expect(c.runningCount == 2 && c.chargingCount == 1)
        #expect(c.completionsWritten([h2[0].0]) == false, "still bounded")
        c.finish([(handler, .completed(Self.completion("h1")))])
        c.finish([(h2[0].0, .completed(Self.completion("h2"))), (process, .abandoned)])
        #expect(c.runningCount == 0 && c.chargingCount == 0)
        #expect(c.offsetsToCommit() == [Self.tp: 1], "p1 was abandoned: its offset stays unfinished")
    }

    @Test func beginRecordingReleasingSlot_ofAnAbandonedRun_recordsNothing() async {
        let c = await Self.coordinator()
        _ = c.admit(Self.item("h1", offset: 0, inProcess: true), overlap: .allow)
        let run = c.startable(now: Self.now).items[0]
        c.beginRevoke([Self.tp])
        #expect(c.abandonRuns([Self.tp]) == 1)
        #expect(c.beginRecordingReleasingSlots([run.0]).map(\.record) == [false])
        c.finish([(run.0, .abandoned)])
        #expect(c.runningCount == 0 && c.chargingCount == 0)
    }

    @Test func completionWritten_aLaterDeliveryOfTheTriggerAttaches() async {
        let c = await Self.coordinator()
        _ = c.admit(Self.item("a", offset: 0), overlap: .allow)
        let a = c.startable(now: Self.now).items[0]
        #expect(c.beginRecording(a.0) && c.completionWritten(a.0))
        #expect(c.admit(Self.item("a", offset: 5), overlap: .allow) == .attached)
        c.finish(a.0, outcome: .completed(Self.completion("a")))
        #expect(c.offsetsToCommit() == [Self.tp: 6])
    }

    static func message(offset: Int64, partition: KafkaTopicPartition = tp) -> KafkaConsumerMessage {
        KafkaConsumerMessage(topicPartition: partition, offset: offset, key: nil, value: [], headers: [], timestampMilliseconds: nil)
    }

    /// A building partition is not paused at assignment (librdkafka can drop the fetch start of a
    /// partition paused right after `assign`): it holds what arrives, asks for one pause once it
    /// holds `holdBeforePause` messages, and is resumed when ready only if it was paused.
    @Test func take_whileBuilding_holdsThenPausesOnce_andResumesOnlyWhatItPaused() async {
        let c = WorkerCoordinator(limits: .init())
        let other = KafkaTopicPartition(topic: "almanac.triggers", partition: 4)
        let epoch = c.assigned([Self.tp, other])
        let limit = WorkerCoordinatorState.holdBeforePause
        var takes: [WorkerCoordinatorState.Take] = []
        for offset in 0..<Int64(limit + 5) { takes.append(c.take(Self.message(offset: offset))) }
        #expect(takes.filter { $0 == .hold(pause: true) }.count == 1)
        #expect(takes[limit - 1] == .hold(pause: true))
        #expect(takes.allSatisfy { $0 != .admit && $0 != .drop })
        #expect(c.take(Self.message(offset: 0, partition: other)) == .hold(pause: false))
        // A partition not assigned here is not ours.
        #expect(c.take(Self.message(offset: 0, partition: KafkaTopicPartition(topic: "almanac.triggers", partition: 9))) == .drop)
        let held = c.ready(Self.tp, index: PartitionIndex(), epoch: epoch)
        #expect(held?.map(\.offset) == Array(0..<Int64(limit + 5)))
        #expect(c.resumesWhenReady(Self.tp))
        #expect(!c.resumesWhenReady(Self.tp))
        #expect(c.ready(other, index: PartitionIndex(), epoch: epoch)?.count == 1)
        #expect(!c.resumesWhenReady(other))
        #expect(c.take(Self.message(offset: Int64(limit + 5))) == .admit)
    }

    /// A partition paused while building and revoked before it was ready is forgotten (the
    /// service resumes every revoked partition); in its next assignment it pauses again once it
    /// holds enough.
    @Test func pausedWhileBuilding_thenRevoked_startsOverInTheNextAssignment() async {
        let c = WorkerCoordinator(limits: .init())
        let limit = WorkerCoordinatorState.holdBeforePause
        let first = c.assigned([Self.tp])
        for offset in 0..<Int64(limit) { _ = c.take(Self.message(offset: offset)) }
        c.beginRevoke([Self.tp])
        _ = c.drop([Self.tp])
        #expect(c.ready(Self.tp, index: PartitionIndex(), epoch: first) == nil)
        #expect(!c.resumesWhenReady(Self.tp))
        let second = c.assigned([Self.tp])
        var pauses = 0
        for offset in 0..<Int64(limit) where c.take(Self.message(offset: offset)) == .hold(pause: true) { pauses += 1 }
        #expect(pauses == 1)
        #expect(c.ready(Self.tp, index: PartitionIndex(), epoch: second)?.count == limit)
        #expect(c.resumesWhenReady(Self.tp))
    }

    @Test func ready_whenRevokedWhileTheIndexWasBuilt_isIgnored() async {
        let c = WorkerCoordinator(limits: .init())
        let epoch = c.assigned([Self.tp])
        c.beginRevoke([Self.tp])
        _ = c.drop([Self.tp])
        #expect(c.ready(Self.tp, index: PartitionIndex(), epoch: epoch) == nil)
        #expect(c.admit(Self.item("x", offset: 0), overlap: .allow) == .notOwned)
    }
}

/// A thread-safe counter for callbacks.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
