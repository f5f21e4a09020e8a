import AlmanacCore
import Testing

/// Did-you-mean for unknown app ids, jobs, config keys and zones.
@Suite struct NameSuggestionsTests {
    @Test(arguments: [
        ("", "", 0), ("abc", "", 3), ("", "abc", 3), ("kitten", "sitting", 3), ("overlp", "overlap", 1),
        ("flaw", "lawn", 2), ("same", "same", 0), ("app-99999", "app-9999", 1), ("zoné", "zone", 1),
    ])
    func levenshtein_whenGivenPairs_countsEdits(a: String, b: String, expected: Int) {
        #expect(EditDistance.levenshtein(a, b) == expected)
        #expect(EditDistance.levenshtein(b, a) == expected)
    }

    @Test func closest_whenATypo_suggestsNearestFirst() {
        let known = ["clinic-reminders", "inventory-sync", "support-queue", "csv-import"]
        #expect(NameSuggestions.closest(to: "clinic-reminder", in: known) == ["clinic-reminders"])
        #expect(NameSuggestions.closest(to: "suport-queue", in: known) == ["support-queue"])
        #expect(NameSuggestions.closest(to: "Inventory-Sync", in: known) == ["inventory-sync"])
    }

    @Test func closest_whenNothingIsNear_isEmpty() {
        #expect(NameSuggestions.closest(to: "billing", in: ["clinic-reminders", "csv-import"]) == [])
        #expect(NameSuggestions.closest(to: "x", in: [String]()) == [])
    }

    @Test func closest_whenManyKnown_capsAtLimit() {
        let known = (0..<20_000).map { "app-\($0)" }
        let suggestions = NameSuggestions.closest(to: "app-99999", in: known)
        #expect(suggestions.count == 3)
        #expect(Array(suggestions.prefix(2)) == ["app-19999", "app-9999"])  // both one edit away; ties by name
    }

    @Test func unknown_whenThousandsKnown_namesCountNotEveryName() {
        let known = (0..<20_000).map { "app-\($0)" }
        let message = NameSuggestions.unknownApp("app-99999", known: known)
        #expect(message.hasPrefix(#"app "app-99999" is not configured; did you mean "app-19999", "app-9999" or "#))
        #expect(message.hasSuffix("(20000 apps are configured)"))
        #expect(message.count < 200)
    }

    @Test func unknown_whenFewKnown_listsThem() {
        #expect(NameSuggestions.unknownApp("clinic", known: ["csv-import", "clinic-reminders"])
            == #"app "clinic" is not configured; did you mean "clinic-reminders"? (known: clinic-reminders, csv-import)"#)
        #expect(NameSuggestions.unknownApp("x", known: []) == #"app "x" is not configured (no app is configured)"#)
        #expect(NameSuggestions.unknownJob("triage", app: "support-queue", known: ["triage-tickets"])
            == #"app "support-queue" has no job "triage"; did you mean "triage-tickets"? (jobs: triage-tickets)"#)
    }

    @Test func unknown_whenManyKnownAndNoSuggestion_showsAFewExamples() {
        let known = (0..<50).map { "tenant-\($0)" }
        let message = NameSuggestions.unknownApp("zzz", known: known)
        #expect(message.contains("(50 apps are configured, e.g. tenant-0, tenant-1,"))
        #expect(message.hasSuffix(", …)"))
    }

    @Test func quotedList_joinsWithConjunction() {
        #expect(NameSuggestions.quotedList(["skip", "queue", "allow"]) == #""skip", "queue" or "allow""#)
        #expect(NameSuggestions.quotedList(["a"]) == #""a""#)
    }
}
