import AlmanacCore
import Foundation
import Testing

/// `TriggerID.scheduledMinute`: the slot a completed run was for, from its id (docs/design.md §3).
@Suite struct TriggerIDSlotTests {
    @Test func scheduledMinute_whenScheduledOrRetry_isTheSlot() {
        let slot = RFC3339.parse("2026-03-02T13:00:00Z")!
        let job = JobKey(account: "acme", app: "clinic", job: "remind")
        #expect(TriggerID.scheduled(job, at: slot).scheduledMinute == slot)
        #expect(TriggerID.scheduled(job, at: slot).retry(attempt: 2).scheduledMinute == slot)
    }

    @Test(arguments: ["6a1f0c9e-3b7d-4c21-9e55-0d8f2b4a7c10", "acme/clinic/remind@2026-03-02T13:00Z/batch#2",
                      "acme/clinic/remind@2026-03-02T13:00Z~x", "acme/clinic/remind@yesterday"])
    func scheduledMinute_whenManualFollowUpOrMalformed_isNil(id: String) {
        #expect(TriggerID(id).scheduledMinute == nil)
    }
}
