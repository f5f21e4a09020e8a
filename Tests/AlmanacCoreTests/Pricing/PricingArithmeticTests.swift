import AlmanacCore
import Foundation
import Testing

/// Pricing arithmetic, exact to the millicredit (issue 7): the platform's own examples, AI + email +
/// SMS combinations, rounding, unknown models, and a pricing change at 12:00.
@Suite struct PricingArithmeticTests {
    static func total(_ items: [ChargeLineItem]) -> Millicredits { items.reduce(.zero) { $0 + $1.amount } }

    // MARK: - Runs per day × base price (the platform's examples)

    struct DailyCase: CustomTestStringConvertible, Sendable {
        var expression: String
        var date: (Int, Int, Int)
        var complexity: Int
        var runs: Int
        var credits: Int64
        var testDescription: String { "\(expression) at \(complexity) on \(date)" }
    }

    static let daily: [DailyCase] = [
        DailyCase(expression: "*:*", date: (2026, 3, 2), complexity: 2, runs: 1440, credits: 2880),  // every minute at 2 = 2,880/day
        DailyCase(expression: "*:00", date: (2026, 3, 2), complexity: 2, runs: 24, credits: 48),     // hourly at 2 = 48/day
        DailyCase(expression: "*:*", date: (2026, 3, 8), complexity: 2, runs: 1380, credits: 2760),  // spring forward: 23 h
        DailyCase(expression: "*:*", date: (2026, 11, 1), complexity: 2, runs: 1500, credits: 3000), // fall back: 25 h
        DailyCase(expression: "*:00", date: (2026, 11, 1), complexity: 2, runs: 25, credits: 50),
        DailyCase(expression: "8-19:00", date: (2026, 3, 2), complexity: 3, runs: 12, credits: 36),
        DailyCase(expression: "8-18:*/5", date: (2026, 3, 2), complexity: 4, runs: 132, credits: 528),
        DailyCase(expression: "9:00", date: (2026, 3, 2), complexity: 10, runs: 1, credits: 10),
    ]

    @Test(arguments: daily)
    func dailyCredits_whenScheduleRunsAllDay_isRunsTimesBase(_ c: DailyCase) throws {
        let schedule = try CompiledSchedule(try ScheduleExpression.parse(c.expression), zoneIdentifier: "America/New_York")
        let runs = ScheduleEstimate.runs(on: c.date, schedule: schedule)
        #expect(runs == c.runs)
        let perRun = Self.total(Pricer.lineItems(complexity: c.complexity, usage: .none, table: .standard))
        #expect(Millicredits(perRun.rawValue * Int64(runs)) == .credits(c.credits))
    }

    // MARK: - Usage combinations

    struct UsageCase: CustomTestStringConvertible, Sendable {
        var name: String
        var complexity: Int
        var usage: RunUsage
        /// (item, amount) in order.
        var items: [(String, Int64)]
        var total: Int64
        var testDescription: String { name }
    }

