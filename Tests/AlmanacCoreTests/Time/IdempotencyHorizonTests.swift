import AlmanacCore
import Foundation
import Testing

/// ``IdempotencyHorizon``: how far back a worker taking a partition reads `executions`.
@Suite struct IdempotencyHorizonTests {
    static let now = Date(timeIntervalSince1970: 1_772_456_400)

    @Test func start_whenTheOldestTriggerIsRecent_keepsTheLongestRunAndTheGraceBeforeIt() {
        let oldest = Self.now.addingTimeInterval(-3600)
        #expect(IdempotencyHorizon.start(oldestTrigger: oldest, now: Self.now, longestRun: 665, grace: 300, maxAge: 15 * 86_400)
            == oldest.addingTimeInterval(-965))
    }

    @Test func start_whenTheOldestTriggerIsOlderThanTheMaximum_stopsAtTheMaximum() {
        let oldest = Self.now.addingTimeInterval(-30 * 86_400)
        #expect(IdempotencyHorizon.start(oldestTrigger: oldest, now: Self.now, longestRun: 665, grace: 300, maxAge: 15 * 86_400)
            == Self.now.addingTimeInterval(-15 * 86_400))
    }

    @Test func start_whenTheTriggerIsStampedAfterNow_countsFromNow() {
        let future = Self.now.addingTimeInterval(600)
        #expect(IdempotencyHorizon.start(oldestTrigger: future, now: Self.now, longestRun: 100, grace: 20, maxAge: 86_400)
            == Self.now.addingTimeInterval(-120))
    }
}
