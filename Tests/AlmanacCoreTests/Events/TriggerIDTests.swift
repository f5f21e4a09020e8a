import AlmanacCore
import Foundation
import Testing

/// `TriggerID` keeps its text's hash (computed once, Swift's seeded hash): equality, hashing and
/// dictionary lookups must still follow the text alone, including after `rawValue` changes.
@Suite struct TriggerIDTests {
    @Test func equalText_isEqualAndHashesAlike_differentTextIsNot() {
        let a = TriggerID("acme/clinic/remind@2026-03-02T13:00Z")
        let b = TriggerID(String("acme/clinic/remind@2026-03-02T13:00Z".reversed().reversed()))
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != TriggerID("acme/clinic/remind@2026-03-02T13:01Z"))
        #expect(Set([a, b, TriggerID("x")]).count == 2)
    }

    @Test func changingRawValue_rehashes() {
        var id = TriggerID("acme/clinic/remind@2026-03-02T13:00Z")
        id.rawValue = "acme/clinic/remind@2026-03-02T13:00Z~2"
        let fresh = TriggerID("acme/clinic/remind@2026-03-02T13:00Z~2")
        #expect(id == fresh && id.hashValue == fresh.hashValue)
        let table = [fresh: 1]
        #expect(table[id] == 1)
        #expect(table[TriggerID("acme/clinic/remind@2026-03-02T13:00Z")] == nil)
    }

    @Test func decodedID_findsTheIDItWasEncodedFrom() throws {
        let id = TriggerID("north/portal/sync@2026-11-01T05:30Z#2")
        let data = try JSONEncoder().encode([id])
        let decoded = try JSONDecoder().decode([TriggerID].self, from: data)
        #expect(Set(decoded).contains(id))
        #expect(decoded.first?.rawValue == id.rawValue)
    }
}
