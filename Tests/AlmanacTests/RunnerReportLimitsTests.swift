@testable import Almanac
import AlmanacCore
import Foundation
import Testing

/// Report lines whose totals would overflow (or exceed the bound that keeps pricing in range) are
/// rejected whole; the rest of the report stands.
@Suite struct RunnerReportLimitsTests {
    @Test func usage_whenATotalWouldOverflow_rejectsTheLine_andKeepsTheEarlierOnes() {
        let max = Int64.max
        let text = """
            {"type":"usage","emails":5}
            {"type":"usage","emails":\(max)}
            {"type":"usage","sms":\(RunReport.maximumQuantity)}
            {"type":"usage","sms":1,"emails":1}
            """
        let report = RunReport(parsing: Array(text.utf8))
        #expect(report.usage.emails == 5)
        #expect(report.usage.sms == RunReport.maximumQuantity)
        #expect(report.errors.count == 2)
        #expect(report.errors[0].hasPrefix("report line 2") && report.errors[0].contains("emails"))
        #expect(report.errors[1].hasPrefix("report line 4"), "all or nothing: its email was not added either")
    }

    @Test func usage_addsTokensPerModel() {
        let text = """
            {"type":"usage","ai":[{"model":"m","inputTokens":10,"outputTokens":1},{"model":"n","inputTokens":1,"outputTokens":1}]}
            {"type":"usage","ai":[{"model":"m","inputTokens":5,"outputTokens":2}]}
            """
        let report = RunReport(parsing: Array(text.utf8))
        #expect(report.usage.ai == [RunUsage.AITokens(model: "m", inputTokens: 15, outputTokens: 3),
                                    RunUsage.AITokens(model: "n", inputTokens: 1, outputTokens: 1)])
        #expect(report.errors.isEmpty)
    }

    @Test func usage_whenTokensPassTheBound_rejectsTheLine_andLaterLinesStillAdd() {
        let text = """
            {"type":"usage","ai":[{"model":"m","inputTokens":\(Int64.max - 1),"outputTokens":0}]}
            {"type":"usage","ai":[{"model":"m","inputTokens":2,"outputTokens":0}]}
            """
        let report = RunReport(parsing: Array(text.utf8))
        #expect(report.usage.ai == [RunUsage.AITokens(model: "m", inputTokens: 2, outputTokens: 0)])
        #expect(report.errors.count == 1 && report.errors[0].contains("m input tokens"))
    }

    @Test func usage_pastTheModelLimit_rejectsTheLine_butModelsAlreadyReportedStillAdd() {
        var report = RunReport()
        let models = (0..<RunReport.maximumAIModels).map { RunUsage.AITokens(model: "m\($0)", inputTokens: 1, outputTokens: 0) }
        #expect(report.addUsage(RunUsage(ai: models)) == nil)
        let one = RunUsage.AITokens(model: "one-more", inputTokens: 1, outputTokens: 0)
        #expect(report.addUsage(RunUsage(ai: [models[0], one], emails: 1)) == "the run's AI models would exceed 100")
        #expect(report.usage.ai.count == RunReport.maximumAIModels && report.usage.emails == 0, "all or nothing")
        #expect(report.addUsage(RunUsage(ai: [models[7]])) == nil)
        #expect(report.usage.ai[7].inputTokens == 2)
    }

    /// A misspelt key would meter nothing without a word: the line is refused, naming it.
    @Test func lines_withAnUnknownKey_areRefusedNamingIt_andTheRestStand() {
        let text = """
            {"type":"usage","email":7}
            {"type":"followUp","job":"j","param":{}}
            {"type":"usage","emails":2,"ai":[]}
            """
        let report = RunReport(parsing: Array(text.utf8))
        #expect(report.usage.emails == 2 && report.followUps.isEmpty)
        #expect(report.errors == ["report line 1: unknown key \"email\" in a usage line (expected ai, emails, sms)",
                                  "report line 2: unknown key \"param\" in a followUp line (expected job, params)"])
        var object = RunReport()
        #expect(object.addUsage(json: Array(#"{"emails":1,"sms":2}"#.utf8)) == nil && object.usage == RunUsage(emails: 1, sms: 2))
        #expect(object.addUsage(json: Array(#"{"SMS":3}"#.utf8)) == "unknown key \"SMS\" (expected ai, emails, sms)")
        #expect(object.addUsage(json: Array(#"{"type":"usage","sms":3}"#.utf8))?.contains("unknown key \"type\"") == true)
    }

    /// A report cut off at ``RunReport/maximumBytes``: the line cut in two is not read, and the run's
    /// error says where reading stopped (not "invalid JSON" for the cut line).
    @Test func report_cutOffAtTheLimit_readsTheWholeLinesAndSaysWhereItStopped() {
        let line = Array(#"{"type":"usage","emails":1}"#.utf8) + [10]
        var bytes: [UInt8] = []
        while bytes.count < RunReport.maximumBytes { bytes += line }
        bytes = Array(bytes.prefix(RunReport.maximumBytes))
        let whole = RunReport.maximumBytes / line.count
        let report = RunReport(parsing: bytes, cutOff: true)
        #expect(report.usage.emails == Int64(whole))
        #expect(report.errors == ["the report passed \(RunReport.maximumBytes) bytes: lines from \(whole + 1) on were not read"])
    }

    @Test func numbers_tooLargeForInt64_areNamed() {
        let report = RunReport(parsing: Array(#"{"type":"usage","emails":99999999999999999999}"#.utf8))
        #expect(report.usage.emails == 0 && report.errors.count == 1)
    }

    @Test func followUps_beyondTheLimit_areRejected() {
        var report = RunReport()
        for n in 0..<RunReport.maximumFollowUps { #expect(report.addFollowUp(FollowUpRequest(job: "j", params: .int(Int64(n)))) == nil) }
        #expect(report.addFollowUp(FollowUpRequest(job: "j", params: nil)) != nil)
        #expect(report.followUps.count == RunReport.maximumFollowUps)
    }
}
