import AlmanacCore
import Foundation
import Testing

/// A job's complexity over time: charges are priced by the value in force when the run completed
/// (by event time), so a run recovered after a crash, or one whose job was edited while it ran,
/// is charged what `almanac audit verify` expects.
@Suite struct ComplexityHistoryTests {
    static func at(_ text: String) -> Date { RFC3339.parse(text)! }
    static func configured(complexity: Int, at time: String, schedule: String = "*:00") -> EventEnvelope {
        EventEnvelope(source: "t", time: at(time), event: .appConfigured(AppConfigured(config: AppConfiguration(
            app: "clinic", account: "acme", jobs: [JobConfiguration(name: "remind", schedule: schedule, command: ["/bin/true"], complexity: complexity)]))))
    }
    static let key = JobKey(account: "acme", app: "clinic", job: "remind")

    @Test func complexity_isTheValueInForceAtTheInstant() throws {
        var state = SchedulerState()
        state.apply(Self.configured(complexity: 3, at: "2026-03-02T13:00:00Z"))
        state.apply(Self.configured(complexity: 7, at: "2026-03-02T14:00:00Z"))
        let job = try #require(state.job(Self.key))
        #expect(job.config.complexity == 7)
        #expect(job.complexity(at: Self.at("2026-03-02T13:59:59Z")) == 3)
        #expect(job.complexity(at: Self.at("2026-03-02T14:00:00Z")) == 7)
        #expect(job.complexity(at: Self.at("2026-03-02T15:00:00Z")) == 7)
        // Before the first configuration the log shows: the oldest value.
        #expect(job.complexity(at: Self.at("2026-03-02T12:00:00Z")) == 3)
    }

    @Test func reapplyingOrEditingOtherFields_addsNoChange_outOfOrderEditsStaySorted() throws {
        var state = SchedulerState()
        state.apply(Self.configured(complexity: 3, at: "2026-03-02T13:00:00Z"))
        state.apply(Self.configured(complexity: 3, at: "2026-03-02T13:30:00Z", schedule: "9:00"))
        state.apply(Self.configured(complexity: 5, at: "2026-03-02T15:00:00Z"))
        // Stamped earlier than the previous one (another producer's clock), applied later.
        state.apply(Self.configured(complexity: 9, at: "2026-03-02T14:00:00Z"))
        let job = try #require(state.job(Self.key))
        #expect(job.complexityHistory.map(\.complexity) == [3, 9, 5])
        #expect(job.complexity(at: Self.at("2026-03-02T14:30:00Z")) == 9)
        #expect(job.complexity(at: Self.at("2026-03-02T16:00:00Z")) == 5)
    }

    @Test func history_keepsTheNewestChanges() throws {
        var state = SchedulerState()
        let start = Self.at("2026-03-02T00:00:00Z")
        for n in 0..<(SchedulerState.complexityHistoryLimit + 5) {
            state.apply(Self.configured(complexity: n % 2 == 0 ? 2 : 4, at: RFC3339.utcMilliseconds(start.addingTimeInterval(Double(n) * 60))))
        }
        let job = try #require(state.job(Self.key))
        #expect(job.complexityHistory.count == SchedulerState.complexityHistoryLimit)
        #expect(job.complexityHistory.last?.from == start.addingTimeInterval(Double(SchedulerState.complexityHistoryLimit + 4) * 60))
    }
}
