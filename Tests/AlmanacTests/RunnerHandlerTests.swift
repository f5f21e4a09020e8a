@testable import Almanac
import AlmanacCore
import Foundation
import Testing

/// In-process handlers: selection by name, the context, reporting, failures, timeout by cancellation.
@Suite struct RunnerHandlerTests {
    static func request(_ command: [String], params: JSONValue? = nil, timeout: Int = 30, env: [String: String] = [:]) -> RunRequest {
        let trigger = JobTriggered(triggerId: TriggerID("acme/app/job@2026-03-02T13:00Z~2"), job: JobKey(account: "acme", app: "app", job: "job"),
                                   scheduledFor: Date(timeIntervalSince1970: 1_772_456_400), source: .retry, attempt: 2, params: params)
        return RunRequest(trigger: trigger, job: JobConfiguration(name: "job", schedule: nil, command: command, env: env),
                          baseDirectory: "/srv/apps", timeout: .seconds(timeout))
    }

    static func runner(_ configure: (inout HandlerRegistry) -> Void = { _ in }) -> HandlerRunner {
        var registry = HandlerRegistry.builtIn
        configure(&registry)
        var runner = HandlerRunner(registry: registry, clock: SystemWallClock())
        runner.killGrace = 0.5
        return runner
    }

    @Test func handlerName_isSelectedByAOneElementHandlerCommand() {
        #expect(JobConfiguration(name: "j", schedule: nil, command: ["handler:csv-import"]).handlerName == "csv-import")
        #expect(JobConfiguration(name: "j", schedule: nil, command: ["handler:"]).handlerName == nil)
        #expect(JobConfiguration(name: "j", schedule: nil, command: ["handler:x", "arg"]).handlerName == nil)
        #expect(JobConfiguration(name: "j", schedule: nil, command: ["/bin/true"]).handlerName == nil)
    }

    @Test func run_givesTheContext_andCollectsUsageFollowUpsAndOutput() async {
        let seen = Box<JobContext>()
        let runner = Self.runner { registry in
            registry.register("import") { context in
                seen.set(context)
                context.report.usage(emails: 2)
                context.report.usage(ai: [.init(model: "m", inputTokens: 10, outputTokens: 1)], emails: 1)
                #expect(context.report.usage(emails: -1) != nil)
                context.report.followUp("import", params: .object(["offset": .int(500)]))
                context.log("imported 500 rows")
            }
        }
        let result = await runner.run(Self.request(["handler:import"], params: .object(["offset": .int(0)]), env: ["TOKEN": "t"]))
        #expect(result.status == .succeeded && !result.interrupted)
        #expect(result.usage == RunUsage(ai: [.init(model: "m", inputTokens: 10, outputTokens: 1)], emails: 3))
        #expect(result.followUps == [FollowUpRequest(job: "import", params: .object(["offset": .int(500)]))])
        #expect(result.stdoutTail == "imported 500 rows\n")
        #expect(result.error?.contains("usage cannot be negative") == true)
        let context = seen.get()!
        #expect(context.params == .object(["offset": .int(0)]) && context.attempt == 2)
        #expect(context.environment["ALMANAC_TRIGGER_ID"] == "acme/app/job@2026-03-02T13:00Z~2")
        #expect(context.environment["ALMANAC_ATTEMPT"] == "2" && context.environment["TOKEN"] == "t")
        #expect(context.environment["PATH"] == nil && context.environment["ALMANAC_REPORT_FD"] == nil)
        #expect(context.workingDirectory == "/srv/apps")
    }

    @Test func run_whenTheHandlerThrows_fails_withTheErrorText() async {
        let result = await Self.runner().run(Self.request(["handler:almanac.fail"], params: .object(["message": .string("no input file")])))
        #expect(result.status == .failed && result.error?.contains("no input file") == true)
    }

    // The two timeout tests assert what happened, not how long it took: the suite runs ~300 tests
    // on a two-thread cooperative pool, and its CPU-heavy property tests have held both threads for
    // 10 s while a 1 s timeout's follow-up waited its turn (CI, 2026-12-06).

    @Test func run_whenTheTimeoutPasses_cancelsTheHandler_andTimesOut() async {
        let cancelled = Box<Bool>()
        let slept = Box<Bool>()
        let runner = Self.runner { registry in
            registry.register("slow") { _ in
                do { try await Task.sleep(for: .seconds(60)) } catch { cancelled.set(true); throw error }
                slept.set(true)
            }
        }
        let result = await runner.run(Self.request(["handler:slow"], timeout: 1))
        #expect(result.status == .timedOut && result.error?.contains("timed out after 1 s") == true)
        #expect(cancelled.get() == true, "the handler's sleep ended by cancellation")
        #expect(slept.get() == nil, "the timeout fired: the handler's 60 s sleep did not end on its own")
    }

    @Test func run_whenAHandlerIgnoresCancellation_itIsLeftBehind_andTheRunStillEnds() async {
        let release = AsyncStream<Void>.makeStream()
        let returned = Box<Bool>()
        let runner = Self.runner { registry in
            registry.register("stubborn") { _ in
                // Deaf to cancellation without holding a thread: a detached task does not inherit
                // the handler's cancellation, and waiting for its value cannot be cancelled. The
                // test releases it once the run has ended (or after 120 s, if the runner wrongly
                // waits for the handler: then `returned` is set and the test fails).
                await Task.detached { for await _ in release.stream {} }.value
                returned.set(true)
            }
        }
        let fallback = Task.detached {
            try? await Task.sleep(for: .seconds(120))
            release.continuation.finish()
        }
        let result = await runner.run(Self.request(["handler:stubborn"], timeout: 1))
        #expect(returned.get() == nil, "the run ended while the handler was still running")
        #expect(result.status == .timedOut && result.error?.contains("left running") == true)
        release.continuation.finish()
        fallback.cancel()
    }