    static let usages: [UsageCase] = [
        UsageCase(name: "base only", complexity: 1, usage: .none, items: [("base", 1000)], total: 1000),
        UsageCase(name: "base of complexity 10", complexity: 10, usage: .none, items: [("base", 10_000)], total: 10_000),
        UsageCase(name: "AI, emails and SMS", complexity: 3,
                  usage: RunUsage(ai: [.init(model: "gpt-4o-mini", inputTokens: 1200, outputTokens: 300)], emails: 3, sms: 2),
                  // 1200×150/1000 = 180; 300×600/1000 = 180; 3×100; 2×1000
                  items: [("base", 3000), ("ai:gpt-4o-mini:input", 180), ("ai:gpt-4o-mini:output", 180), ("email", 300), ("sms", 2000)],
                  total: 5660),
        UsageCase(name: "two models", complexity: 4,
                  usage: RunUsage(ai: [.init(model: "gpt-4o", inputTokens: 2000, outputTokens: 500),
                                       .init(model: "claude-haiku", inputTokens: 10_000, outputTokens: 1000)]),
                  // 2000×2500/1000 = 5000; 500×10000/1000 = 5000; 10000×800/1000 = 8000; 1000×4000/1000 = 4000
                  items: [("base", 4000), ("ai:gpt-4o:input", 5000), ("ai:gpt-4o:output", 5000),
                          ("ai:claude-haiku:input", 8000), ("ai:claude-haiku:output", 4000)],
                  total: 26_000),
        UsageCase(name: "output tokens only: no input line", complexity: 2,
                  usage: RunUsage(ai: [.init(model: "gpt-4o-mini", inputTokens: 0, outputTokens: 1000)]),
                  items: [("base", 2000), ("ai:gpt-4o-mini:output", 600)], total: 2600),
        UsageCase(name: "fractions round half up per line", complexity: 1,
                  // input 10×150/1000 = 1.5 → 2 (half up); output 1×600/1000 = 0.6 → 1
                  usage: RunUsage(ai: [.init(model: "gpt-4o-mini", inputTokens: 10, outputTokens: 1)]),
                  items: [("base", 1000), ("ai:gpt-4o-mini:input", 2), ("ai:gpt-4o-mini:output", 1)], total: 1003),
        UsageCase(name: "a fraction below half rounds down", complexity: 1, // 3×150/1000 = 0.45 → 0
                  usage: RunUsage(ai: [.init(model: "gpt-4o-mini", inputTokens: 3, outputTokens: 0)]),
                  items: [("base", 1000), ("ai:gpt-4o-mini:input", 0)], total: 1000),
        UsageCase(name: "emails only", complexity: 2, usage: RunUsage(emails: 250),
                  items: [("base", 2000), ("email", 25_000)], total: 27_000),
        UsageCase(name: "SMS only", complexity: 5, usage: RunUsage(sms: 7), items: [("base", 5000), ("sms", 7000)], total: 12_000),
        UsageCase(name: "a million tokens", complexity: 1,
                  usage: RunUsage(ai: [.init(model: "gpt-4o", inputTokens: 1_000_000, outputTokens: 1_000_000)]),
                  items: [("base", 1000), ("ai:gpt-4o:input", 2_500_000), ("ai:gpt-4o:output", 10_000_000)], total: 12_501_000),
    ]

    @Test(arguments: usages)
    func lineItems_whenUsageReported_areExactToTheMillicredit(_ c: UsageCase) {
        let items = Pricer.lineItems(complexity: c.complexity, usage: c.usage, table: .standard)
        #expect(items.map(\.item) == c.items.map(\.0))
        #expect(items.map(\.amount.rawValue) == c.items.map(\.1))
        #expect(Self.total(items) == Millicredits(c.total))
        for item in items {
            // amount = quantity × unitPrice / unitsPer, rounded half up.
            #expect(item.amount.rawValue == (item.quantity * item.unitPrice.rawValue * 2 + item.unitsPer) / (2 * item.unitsPer))
        }
    }

