@testable import Almanac
import AlmanacCore
import Foundation
import Testing

@Suite struct RunReportTests {
    @Test func parse_sumsUsageAndCollectsFollowUps_andNamesMalformedLines() {
        let text = """
            {"type":"usage","emails":2}
            {"type":"usage","ai":[{"model":"gpt-4o","inputTokens":10,"outputTokens":5}],"sms":1}
            {"type":"followUp","job":"next","params":{"offset":500}}
            not json
            {"type":"usage","emails":-1}
            """
        let report = RunReport(parsing: Array(text.utf8))
        #expect(report.usage.emails == 2)
        #expect(report.usage.sms == 1)
        #expect(report.usage.ai.count == 1)
        #expect(report.followUps == [FollowUpRequest(job: "next", params: .object(["offset": .int(500)]))])
        #expect(report.errors.count == 2)
        #expect(report.errors[0].hasPrefix("report line 4"))
        #expect(report.errors[1].contains("negative"))
    }

    @Test func processRunner_scrubsEnvironment_passesParams_andReadsReportFD() async throws {
        setenv("ALMANAC_TEST_SECRET", "hunter2", 1)
        let script = """
            import json, os, sys
            params = json.load(sys.stdin)
            os.write(int(os.environ["ALMANAC_REPORT_FD"]), (json.dumps({"type": "usage", "emails": params["n"]}) + "\\n").encode())
            print(os.environ.get("ALMANAC_TEST_SECRET", "absent"), os.environ["ALMANAC_TRIGGER_ID"])
            """
        let trigger = JobTriggered(triggerId: TriggerID("a/b/c@2026-03-02T13:00Z"), job: JobKey(account: "a", app: "b", job: "c"),
                                   scheduledFor: Date(), source: .manual, params: .object(["n": .int(4)]))
        let request = RunRequest(trigger: trigger, job: JobConfiguration(name: "c", schedule: nil, command: ["python3", "-c", script]),
                                 baseDirectory: nil, timeout: .seconds(30))
        let result = await ProcessRunner(clock: SystemWallClock()).run(request)
        #expect(result.status == .succeeded, "\(result.error ?? "") \(result.stderrTail)")
        #expect(result.stdoutTail == "absent a/b/c@2026-03-02T13:00Z\n")
        #expect(result.usage.emails == 4)
    }

    @Test func processRunner_timeout_killsTheWholeProcessGroup() async throws {
        let marker = "/tmp/almanac-grandchild-\(getpid())"
        // The grandchild would touch the marker after 3 s unless the group is killed.
        let script = "(sleep 3; touch \(marker)) & sleep 30"
        let trigger = JobTriggered(triggerId: TriggerID("t"), job: JobKey(account: "a", app: "b", job: "c"), scheduledFor: Date(), source: .manual)
        var runner = ProcessRunner(clock: SystemWallClock())
        runner.killGrace = 0.5
        let result = await runner.run(RunRequest(trigger: trigger, job: JobConfiguration(name: "c", schedule: nil, command: ["/bin/sh", "-c", script]),
                                                 baseDirectory: nil, timeout: .seconds(1)))
        #expect(result.status == .timedOut)
        try await Task.sleep(for: .seconds(3))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
