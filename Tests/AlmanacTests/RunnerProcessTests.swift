@testable import Almanac
import AlmanacCore
import Foundation
import Testing

/// The process runner's ends: the job's own exit ends the run (leftovers of its group killed),
/// closing its pipes does not escape the timeout, cancellation stops the group.
@Suite struct RunnerProcessTests {
    static func request(_ script: String, timeout: Int = 30) -> RunRequest {
        let trigger = JobTriggered(triggerId: TriggerID("acme/app/job@2026-03-02T13:00Z"), job: JobKey(account: "acme", app: "app", job: "job"),
                                   scheduledFor: Date(), source: .manual)
        return RunRequest(trigger: trigger, job: JobConfiguration(name: "job", schedule: nil, command: ["/bin/sh", "-c", script]),
                          baseDirectory: nil, timeout: .seconds(timeout))
    }

    static var runner: ProcessRunner {
        var runner = ProcessRunner(clock: SystemWallClock())
        runner.killGrace = 1
        return runner
    }

    static func alive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        return state != "Z" && state != "X"
    }

    @Test func run_whenTheJobExits_endsAtOnce_andKillsWhatItLeftInItsGroup() async throws {
        let start = ContinuousClock.now
        let result = await Self.runner.run(Self.request("sleep 300 & echo $!; exit 0"))
        #expect(result.status == .succeeded)
        // Bounds in these tests sit well under the 300 s a wrong outcome takes, and far over the
        // ~1 s a right one takes: the suite's CPU-heavy tests have held the pool for over 25 s.
        #expect(ContinuousClock.now - start < .seconds(120), "a background child holding stdout must not keep the run going (300 s)")
        let pid = try #require(Int32(result.stdoutTail.trimmingCharacters(in: .whitespacesAndNewlines)))
        try await Task.sleep(for: .milliseconds(200))
        #expect(!Self.alive(pid))
    }

    @Test func run_whenTheJobClosesItsPipes_andKeepsRunning_stillTimesOut() async {
        let start = ContinuousClock.now
        let result = await Self.runner.run(Self.request("exec 1>&- 2>&- 3>&- 0<&-; sleep 300", timeout: 1))
        #expect(result.status == .timedOut)
        #expect(ContinuousClock.now - start < .seconds(120))
    }

    /// `almanac dev --speed 600`: a 2 s timeout would be 3 ms of real time if it were on the clock.
    @Test func run_whenTheClockIsScaled_theTimeoutIsRealSeconds() async {
        var runner = ProcessRunner(clock: ScaledWallClock(start: Date(), speed: 600))
        runner.killGrace = 1
        let finishes = await runner.run(Self.request("sleep 0.5", timeout: 2))
        #expect(finishes.status == .succeeded, "\(finishes.error ?? "")")
        let overruns = await runner.run(Self.request("sleep 30", timeout: 1))
        #expect(overruns.status == .timedOut)
        #expect(overruns.error?.contains("timed out after 1 s of real time") == true, "\(overruns.error ?? "")")
    }

    @Test func run_whenCancelled_stopsTheProcessGroup_andIsInterrupted() async throws {
        let runner = Self.runner
        let task = Task { await runner.run(Self.request("sleep 300 & echo $! >&3; sleep 300")) }
        try await Task.sleep(for: .milliseconds(300))
        let start = ContinuousClock.now
        task.cancel()
        let result = await task.value
        #expect(result.interrupted && result.status == .failed && result.error?.contains("interrupted") == true)
        #expect(ContinuousClock.now - start < .seconds(120))
    }

    @Test func run_whenTheReportPassesItsLimit_readsTheWholeLinesBeforeIt_andSaysSo() async {
        // 5,000,000 bytes of 28-byte usage lines; the first 4 MiB hold 149,796 whole lines.
        let result = await Self.runner.run(Self.request(#"yes '{"type":"usage","emails":1}' | head -c 5000000 >&3"#))
        #expect(result.status == .succeeded)
        #expect(result.usage.emails == Int64(RunReport.maximumBytes / 28))
        #expect(result.error == "the report passed \(RunReport.maximumBytes) bytes: lines from \(RunReport.maximumBytes / 28 + 1) on were not read",
                "\(result.error ?? "")")
    }

    @Test func run_whenCancelledAfterTheJobExited_keepsItsResult() async {
        let runner = Self.runner
        let task = Task { await runner.run(Self.request("true")) }
        let result = await task.value
        task.cancel()
        #expect(result.status == .succeeded && !result.interrupted)
    }
}
