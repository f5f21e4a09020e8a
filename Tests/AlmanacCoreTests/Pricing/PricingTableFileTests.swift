import AlmanacCore
import Foundation
import Testing

/// The pricing file format (``PricingTableFile``) and its rules (``PricingSchedule/validate(_:)``).
@Suite struct PricingTableFileTests {
    static func entry(version: String = "v1", from: String = "2026-01-01T00:00:00Z", base: String = "[1000,2000,3000,4000,5000,6000,7000,8000,9000,10000]",
                      models: String = #"{"gpt-4o":{"inputPer1000":2500,"outputPer1000":10000}}"#, defaultModel: String = "gpt-4o",
                      email: String = "100", sms: String = "1000", extra: String = "") -> String {
        #"{"version":"\#(version)","effectiveFrom":"\#(from)","baseByComplexity":\#(base),"aiModels":\#(models),"defaultAIModel":"\#(defaultModel)","emailEach":\#(email),"smsEach":\#(sms)\#(extra)}"#
    }

    static func decode(_ json: String) throws(PricingFileError) -> PricingSchedule {
        try PricingTableFile.decodeJSON(Data(json.utf8), source: "pricing.json")
    }

    @Test func decode_whenListOfVersions_sortsByEffectiveFromAndPricesByInstant() throws {
        let schedule = try Self.decode("[\(Self.entry(version: "b", from: "2026-07-01T04:00:00Z", sms: "1200")),\(Self.entry(version: "a"))]")
        #expect(schedule.tables.map(\.version) == ["a", "b"])
        #expect(schedule.table(at: try #require(RFC3339.parse("2026-07-01T03:59:59Z"))).version == "a")
        #expect(schedule.table(at: try #require(RFC3339.parse("2026-07-01T00:00:00-04:00"))).version == "b")
        #expect(schedule.tables[1].smsEach == Millicredits(1200))
        #expect(schedule.tables[0].aiModels["gpt-4o"] == PricingTable.AIRate(inputPer1000: Millicredits(2500), outputPer1000: Millicredits(10_000)))
    }

    @Test func decode_whenSingleObject_isOneVersion() throws {
        let schedule = try Self.decode(Self.entry())
        #expect(schedule.tables.count == 1)
        #expect(schedule.tables[0].baseByComplexity.map(\.rawValue) == [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000])
    }

    struct Refusal: CustomTestStringConvertible, Sendable {
        var name: String
        var json: String
        /// Expected problems, `field: reason fragment`.
        var problems: [(String, String)]
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "empty list", json: "[]", problems: [("(file)", "at least one version")]),
        Refusal(name: "duplicate version", json: "[\(entry()),\(entry(from: "2026-02-01T00:00:00Z"))]",
                problems: [("[1].version", "also the version of [0]")]),
        Refusal(name: "two versions at one instant", json: "[\(entry(version: "a")),\(entry(version: "b", from: "2025-12-31T19:00:00-05:00"))]",
                problems: [("[1].effectiveFrom", "2026-01-01T00:00:00.000Z is also when [0] takes effect")]),
        Refusal(name: "nine base prices", json: entry(base: "[1,2,3,4,5,6,7,8,9]"),
                problems: [("[0].baseByComplexity", "exactly 10 prices")]),
        Refusal(name: "negative amounts", json: entry(base: "[1,2,3,4,-5,6,7,8,9,10]", models: #"{"gpt-4o":{"inputPer1000":-1,"outputPer1000":1}}"#, sms: "-2"),
                problems: [("[0].baseByComplexity[4]", "-5 is negative"), ("[0].aiModels.gpt-4o.inputPer1000", "-1 is negative"),
                           ("[0].smsEach", "-2 is negative")]),
        Refusal(name: "prices past the largest", json: entry(base: "[1,2,3,4,5,6,7,8,9,1000001]", models: #"{"gpt-4o":{"inputPer1000":1,"outputPer1000":9223372036854775807}}"#, sms: "1000000"),
                problems: [("[0].baseByComplexity[9]", "1000001 is more than the largest price, 1000000 millicredits (1,000 credits)"),
                           ("[0].aiModels.gpt-4o.outputPer1000", "9223372036854775807 is more than the largest price")]),
        Refusal(name: "default model missing", json: entry(defaultModel: "gpt-5"),
                problems: [("[0].defaultAIModel", "\"gpt-5\" is not one of aiModels (gpt-4o)")]),
        Refusal(name: "empty version", json: entry(version: ""), problems: [("[0].version", "must not be empty")]),
        Refusal(name: "not an instant", json: "[\(entry(from: "July 1st"))]",
                problems: [("[0].effectiveFrom", "\"July 1st\" is not an RFC 3339 instant")]),
        Refusal(name: "unknown key", json: "[\(entry(extra: #","currency":"EUR""#))]", problems: [("[0].currency", "unknown key \"currency\"")]),
        Refusal(name: "missing key", json: #"[{"version":"v"}]"#, problems: [("[0].effectiveFrom", "required field is missing")]),
        Refusal(name: "decimal amount", json: entry(email: "0.5"), problems: [("emailEach", "0.5 is not a whole number of millicredits")]),
        Refusal(name: "decimal base price", json: "[\(entry(base: "[1000,2000,3000,4000,5000,6000,7000,8000,9000,10000.5]"))]",
                problems: [("[0].baseByComplexity[9]", "10000.5 is not a whole number")]),
        Refusal(name: "amount as text", json: entry(sms: #""1000""#), problems: [("smsEach", "expected an integer")]),
    ]

    @Test(arguments: refusals)
    func decode_whenFileBreaksARule_namesEveryProblemsField(_ r: Refusal) {
        do {
            _ = try Self.decode(r.json)
            Issue.record("accepted \(r.json)")
        } catch {
            #expect(error.source == "pricing.json")
            #expect(error.problems.count == r.problems.count, "\(error)")
            for (problem, expected) in zip(error.problems, r.problems) {
                #expect(problem.field.hasSuffix(expected.0), "\(problem)")
                #expect(problem.reason.contains(expected.1), "\(problem)")
            }
            #expect(error.description.hasPrefix("pricing file pricing.json: "))
        }
    }

    @Test func validate_whenStandardTable_findsNothing() {
        #expect(PricingSchedule.validate([.standard]).isEmpty)
    }
}
