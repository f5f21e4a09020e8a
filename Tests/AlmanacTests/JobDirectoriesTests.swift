@testable import Almanac
import AlmanacCore
import Foundation
import Testing

/// Where a worker resolves a job's command and working directory (docs/workers.md, "Where job code
/// lives"), and what `almanac apply` checks.
@Suite struct JobDirectoriesTests {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "almanac-dirs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/own-app/jobs", withIntermediateDirectories: true)
    }

    func job(_ command: [String], workingDirectory: String? = nil) -> JobConfiguration {
        var job = JobConfiguration(name: "job", schedule: nil, command: command)
        job.workingDirectory = workingDirectory
        return job
    }

    @Test func appDirectory_whenTheAppHasAFolder_isThatFolder_elseTheRoot() {
        let directories = JobDirectories(appsRoot: root, outputRoot: "/var/almanac/out")
        #expect(directories.appDirectory(of: "own-app") == root + "/own-app")
        #expect(directories.appDirectory(of: "flat-app") == root)
        #expect(directories.outputDirectory(of: "own-app") == "/var/almanac/out/own-app")
        #expect(JobDirectories().appDirectory(of: "own-app") == nil)
    }

    @Test func request_resolvesTheWorkingDirectoryAgainstTheAppFolder_andGivesTheOutputFolder() {
        let directories = JobDirectories(appsRoot: root, outputRoot: "/var/almanac/out")
        let trigger = JobTriggered(triggerId: TriggerID("manual-1"), job: JobKey(account: "acme", app: "own-app", job: "job"),
                                   scheduledFor: Date(), source: .manual)
        let request = directories.request(trigger, job(["jobs/run.sh"], workingDirectory: "jobs"))
        #expect(request.baseDirectory == root + "/own-app/jobs")
        #expect(request.appDirectory == root + "/own-app")
        #expect(ProcessRunner.environment(for: request)["ALMANAC_OUTPUT_DIR"] == "/var/almanac/out/own-app")
        #expect(directories.request(trigger, job(["/bin/true"], workingDirectory: "/tmp")).baseDirectory == "/tmp")
    }

    @Test func run_whenTheCommandIsRelative_andThereIsNoAppsRoot_doesNotStart() async {
        let trigger = JobTriggered(triggerId: TriggerID("manual-2"), job: JobKey(account: "acme", app: "own-app", job: "job"),
                                   scheduledFor: Date(), source: .manual)
        let result = await ProcessRunner(clock: SystemWallClock()).run(JobDirectories().request(trigger, job(["jobs/run.sh"])))
        #expect(result.notStarted && result.status == .failed && result.exitCode == nil)
        #expect(result.error?.contains("needs an apps root") == true)
    }

    @Test func commandCheck_whenProgramsAreMissingOrNotExecutable_namesEachJobsCommand() throws {
        FileManager.default.createFile(atPath: root + "/own-app/jobs/ok.sh", contents: Data("#!/bin/sh\n".utf8),
                                       attributes: [.posixPermissions: 0o755])
        FileManager.default.createFile(atPath: root + "/own-app/jobs/plain.sh", contents: Data("#!/bin/sh\n".utf8),
                                       attributes: [.posixPermissions: 0o644])
        var app = AppConfiguration(app: "own-app", account: "acme", jobs: [
            job(["jobs/ok.sh"]), job(["jobs/plain.sh"]), job(["jobs/gone.sh"]), job(["sh", "-c", "true"]), job(["handler:almanac.noop"]),
        ])
        for index in app.jobs.indices { app.jobs[index].name = "job\(index)" }
        let problems = CommandCheck.problems(of: app, directory: root + "/own-app", path: "/usr/bin:/bin")
        #expect(problems.map(\.field) == ["jobs[1].command", "jobs[2].command"])
        #expect(problems[1].reason == "\"jobs/gone.sh\" resolves to \(root)/own-app/jobs/gone.sh, which does not exist")
    }
}
