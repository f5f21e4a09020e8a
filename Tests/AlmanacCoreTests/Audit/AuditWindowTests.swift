@testable import AlmanacCore
import Foundation
import Testing

/// ``AuditWindow``'s ranges and lookahead, and ``AuditVerification/combining(_:apps:counts:)``:
/// verifications of consecutive windows add up to the verification of the whole log.
@Suite struct AuditWindowTests {
    static func at(_ text: String) -> Date { RFC3339.parse(text)! }

    @Test func range_whenRoleDiffers_coversTheWindowWithLookbackAndLookahead() {
        let window = AuditWindow(from: Self.at("2026-03-02T10:00:00Z"), to: Self.at("2026-03-02T11:00:00Z"), margin: 120, lookahead: 600)
        #expect(window.range(.whole) == nil)
        #expect(window.range(.outcomes) == Self.at("2026-03-02T10:00:00Z")..<Self.at("2026-03-02T11:10:00Z"))
        #expect(window.range(.triggers) == Self.at("2026-03-02T09:50:00Z")..<Self.at("2026-03-02T11:10:00Z"))
        let outcomes = window.range(.outcomes)!
        #expect(window.startThreshold(outcomes) == Self.at("2026-03-02T09:58:00Z"))
        #expect(window.endThreshold(outcomes) == Self.at("2026-03-02T11:12:00Z"))
    }

    @Test func lookahead_whenJobsRetry_addsEveryAttemptAndItsBackoff() {
        #expect(AuditWindow.lookahead(jobs: []) == AuditWindow.minimumLookahead)
        #expect(AuditWindow.lookahead(jobs: [(timeoutSeconds: 600, retries: 0)]) == 665)
        // 3 attempts of 60 + 65 s, backoffs 12 + 24 s.
        #expect(AuditWindow.lookahead(jobs: [(timeoutSeconds: 10, retries: 0), (timeoutSeconds: 60, retries: 2)]) == 3 * 125 + 36)
    }

    @Test func combining_whenTheLogIsVerifiedInWindows_equalsTheWholeVerification() {
        var b = AuditLogBuilder()
        b.configure("2026-03-02T14:00:00Z", schedule: "*:*/5", zone: "UTC", timeout: 60)
        for hour in 15...18 {
            for minute in stride(from: 0, to: 60, by: 5) {
                let m = String(format: "2026-03-02T%02d:%02d:00Z", hour, minute)
                let written = String(format: "2026-03-02T%02d:%02d:01Z", hour, minute)
                let finished = String(format: "2026-03-02T%02d:%02d:30Z", hour, minute)
                b.tick(m, written: written)
                if hour == 16 && minute == 20 { continue }  // never triggered: a finding
                b.trigger(m, written: written)
                b.complete(AuditLogBuilder.id(m), at: finished, charge: !(hour == 17 && minute == 40))  // one uncharged
            }
        }
        b.log.finish()
        let pricing = PricingSchedule([.standard])
        let reconciler = AuditReconciler(b.log)
        let whole = reconciler.verify(pricing: pricing)
        let cuts = [Self.at("2026-03-02T14:00:00Z"), Self.at("2026-03-02T15:37:00Z"), Self.at("2026-03-02T16:20:00Z"), Self.at("2026-03-02T17:59:30Z")]
        var parts: [AuditVerification] = []
        for (i, from) in cuts.enumerated() {
            parts.append(reconciler.verify(from: from, to: i + 1 < cuts.count ? cuts[i + 1] : nil, pricing: pricing))
        }
        let combined = AuditVerification.combining(parts, apps: whole.apps, counts: whole.counts)
        #expect(whole.discrepancies.count == 2)
        #expect(combined.discrepancies == whole.discrepancies)
        #expect(combined.runs == whole.runs)
        #expect(combined.billing == whole.billing)
        #expect(!combined.billing.holds)
        #expect(combined.from == whole.from && combined.to == whole.to)
    }
}
