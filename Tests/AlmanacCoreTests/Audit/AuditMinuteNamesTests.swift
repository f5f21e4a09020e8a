@testable import AlmanacCore
import Foundation
import Testing

/// The reconciler's cache of formatted minutes gives what formatting each time gives.
@Suite struct AuditMinuteNamesTests {
    @Test func name_equalsRFC3339Minute_cachedOrNot() {
        var names = MinuteNames()
        let base = Date(timeIntervalSince1970: 1_772_456_400)  // 2026-03-02T13:00:00Z
        let instants = [base, base.addingTimeInterval(59.999), base.addingTimeInterval(60), base.addingTimeInterval(-0.5),
                        Date(timeIntervalSince1970: 0), base.addingTimeInterval(86_400 * 300)]
        for _ in 0..<2 {
            for instant in instants { #expect(names.name(of: instant) == RFC3339.minute(instant)) }
        }
        #expect(names.name(of: base) == "2026-03-02T13:00Z")
    }

    @Test func scheduledID_fromPrefixAndName_equalsTriggerIDScheduled() {
        var names = MinuteNames()
        let key = JobKey(account: "acct", app: "app", job: "job")
        let minute = Date(timeIntervalSince1970: 1_772_456_460)
        #expect(TriggerID("\(key)@" + names.name(of: minute)) == TriggerID.scheduled(key, at: minute))
    }
}
