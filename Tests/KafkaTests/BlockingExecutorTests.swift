import Foundation
@testable import Kafka
import Synchronization
import Testing

/// ``BlockingExecutor/detach(named:_:)``: how a `deinit` destroys a librdkafka object whose destroy
/// call blocks, without blocking the thread that dropped the last reference; and
/// ``KafkaTeardown/finish(within:)``, which waits for those destroys before a process exits.
@Suite struct BlockingExecutorTests {
    @Test func detach_returnsBeforeItsBodyEnds_andRunsItOnANamedThreadOfItsOwn() async throws {
        let gate = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let detachReturned = DispatchSemaphore(value: 0)
        let ran = Mutex<(name: String?, thread: pthread_t)?>(nil)
        let caller = Mutex<pthread_t?>(nil)
        // detach is called from a thread of the test's own, so that a detach that ran its body
        // in place (parked on the gate) fails the test instead of hanging it.
        Thread {
            caller.withLock { $0 = pthread_self() }
            BlockingExecutor.detach(named: "almanac.detach") {
                gate.wait()
                // The name the system shows (top -H, gdb), not only Foundation's copy of it.
                let shown = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
                ran.withLock { $0 = (shown?.trimmingCharacters(in: .newlines), pthread_self()) }
                done.signal()
            }
            detachReturned.signal()
        }.start()
        let returned = detachReturned.wait(timeout: .now() + 30) == .success
        #expect(returned, "detach returned while its body was still parked")
        #expect(ran.withLock { $0 } == nil)
        #expect(await KafkaTeardown.finish(within: .milliseconds(100)) == false, "a destroy still running is waited for")
        gate.signal()
        #expect(done.wait(timeout: .now() + 30) == .success)
        let result = try #require(ran.withLock { $0 })
        let callerThread = try #require(caller.withLock { $0 })
        #expect(result.name == "almanac.detach")
        #expect(pthread_equal(result.thread, callerThread) == 0, "the body ran on a thread of its own")
    }
}
