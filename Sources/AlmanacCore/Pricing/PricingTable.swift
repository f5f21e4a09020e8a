import Foundation

/// A versioned price list (`ops/pricing.yaml`, schema `schemas/pricing.v1.json`). All amounts are
/// integer millicredits (1 credit = 1000).
public struct PricingTable: Codable, Hashable, Sendable {
    /// AI model rates, per 1,000 tokens.
    public struct AIRate: Codable, Hashable, Sendable {
        public var inputPer1000: Millicredits
        public var outputPer1000: Millicredits
        public init(inputPer1000: Millicredits, outputPer1000: Millicredits) {
            self.inputPer1000 = inputPer1000
            self.outputPer1000 = outputPer1000
        }
    }

    public var version: String
    /// When this version takes effect (UTC); runs are priced by the version in force at `scheduledFor`.
    public var effectiveFrom: Date
    /// Base price of one run by complexity 1…10 (index 0 = complexity 1).
    public var baseByComplexity: [Millicredits]
    public var aiModels: [String: AIRate]
    /// Model whose rate prices unknown models (the line item is flagged).
    public var defaultAIModel: String
    public var emailEach: Millicredits
    public var smsEach: Millicredits

    public init(version: String, effectiveFrom: Date, baseByComplexity: [Millicredits], aiModels: [String: AIRate],
                defaultAIModel: String, emailEach: Millicredits, smsEach: Millicredits) {
        self.version = version
        self.effectiveFrom = effectiveFrom
        self.baseByComplexity = baseByComplexity
        self.aiModels = aiModels
        self.defaultAIModel = defaultAIModel
        self.emailEach = emailEach
        self.smsEach = smsEach
    }

    /// The largest price a table may hold (base, per 1,000 tokens, per email or SMS): 1,000,000
    /// millicredits = 1,000 credits, far above any real price. With ``RunUsage/maximumQuantity``
    /// and ``RunUsage/maximumAIModels`` it keeps every charge within 64-bit millicredits (see
    /// ``Pricer``); `PricingSchedule.validate` refuses a larger one.
    public static let maximumPrice = Millicredits(1_000_000)

    /// The platform's standard table: complexity N costs N credits; emails 0.1, SMS 1 credit.
    public static let standard = PricingTable(
        version: "2026-01-standard",
        effectiveFrom: Date(timeIntervalSince1970: 1_767_225_600), // 2026-01-01T00:00:00Z
        baseByComplexity: (1...10).map { Millicredits.credits(Int64($0)) },
        aiModels: [
            "gpt-4o-mini": AIRate(inputPer1000: Millicredits(150), outputPer1000: Millicredits(600)),
            "gpt-4o": AIRate(inputPer1000: Millicredits(2_500), outputPer1000: Millicredits(10_000)),
            "claude-haiku": AIRate(inputPer1000: Millicredits(800), outputPer1000: Millicredits(4_000)),
        ],
        defaultAIModel: "gpt-4o",
        emailEach: Millicredits(100),
        smsEach: Millicredits(1_000))
}

/// Pricing tables in force over time.
public struct PricingSchedule: Sendable {
    public private(set) var tables: [PricingTable]
    public init(_ tables: [PricingTable]) { self.tables = tables.sorted { $0.effectiveFrom < $1.effectiveFrom } }
    /// The table in force at `instant`: the newest whose `effectiveFrom <= instant` (else the oldest).
    public func table(at instant: Date) -> PricingTable {
        tables.last { $0.effectiveFrom <= instant } ?? tables.first ?? .standard
    }
}
