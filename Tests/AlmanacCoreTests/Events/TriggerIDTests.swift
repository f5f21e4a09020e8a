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

    /// Dictionaries and sets hash ids with `_rawHashValue(seed:)` (the kept hash and the table's
    /// seed): 50,000 ids built apart from the keys are all found in a dictionary and a set, their
    /// retries are not, and equal ids hash alike under any seed.
    @Test func idsBuiltApart_findTheirKeysInDictionariesAndSets() {
        let job = JobKey(account: "acme", app: "reminders", job: "send")
        let start = Date(timeIntervalSince1970: 1_772_456_400)
        let ids = (0..<50_000).map { TriggerID.scheduled(job, at: start.addingTimeInterval(Double($0 * 60))) }
        var byID: [TriggerID: Int] = [:]
        for (index, id) in ids.enumerated() { byID[id] = index }
        let set = Set(ids)
        #expect(byID.count == ids.count && set.count == ids.count)
        for index in stride(from: 0, to: ids.count, by: 7) {
            let again = TriggerID(String(decoding: Array(ids[index].rawValue.utf8), as: UTF8.self))
            #expect(byID[again] == index)
            #expect(set.contains(again))
            #expect(byID[again.retry(attempt: 2)] == nil)
            for seed in [0, 1, -1, Int.max, 0x5EED] { #expect(again._rawHashValue(seed: seed) == ids[index]._rawHashValue(seed: seed)) }
        }
    }
}
