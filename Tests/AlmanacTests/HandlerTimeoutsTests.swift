@testable import Almanac
import Foundation
import Synchronization
import Testing

/// The shared timeout timer of handler runs: deadlines fire in order, including one added after a
/// later one (the timer is set earlier), and a cancelled one never fires.
@Suite struct HandlerTimeoutsTests {
    @Test func deadlines_fireInOrder_andACancelledOneNever() async throws {
        let fired = Mutex<[String]>([])
        let timeouts = HandlerTimeouts.shared
        _ = timeouts.add(after: 0.4) { fired.withLock { $0.append("late") } }
        let cancelled = timeouts.add(after: 0.2) { fired.withLock { $0.append("cancelled") } }
        _ = timeouts.add(after: 0.1) { fired.withLock { $0.append("early") } }
        timeouts.cancel(cancelled)
        try await Task.sleep(for: .milliseconds(250))
        #expect(fired.withLock { $0 } == ["early"])
        try await Task.sleep(for: .milliseconds(500))
        #expect(fired.withLock { $0 } == ["early", "late"])
    }
}
