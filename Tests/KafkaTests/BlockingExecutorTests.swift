import Foundation
@testable import Kafka
import Synchronization
import Testing

/// ``BlockingExecutor/detach(named:_:)``: how a `deinit` destroys a librdkafka object whose destroy
/// call blocks, without blocking the thread that dropped the last reference.
@Suite struct BlockingExecutorTests {
    @Test func detach_returnsBeforeItsBodyEnds_andRunsItOnANamedThreadOfItsOwn() throws {
        let gate = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let ran = Mutex<(name: String?, thread: pthread_t)?>(nil)
        let caller = pthread_self()
        BlockingExecutor.detach(named: "almanac.detach") {
            gate.wait()
            // The name the system shows (top -H, gdb), not only Foundation's copy of it.
            let shown = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
            ran.withLock { $0 = (shown?.trimmingCharacters(in: .newlines), pthread_self()) }
            done.signal()
        }
        // The body is still parked on the gate: detach did not wait for it.
        #expect(ran.withLock { $0 } == nil)
        gate.signal()
        #expect(done.wait(timeout: .now() + 60) == .success)
        let result = try #require(ran.withLock { $0 })
        #expect(result.name == "almanac.detach")
        #expect(pthread_equal(result.thread, caller) == 0, "the body ran on a thread of its own")
    }
}