    /// `Pricer.total` (the audit's pricing of every completion) is the sum `charge` bills, for the
    /// fixed cases, an unknown model, complexities out of range and seeded random usages.
    @Test func total_isTheTotalOfTheChargeWithItsLineItems() {
        var usages = Self.usages.map { ($0.complexity, $0.usage) }
        usages.append((0, RunUsage(ai: [.init(model: "no-such-model", inputTokens: 999, outputTokens: 1)])))
        usages.append((11, RunUsage(emails: 1)))
        var state: UInt64 = 0x5EED
        func next(_ bound: Int64) -> Int64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int64((state >> 33) % UInt64(bound))
        }
        let models = ["gpt-4o-mini", "gpt-4o", "claude-haiku", "unknown"]
        for _ in 0..<500 {
            let ai = (0..<next(3)).map { _ in
                RunUsage.AITokens(model: models[Int(next(Int64(models.count)))], inputTokens: next(50_000), outputTokens: next(5_000))
            }
            usages.append((Int(next(12)), RunUsage(ai: ai, emails: next(4), sms: next(3))))
        }
        for (complexity, usage) in usages {
            let completed = JobCompleted(triggerId: TriggerID("t"), executionId: "e", job: JobKey(account: "a", app: "b", job: "c"),
                                         status: .succeeded, attempt: 1, exitCode: 0, startedAt: Date(timeIntervalSince1970: 0),
                                         finishedAt: Date(timeIntervalSince1970: 1), usage: usage)
            let charge = Pricer.charge(for: completed, complexity: complexity, table: .standard)
            #expect(Pricer.total(complexity: complexity, usage: usage, table: .standard) == charge.total, "complexity \(complexity), \(usage)")
            #expect(charge.total == Self.total(charge.lineItems))
        }
    }

    /// The bound `Pricer`'s doc proves: the largest usage a worker takes in, at the largest prices a
    /// pricing file may hold, prices without passing 64 bits (and without a trap).
    @Test func charge_ofTheLargestRunAtTheLargestPrices_fitsSixtyFourBits() {
        let most = PricingTable.maximumPrice
        let models = (0..<RunUsage.maximumAIModels).map { "model-\($0)" }
        let table = PricingTable(version: "max", effectiveFrom: Date(timeIntervalSince1970: 0), baseByComplexity: Array(repeating: most, count: 10),
                                 aiModels: Dictionary(uniqueKeysWithValues: models.map { ($0, PricingTable.AIRate(inputPer1000: most, outputPer1000: most)) }),
                                 defaultAIModel: models[0], emailEach: most, smsEach: most)
        #expect(PricingSchedule.validate([table]).isEmpty)
        let q = RunUsage.maximumQuantity
        let usage = RunUsage(ai: models.map { RunUsage.AITokens(model: $0, inputTokens: q, outputTokens: q) }, emails: q, sms: q)
        let completed = JobCompleted(triggerId: TriggerID("t"), executionId: "e", job: JobKey(account: "a", app: "b", job: "c"),
                                     status: .succeeded, attempt: 1, exitCode: 0, startedAt: Date(timeIntervalSince1970: 0),
                                     finishedAt: Date(timeIntervalSince1970: 1), usage: usage)
        let charge = Pricer.charge(for: completed, complexity: 10, table: table)
        // 10⁶ base + 200 token items of 10¹² × 10⁶ / 1000 + emails and SMS at 10¹² × 10⁶ each.
        #expect(charge.total.rawValue == 1_000_000 + 200 * 1_000_000_000_000_000 + 2 * 1_000_000_000_000_000_000)
        #expect(Pricer.total(complexity: 10, usage: usage, table: table) == charge.total)
    }

    /// Past the limits a token item's product may pass 64 bits: unpriceable (`nil`), even when
    /// nothing else is added to it (a base price of 0), rather than priced at the limit.
    @Test func total_whenATokenProductPassesSixtyFourBits_isNil_evenAlone() {
        var table = PricingTable.standard
        table.baseByComplexity = Array(repeating: .zero, count: 10)
        let usage = RunUsage(ai: [.init(model: "gpt-4o", inputTokens: Int64.max / 1000, outputTokens: 0)])
        #expect(Pricer.total(complexity: 1, usage: usage, table: table) == nil)
        let fits = RunUsage(ai: [.init(model: "gpt-4o", inputTokens: Int64.max / 2500, outputTokens: 0)])
        #expect(Pricer.total(complexity: 1, usage: fits, table: table) != nil)
    }

    @Test func charge_whenBuilt_totalsItsLineItemsAndUsesTheTriggerIdAsChargeId() {
        let job = JobKey(account: "acme", app: "clinic", job: "remind")
        let trigger = TriggerID.scheduled(job, at: Date(timeIntervalSince1970: 1_772_456_400)).retry(attempt: 2)
        let completed = JobCompleted(triggerId: trigger, executionId: "e1", job: job, status: .failed, attempt: 2, exitCode: 1,
                                     startedAt: Date(timeIntervalSince1970: 0), finishedAt: Date(timeIntervalSince1970: 1),
                                     usage: RunUsage(emails: 1))
        let charge = Pricer.charge(for: completed, complexity: 3, table: .standard)
        #expect(charge.chargeId == trigger)
        #expect(charge.chargeId.rawValue.hasSuffix("~2"))
        #expect(charge.total == Millicredits(3100))
        #expect(charge.status == .failed)
        #expect(charge.pricingVersion == PricingTable.standard.version)
    }

    // MARK: - Unknown model

    @Test func lineItems_whenModelUnknown_chargesTheDefaultRateAndFlagsTheLine() {
        let usage = RunUsage(ai: [.init(model: "mystery-9", inputTokens: 1000, outputTokens: 2000)])
        let items = Pricer.lineItems(complexity: 1, usage: usage, table: .standard)
        #expect(items.map(\.item) == ["base", "ai:mystery-9:input", "ai:mystery-9:output"])
        // Default model gpt-4o: 2500 per 1000 input, 10000 per 1000 output.
        #expect(items[1].unitPrice == Millicredits(2500))
        #expect(items[1].amount == Millicredits(2500))
        #expect(items[2].amount == Millicredits(20_000))
        #expect(items[1].note == "unknown model, priced at gpt-4o rate")
        #expect(items[2].note == items[1].note)
        #expect(items[0].note == "complexity 1")
        #expect(Self.total(items) == Millicredits(23_500))
    }

    // MARK: - Versions

    static let noon = Date(timeIntervalSince1970: 1_772_452_800) // 2026-03-02T12:00:00Z

    static func table(_ version: String, from: Date, smsEach: Int64, base: Int64) -> PricingTable {
        PricingTable(version: version, effectiveFrom: from, baseByComplexity: (1...10).map { Millicredits(Int64($0) * base) },
                     aiModels: PricingTable.standard.aiModels, defaultAIModel: "gpt-4o", emailEach: Millicredits(100),
                     smsEach: Millicredits(smsEach))
    }

    static let versions = PricingSchedule([
        table("new", from: noon, smsEach: 1500, base: 1200),
        table("old", from: Date(timeIntervalSince1970: 1_767_225_600), smsEach: 1000, base: 1000),
    ])

    struct VersionCase: CustomTestStringConvertible, Sendable {
        var scheduledFor: String
        var version: String
        var total: Int64
        var testDescription: String { "\(scheduledFor) → \(version)" }
    }

    /// A complexity-2 run that sent 3 SMS, priced by the table in force at its scheduledFor.
    @Test(arguments: [
        VersionCase(scheduledFor: "2026-03-02T11:59:00Z", version: "old", total: 2000 + 3000),
        VersionCase(scheduledFor: "2026-03-02T11:59:59.999Z", version: "old", total: 5000),
        VersionCase(scheduledFor: "2026-03-02T12:00:00Z", version: "new", total: 2400 + 4500),
        VersionCase(scheduledFor: "2026-03-02T07:00:00-05:00", version: "new", total: 6900), // 12:00Z written in New York time
        VersionCase(scheduledFor: "2026-03-03T00:00:00Z", version: "new", total: 6900),
        VersionCase(scheduledFor: "2025-12-31T23:59:00Z", version: "old", total: 5000),      // before every version: the oldest
    ])
    func charge_whenPricingChangesAtNoon_usesTheTableInForceAtScheduledFor(_ c: VersionCase) throws {
        let at = try #require(RFC3339.parse(c.scheduledFor))
        let job = JobKey(account: "a", app: "b", job: "c")
        let table = Self.versions.table(at: at)
        let completed = JobCompleted(triggerId: .scheduled(job, at: at), executionId: "e", job: job, status: .succeeded, attempt: 1,
                                     exitCode: 0, startedAt: at, finishedAt: at, usage: RunUsage(sms: 3))
        let charge = Pricer.charge(for: completed, complexity: 2, table: table)
        #expect(charge.pricingVersion == c.version)
        #expect(charge.total == Millicredits(c.total))
    }

    @Test func schedule_whenTablesGivenOutOfOrder_sortsThemByEffectiveFrom() {
        #expect(Self.versions.tables.map(\.version) == ["old", "new"])
    }
}
