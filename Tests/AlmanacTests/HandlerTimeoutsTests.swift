@testable import Almanac
import Foundation
import Synchronization
import Testing

/// The shared timeout timer of handler runs: deadlines fire in order, one added after a later one
/// fires at its own time (the timer is set earlier), and a cancelled one never fires.
@Suite struct HandlerTimeoutsTests {
    @Test func deadlines_fireInOrder_onTime_andACancelledOneNever() async throws {
        let began = ContinuousClock.now
        let fired = Mutex<[(name: String, after: Duration)]>([])
        func record(_ name: String) -> @Sendable () -> Void {
            { fired.withLock { $0.append((name, ContinuousClock.now - began)) } }
        }
        let timeouts = HandlerTimeouts.shared
        _ = timeouts.add(after: 1.0, record("late"))
        let cancelled = timeouts.add(after: 0.5, record("cancelled"))
        _ = timeouts.add(after: 0.05, record("early"))
        timeouts.cancel(cancelled)
        // Generous waits: the machine may be loaded.
        for _ in 0..<200 where fired.withLock({ $0.count }) < 2 { try await Task.sleep(for: .milliseconds(50)) }
        let result = fired.withLock { $0 }
        #expect(result.map(\.name) == ["early", "late"])
        #expect(result.first.map { $0.after < .milliseconds(950) } == true, "the earlier deadline added last set the timer earlier")
        #expect(result.last.map { $0.after >= .seconds(1) } == true)
    }
}
