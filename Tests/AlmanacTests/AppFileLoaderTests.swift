import Almanac
import AlmanacCore
import Foundation
import Testing

/// App-file validation (README "Apps and jobs"): every problem of a file at once, with line and
/// column, in words; no Swift-internal messages.
@Suite struct AppFileLoaderTests {
    func load(_ text: String, name: String = "app.yaml") throws -> AppFileLoader.Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("almanac-apps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent(name).path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return AppFileLoader.load(path: file)
    }

    func problems(_ result: AppFileLoader.Result) -> [String] {
        result.errors.map { "\($0.line.map(String.init) ?? "-"):\($0.column.map(String.init) ?? "-") \($0.field): \($0.reason)" }
    }

    @Test func load_whenAFileHasSeveralShapeProblems_reportsEveryOneWithItsLine() throws {
        let result = try load("""
            app: broken
            account: acme
            timeZone: America/New_York
            jobs:
              - name: send
                schedule: "8:00"
                command: python3 job.py
                overlap: never
                complexty: 3
              - name: sync
                command: ["/bin/true", 5]  # YAML reads 5 as the argument "5"
                retries: many
            """)
        #expect(result.apps.isEmpty)
        #expect(problems(result) == [
            #"9:- jobs[0].complexty: unknown key "complexty"; did you mean "complexity"? (allowed: name, schedule, command, handler, env, complexity, timeoutSeconds, retries, overlap, catchUpWindowSeconds, params, pauseHoldsFollowUps, workingDirectory, estimatedFollowUps)"#,
            #"7:14 jobs[0].command: command is an argv list, e.g. ["python3", "job.py"], got "python3 job.py""#,
            #"8:14 jobs[0].overlap: overlap must be skip, queue or allow, got "never""#,
            "12:14 jobs[1].retries: retries is a whole number, got \"many\"",
        ])
    }

    @Test func load_whenYAMLIsNotWellFormed_givesLineAndColumn() throws {
        let result = try load("app: a\naccount: b\njobs:\n  - name: x\n    command: [\"/bin/true\"\n")
        #expect(result.errors.count == 1)
        let error = try #require(result.errors.first)
        #expect(error.field == "(file)")
        #expect(error.reason.hasPrefix("YAML syntax: "))
        #expect(error.line != nil && error.column != nil)
        #expect(!error.description.contains("YamlError"))
    }

    @Test func load_whenSemanticProblems_locatesThemAndSuggestsZones() throws {
        let result = try load("""
            app: zoned
            account: acme
            timeZone: America/New_Yrok
            jobs:
              - name: send
                schedule: "8-25:00"
                command: ["/bin/true"]
                complexity: 11
            """)
        #expect(problems(result) == [
            #"3:11 timeZone: unknown IANA time zone "America/New_Yrok"; did you mean "America/New_York"?"#,
            #"6:15 jobs[0].schedule: "8-25:00": hour 25 is out of range 0-23 (column 3)"#,
            "8:17 jobs[0].complexity: 11 is outside the allowed range 1-10",
        ])
    }

    @Test func load_whenJSONHasAMissingCommand_saysWhatACommandIs() throws {
        let result = try load(#"{"app": "j", "account": "acme", "jobs": [{"name": "x", "schedule": 5}]}"#, name: "app.json")
        #expect(problems(result).map { String($0.drop(while: { $0 != " " }).dropFirst()) } == [
            #"jobs[0].command: required: the program to run as an argv list, e.g. ["python3", "job.py"] (or a handler)"#,
            "jobs[0].schedule: schedule is text, got 5",
        ])
    }

    @Test func load_whenValid_loadsAsBefore() throws {
        let result = try load("app: ok\naccount: acme\njobs:\n  - name: x\n    schedule: 9:00\n    command: [\"/bin/true\"]\n    env: {N: 5}\n")
        #expect(result.errors.isEmpty)
        #expect(result.apps.first?.config.jobs.first?.schedule == "9:00")
        #expect(result.apps.first?.config.jobs.first?.env == ["N": "5"])
    }
}
