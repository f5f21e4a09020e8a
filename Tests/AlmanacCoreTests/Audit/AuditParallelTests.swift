@testable import AlmanacCore
import Testing

/// The pieces `AuditReconciler.verify` uses to reconcile apps on every core.
@Suite struct AuditParallelTests {
    @Test func split_coversEveryItemInOrder() {
        let items = Array(0..<10)
        let chunks = ParallelChunks.split(items, chunks: 3)
        #expect(chunks.count == 3)
        #expect(chunks.flatMap { $0 } == items)
        #expect(ParallelChunks.split([Int](), chunks: 3).isEmpty)
        #expect(ParallelChunks.split([1, 2], chunks: 8).map(Array.init) == [[1], [2]])
    }

    @Test func map_returnsResultsInInputOrder() {
        let inputs = Array(0..<64)
        #expect(ParallelChunks.map(inputs) { $0 * $0 } == inputs.map { $0 * $0 })
    }

    @Test func splitTriggerID_readsTheAttemptAfterTheTilde() {
        let root = TriggerID("acct/app/job@2026-03-02T13:00Z")
        #expect(AuditReconciler.split(root) == (root, 1))
        #expect(AuditReconciler.split(TriggerID(root.rawValue + "~3")) == (root, 3))
        #expect(AuditReconciler.split(TriggerID("é/app/job@x~2")) == (TriggerID("é/app/job@x"), 2))
        #expect(AuditReconciler.split(TriggerID("a~b")) == (TriggerID("a"), 1))
    }

    @Test func billingAdd_sumsEveryField() {
        var a = AuditVerification.Billing()
        a.charges = 2; a.charged = Millicredits(5); a.duplicateCopies = 1; a.completions = 2; a.priced = Millicredits(5); a.unpriced = 1
        var b = a
        b.holds = false
        a.add(b)
        #expect(a.charges == 4 && a.charged == Millicredits(10) && a.duplicateCopies == 2)
        #expect(a.completions == 4 && a.priced == Millicredits(10) && a.unpriced == 2 && !a.holds)
    }
}

/// The reconciler's id index built in passes gives what one pass in order gives.
@Suite struct AuditRootIndexTests {
    @Test func add_ofALaterPass_equalsNotingEverythingInOrder() {
        let notes: [(String, String)] = [("a/x@1", "a"), ("a/x@1~2", "a"), ("b/y@1", "b"), ("a/x@1~02", "a"), ("a/z@2~3", "a"), ("b/y@1~2", "b")]
        var whole = AuditRootIndex()
        for (id, app) in notes { whole.note(TriggerID(id), app: app) }
        var first = AuditRootIndex()
        var second = AuditRootIndex()
        for (index, (id, app)) in notes.enumerated() {
            if index < 3 { first.note(TriggerID(id), app: app) } else { second.note(TriggerID(id), app: app) }
        }
        first.add(second)
        #expect(first.roots == whole.roots)
        #expect(first.retries == whole.retries)
        #expect(whole.retries[TriggerID("a/x@1")]?[2] == TriggerID("a/x@1~02"))  // the later note of attempt 2 wins
        #expect(whole.roots["a"] == [TriggerID("a/x@1"), TriggerID("a/z@2")])
    }
}
