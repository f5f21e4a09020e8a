import Foundation
import Testing

@testable import AlmanacCore

/// The golden DST cases shared with the platform (`shared/cases/dst/cases.tsv`, copied to
/// Resources/dst-cases.tsv): expression, zone, after, the next four instants.
struct DSTCasesTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var expression: String
        var zone: String
        var after: String
        var expected: [String]
        var testDescription: String { "\(expression) \(zone) after \(after)" }
    }

    static let rows: [Row] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Resources/dst-cases.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count == 4 else { return nil }
            return Row(
                expression: columns[0], zone: columns[1], after: columns[2],
                expected: columns[3].split(separator: " ").map(String.init))
        }
    }()

    @Test func casesFile_isReadAndComplete() {
        #expect(Self.rows.count == 26)
    }

    @Test(arguments: rows)
    func next_whenGoldenCase_matchesExpectedInstants(row: Row) throws {
        let got = try ScheduleTestSupport.next(row.expression, zone: row.zone, after: row.after, count: row.expected.count)
        #expect(got == row.expected)
        // Each expected instant is also what `next` returns from just before it.
        let schedule = try ScheduleTestSupport.schedule(row.expression, zone: row.zone)
        for text in row.expected {
            let instant = ScheduleTestSupport.date(text)
            #expect(schedule.next(after: instant.addingTimeInterval(-1)) == instant)
        }
    }
}
