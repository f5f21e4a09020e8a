/// Prices runs (DESIGN.md §5 Billing): base credits of the job's complexity, plus AI tokens at the
/// model's rate per 1,000, plus emails and SMS. Integer arithmetic throughout; a fractional
/// millicredit rounds half up.
public enum Pricer {
    /// Line items for one run.
    public static func lineItems(complexity: Int, usage: RunUsage, table: PricingTable) -> [ChargeLineItem] {
        let index = min(max(complexity, 1), table.baseByComplexity.count) - 1
        let base = table.baseByComplexity[index]
        var items = [ChargeLineItem(item: "base", quantity: 1, unitPrice: base, amount: base, note: "complexity \(complexity)")]
        for usage in usage.ai {
            let known = table.aiModels[usage.model]
            let rate = known ?? table.aiModels[table.defaultAIModel] ?? PricingTable.AIRate(inputPer1000: .zero, outputPer1000: .zero)
            let note = known == nil ? "unknown model, priced at \(table.defaultAIModel) rate" : nil
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
    /// retry is a charge of its own: DESIGN.md §3, decision recorded in README "Billing events").
    public static func charge(for completed: JobCompleted, complexity: Int, table: PricingTable) -> CreditsCharged {
        CreditsCharged(
            triggerId: completed.triggerId, account: completed.job.account, app: completed.job.app, job: completed.job.job,
            executionId: completed.executionId, status: completed.status, pricingVersion: table.version,
            lineItems: lineItems(complexity: complexity, usage: completed.usage, table: table))
    }

    /// The total of ``lineItems(complexity:usage:table:)`` (what ``charge(for:complexity:table:)``
    /// charges), without building the items: an audit prices every completion in the log to check
    /// its charge. `nil` exactly where `charge` traps (an amount or the sum past 64-bit
    /// millicredits): workers bound each usage total of a run (`RunReport.maximumQuantity`) so
    /// that their charges never get there, but an audit reads whatever the log holds, kcat's
    /// events included. `PricingArithmeticTests` holds it to `charge(...).total`.
    public static func total(complexity: Int, usage: RunUsage, table: PricingTable) -> Millicredits? {
        let index = min(max(complexity, 1), table.baseByComplexity.count) - 1
        var total = table.baseByComplexity[index].rawValue
        func add(_ amount: Int64?) -> Bool {
            guard let amount else { return false }
            let (sum, overflow) = total.addingReportingOverflow(amount)
            total = sum
            return !overflow
        }
        // ``perThousand(_:_:)`` without its trap: a product past 64 bits saturates as there, and
        // rounding a product within 500 of the limit (where its `+ 500` traps) is nil.
        func perThousand(_ quantity: Int64, _ price: Millicredits) -> Int64? {
            let (product, overflow) = quantity.multipliedReportingOverflow(by: price.rawValue)
            if overflow { return Int64.max }
            guard product <= Int64.max - 500 else { return nil }
            return (product + 500) / 1000
        }
        for usage in usage.ai {
            let rate = table.aiModels[usage.model] ?? table.aiModels[table.defaultAIModel] ?? PricingTable.AIRate(inputPer1000: .zero, outputPer1000: .zero)
            if usage.inputTokens > 0, !add(perThousand(usage.inputTokens, rate.inputPer1000)) { return nil }
            if usage.outputTokens > 0, !add(perThousand(usage.outputTokens, rate.outputPer1000)) { return nil }
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

    static func perThousand(_ quantity: Int64, _ price: Millicredits) -> Millicredits {
        let product = quantity.multipliedReportingOverflow(by: price.rawValue)
        guard !product.overflow else { return Millicredits(Int64.max) }
        return Millicredits((product.partialValue + 500) / 1000)
    }
}
