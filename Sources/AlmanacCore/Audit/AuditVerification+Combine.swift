import Foundation

extension AuditVerification {
    /// One verification out of verifications of consecutive windows of one log (a whole-log
    /// verify read window by window): runs, billing and findings added up, findings sorted, the
    /// billing identity judged once over the sums (``AuditReconciler/verify(from:to:pricing:)``'s
    /// rule). Each run belongs to exactly one window (by its fire or request time), so the parts
    /// add up to the verification of the whole.
    /// - Parameters:
    ///   - parts: verifications of consecutive windows, oldest first (at least one).
    ///   - apps: the apps of the whole log (a part counts only those it saw).
    ///   - counts: what the reads read, all parts together.
    public static func combining(_ parts: [AuditVerification], apps: Int, counts: AuditLog.Counts) -> AuditVerification {
        precondition(!parts.isEmpty, "at least one part")
        var billing = Billing()
        var findings: [AuditDiscrepancy] = []
        var runs = 0
        var saturated = false
        for part in parts {
            saturated = saturated || part.billing.charged == Millicredits(Int64.max) || part.billing.priced == Millicredits(Int64.max)
            runs += part.runs
            findings += part.discrepancies
            var partBilling = part.billing
            partBilling.holds = true  // judged again below, over the sums (a saturated sum breaks it)
            billing.add(partBilling)
        }
        billing.holds = billing.holds && !saturated && billing.charged == billing.priced
            && !findings.contains { [.noCharge, .chargeWithoutCompletion, .conflictingCharge, .mispricedCharge].contains($0.kind) }
        return AuditVerification(from: parts[0].from, to: parts[parts.count - 1].to, asOf: parts.map(\.asOf).max()!, apps: apps, runs: runs,
                                 billing: billing, discrepancies: findings.sorted(), counts: counts)
    }
}