    @Test func run_whenTheCallingTaskIsCancelled_isInterrupted() async {
        let runner = Self.runner()
        let task = Task { await runner.run(Self.request(["handler:almanac.sleep"], params: .object(["seconds": .int(30)]))) }
        try? await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let result = await task.value
        #expect(result.interrupted && result.status == .failed)
    }

    @Test func run_ofAnUnknownHandler_failsNamingTheRegisteredOnes() async {
        let result = await Self.runner().run(Self.request(["handler:nope"]))
        #expect(result.status == .failed && result.error?.contains("almanac.noop") == true)
    }

    @Test func selection_sendsHandlerJobsToHandlers_andTheRestToProcesses() async {
        let selection = RunnerSelection(processes: ProcessRunner(clock: SystemWallClock()), handlers: Self.runner())
        #expect(await selection.run(Self.request(["handler:almanac.noop"])).status == .succeeded)
        var request = Self.request(["/bin/sh", "-c", "exit 3"])
        request.baseDirectory = "/"
        let process = await selection.run(request)
        #expect(process.status == .failed && process.exitCode == 3, "\(process)")
        request.baseDirectory = "/no/such/folder"
        #expect(await selection.run(request).error?.contains("working directory /no/such/folder is not a directory") == true)
    }
}

/// A value set from another task.
final class Box<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    func set(_ newValue: Value) { value.withLock { $0 = newValue } }
    func get() -> Value? { value.withLock { $0 } }
}

import Synchronization

/// ``HandlerRunner/start(_:completion:)``: the worker's batched handler runs.
@Suite struct HandlerStartTests {
    @Test func start_returnsAtOnce_andCompletesOnceWithTheResult() async {
        let results = Mutex<[RunResult]>([])
        let gate = AsyncStream<Void>.makeStream()
        let runner = RunnerHandlerTests.runner { registry in
            registry.register("gated") { context in
                for await _ in gate.stream { break }
                context.log("went through")
            }
        }
        let ended = AsyncStream<Void>.makeStream()
        runner.start(RunnerHandlerTests.request(["handler:gated"])) { result in
            results.withLock { $0.append(result) }
            ended.continuation.yield()
        }
        #expect(results.withLock { $0.isEmpty }, "start does not wait for the handler")
        gate.continuation.yield()
        for await _ in ended.stream { break }
        try? await Task.sleep(for: .milliseconds(50))
        let got = results.withLock { $0 }
        #expect(got.count == 1 && got[0].status == .succeeded && got[0].stdoutTail == "went through\n")
    }

    @Test func start_stoppedWhileRunning_endsInterrupted_once() async {
        let results = Mutex<[RunResult]>([])
        let ended = AsyncStream<Void>.makeStream()
        let stop = RunnerHandlerTests.runner().start(RunnerHandlerTests.request(["handler:almanac.sleep"], params: .object(["seconds": .int(30)]))) { result in
            results.withLock { $0.append(result) }
            ended.continuation.yield()
        }
        try? await Task.sleep(for: .milliseconds(50))
        stop()
        stop()
        for await _ in ended.stream { break }
        try? await Task.sleep(for: .milliseconds(50))
        let got = results.withLock { $0 }
        #expect(got.count == 1 && got[0].interrupted && got[0].error?.contains("interrupted") == true)
    }

    @Test func start_ofAnUnknownHandler_completesAtOnce() {
        let results = Mutex<[RunResult]>([])
        RunnerHandlerTests.runner().start(RunnerHandlerTests.request(["handler:nope"])) { result in results.withLock { $0.append(result) } }
        #expect(results.withLock { $0.count == 1 && $0[0].status == .failed })
    }
}

/// ``ExecutionIDs``: fresh version-4 UUIDs.
@Suite struct ExecutionIDsTests {
    @Test func format_setsVersionAndVariant_inLowerCaseHex() {
        #expect(ExecutionIDs.format(high: 0, low: 0) == "00000000-0000-4000-8000-000000000000")
        #expect(ExecutionIDs.format(high: .max, low: .max) == "ffffffff-ffff-4fff-bfff-ffffffffffff")
        #expect(ExecutionIDs.format(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98_7654_3210) == "01234567-89ab-4def-bedc-ba9876543210")
    }

    @Test func next_givesDistinctUUIDsFoundationParses() {
        var seen = Set<String>()
        var malformed = 0
        for _ in 0..<50_000 {
            let id = ExecutionIDs.next()
            if id.utf8.count != 36 || id != id.lowercased() { malformed += 1 }
            seen.insert(id)
        }
        #expect(malformed == 0 && seen.count == 50_000)
        let sample = seen.first!
        #expect(UUID(uuidString: sample)?.uuidString.lowercased() == sample)
        #expect(Array(sample)[14] == "4" && "89ab".contains(Array(sample)[19]))
    }
}
