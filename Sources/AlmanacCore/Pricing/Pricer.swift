/// Prices runs (docs/design.md §5 Billing): base credits of the job's complexity, plus AI tokens at the
/// model's rate per 1,000, plus emails and SMS. Integer arithmetic throughout; a fractional
/// millicredit rounds half up.
///
/// **No overflow within the limits.** With usage within ``RunUsage/maximumQuantity`` (10¹²) per
/// total and ``RunUsage/maximumAIModels`` (100) models, and prices within
/// ``PricingTable/maximumPrice`` (10⁶ millicredits), a line item is at most 10¹² × 10⁶ / 1000 + 1
/// ≈ 10¹⁵ (tokens) or 10¹⁸ (emails, SMS), and a charge at most 10⁶ + 200 × 10¹⁵ + 2 × 10¹⁸
/// ≈ 2.2 × 10¹⁸ millicredits, under `Int64.max` ≈ 9.2 × 10¹⁸. Usage outside the limits (a
/// completion no worker wrote) may not be priceable: ``total(complexity:usage:table:)`` says so
/// with `nil`, where ``charge(for:complexity:table:)`` traps.
public enum Pricer {
    /// Line items for one run.
    public static func lineItems(complexity: Int, usage: RunUsage, table: PricingTable) -> [ChargeLineItem] {
        let base = base(complexity, table)
        var items = [ChargeLineItem(item: "base", quantity: 1, unitPrice: base, amount: base, note: "complexity \(complexity)")]
        for usage in usage.ai {
            let (rate, known) = rate(of: usage.model, table)
            let note = known ? nil : "unknown model, priced at \(table.defaultAIModel) rate"
            if usage.inputTokens > 0 {
                items.append(ChargeLineItem(item: "ai:\(usage.model):input", quantity: usage.inputTokens, unitPrice: rate.inputPer1000,
                                            unitsPer: 1000, amount: perThousand(usage.inputTokens, rate.inputPer1000), note: note))
            }
            if usage.outputTokens > 0 {
                items.append(ChargeLineItem(item: "ai:\(usage.model):output", quantity: usage.outputTokens, unitPrice: rate.outputPer1000,
                                            unitsPer: 1000, amount: perThousand(usage.outputTokens, rate.outputPer1000), note: note))
            }
        }
        if usage.emails > 0 {
            items.append(ChargeLineItem(item: "email", quantity: usage.emails, unitPrice: table.emailEach,
                                        amount: Millicredits(usage.emails * table.emailEach.rawValue)))
        }
        if usage.sms > 0 {
            items.append(ChargeLineItem(item: "sms", quantity: usage.sms, unitPrice: table.smsEach,
                                        amount: Millicredits(usage.sms * table.smsEach.rawValue)))
        }
        return items
    }

    /// The charge for a completed run. `chargeId = triggerId` (each attempt's trigger id, so a
    /// retry is a charge of its own: docs/design.md §3, decision recorded in README "Billing events").
    /// - Precondition: the charge fits 64-bit millicredits (``total(complexity:usage:table:)`` is
    ///   not `nil`), as it always does within the limits above; traps otherwise.
    public static func charge(for completed: JobCompleted, complexity: Int, table: PricingTable) -> CreditsCharged {
        CreditsCharged(
            triggerId: completed.triggerId, account: completed.job.account, app: completed.job.app, job: completed.job.job,
            executionId: completed.executionId, status: completed.status, pricingVersion: table.version,
            lineItems: lineItems(complexity: complexity, usage: completed.usage, table: table))
    }

    /// ``charge(for:complexity:table:)``, or `nil` for a run that is not charged (it never started:
    /// ``JobCompleted/isCharged``) and where it would trap (a charge past 64-bit millicredits: only
    /// usage outside the limits above, e.g. a completion published by hand).
    public static func chargeIfPriceable(for completed: JobCompleted, complexity: Int, table: PricingTable) -> CreditsCharged? {
        guard completed.isCharged else { return nil }
        guard total(complexity: complexity, usage: completed.usage, table: table) != nil else { return nil }
        return charge(for: completed, complexity: complexity, table: table)
    }

    /// The total of ``lineItems(complexity:usage:table:)`` (what ``charge(for:complexity:table:)``
    /// charges), without building the items: an audit prices every completion in the log to check
    /// its charge. `nil` exactly where `charge` traps (an amount or the sum past 64-bit
    /// millicredits): workers bound each usage total of a run (`RunReport.maximumQuantity`) so
    /// that their charges never get there, but an audit reads whatever the log holds, kcat's
    /// events included. `PricingArithmeticTests` holds it to `charge(...).total`.
    public static func total(complexity: Int, usage: RunUsage, table: PricingTable) -> Millicredits? {
        var total = base(complexity, table).rawValue
        func add(_ amount: Int64?) -> Bool {
            guard let amount else { return false }
            let (sum, overflow) = total.addingReportingOverflow(amount)
            total = sum
            return !overflow
        }
        for usage in usage.ai {
            let rate = rate(of: usage.model, table).rate
            if usage.inputTokens > 0, !add(roundedPerThousand(usage.inputTokens, rate.inputPer1000)) { return nil }
            if usage.outputTokens > 0, !add(roundedPerThousand(usage.outputTokens, rate.outputPer1000)) { return nil }
        }
        if usage.emails > 0 {
            let (amount, overflow) = usage.emails.multipliedReportingOverflow(by: table.emailEach.rawValue)
            if overflow || !add(amount) { return nil }
        }
        if usage.sms > 0 {
            let (amount, overflow) = usage.sms.multipliedReportingOverflow(by: table.smsEach.rawValue)
            if overflow || !add(amount) { return nil }
        }
        return Millicredits(total)
    }

    /// The base price of `complexity`, clamped to the table's range (1…10).
    private static func base(_ complexity: Int, _ table: PricingTable) -> Millicredits {
        table.baseByComplexity[min(max(complexity, 1), table.baseByComplexity.count) - 1]
    }

    /// The rate of `model`, and whether the table knows it: an unknown model is priced at the
    /// default model's rate (zero if the table has none).
    private static func rate(of model: String, _ table: PricingTable) -> (rate: PricingTable.AIRate, known: Bool) {
        if let rate = table.aiModels[model] { return (rate, true) }
        return (table.aiModels[table.defaultAIModel] ?? PricingTable.AIRate(inputPer1000: .zero, outputPer1000: .zero), false)
    }

    /// `quantity × price / 1000` rounded half up. Traps where the product or its rounding passes
    /// 64 bits (never within the limits above).
    static func perThousand(_ quantity: Int64, _ price: Millicredits) -> Millicredits {
        Millicredits(roundedPerThousand(quantity, price)!)
    }

    /// ``perThousand(_:_:)`` without its trap: `nil` where it traps. (A product past 64 bits used
    /// to saturate, which priced a hand-written completion at `Int64.max` when nothing else was
    /// added to it, instead of calling it unpriceable.)
    private static func roundedPerThousand(_ quantity: Int64, _ price: Millicredits) -> Int64? {
        let (product, overflow) = quantity.multipliedReportingOverflow(by: price.rawValue)
        guard !overflow, product <= Int64.max - 500 else { return nil }
        return (product + 500) / 1000
    }
}
