import AlmanacCore
import Foundation
import Testing

/// For random event logs, a snapshot taken at any cut point, encoded, decoded, and folded with the
/// rest of the log, gives exactly the state of folding the whole log.
@Suite struct SnapshotFoldPropertyTests {
    @Test func snapshotPlusTail_whenCutAtEveryPoint_equalsFullReplay() throws {
        for seed in UInt64(1)...40 {
            var random = SplitMix64(seed: seed)
            let log = RandomLog.events(count: 60, using: &random)
            var full = RandomLog.initialState
            for event in log { full.apply(event) }
            var prefix = RandomLog.initialState
            for cut in 0...log.count {
                if cut > 0 { prefix.apply(log[cut - 1]) }
                let snapshot = ProjectionSnapshot(
                    topics: ["config", "control", "ticks", "executions"], eventTime: log.prefix(cut).map(\.time).max(),
                    writtenAt: RandomLog.base, positions: [SnapshotPosition(topic: "almanac.config", partition: 0, offset: Int64(cut))],
                    state: prefix)
                let encoded = try SnapshotCodec.encode(snapshot, sequence: Int64(cut), chunkSize: 1 + Int(seed % 7) * 97)
                let manifest = try SnapshotCodec.decodeManifest(encoded.manifestBytes)
                var loaded = try SnapshotCodec.decode(manifest, chunks: encoded.chunks)
                #expect(loaded == snapshot, "seed \(seed), cut \(cut): the decoded snapshot differs from the one encoded")
                for event in log[cut...] { loaded.state.apply(event) }
                #expect(loaded.state == full, "seed \(seed), cut \(cut): snapshot + tail differs from the full replay: \(ProjectionDiff.differences(full, loaded.state).prefix(3))")
            }
        }
    }
}

/// Random config, control, ticks and executions events over three apps, including events the
/// fold rejects (unknown apps and jobs, another account) and unparsable schedules.
enum RandomLog {
    static let base = Date(timeIntervalSinceReferenceDate: 794_000_000.123_456)
    static let apps = ["a1", "a2", "a3"]
    static let jobs = ["j1", "j2", "j3"]
    static let schedules: [String?] = ["*:*", "9:00", "8-19:00", "*/15 * * * *", nil, "not a schedule"]
    static let zones = ["America/New_York", "Europe/Berlin", "UTC"]

    static var initialState: SchedulerState {
        var state = SchedulerState()
        state.recentRunLimit = 3
        return state
    }

    static func events(count: Int, using random: inout SplitMix64) -> [EventEnvelope] {
        var time = base
        return (0..<count).map { _ in
            time = time.addingTimeInterval(Double(random.next() % 100_000) / 997)
            // Now and then an event stamped before the previous one (other partitions, clock skew).
            let stamped = random.next() % 5 == 0 ? time.addingTimeInterval(-Double(random.next() % 1000)) : time
            return EventEnvelope(source: "t", time: stamped, event: event(at: stamped, using: &random))
        }
    }

    private static func event(at time: Date, using random: inout SplitMix64) -> AlmanacEvent {
        let app = apps[Int(random.next() % 3)]
        let account = random.next() % 10 == 0 ? "other" : "acct"
        let job = jobs[Int(random.next() % 3)]
        let key = JobKey(account: account, app: app, job: job)
        let trigger = TriggerID("\(key)@\(Int(random.next() % 1000))")
        switch random.next() % 9 {
        case 0, 1:
            let names = jobs.filter { _ in random.next() % 3 != 0 }
            return .appConfigured(AppConfigured(config: AppConfiguration(
                app: app, account: account, timeZone: zones[Int(random.next() % 3)],
                jobs: names.map { JobConfiguration(name: $0, schedule: schedules[Int(random.next() % 6)], command: ["x", $0],
                                                   complexity: 1 + Int(random.next() % 10), params: random.next() % 2 == 0 ? nil : .object(["n": .double(1.5)])) })))
        case 2:
            return .appRemoved(AppRemoved(app: app, account: account))
        case 3:
            return .schedulePaused(ScheduleToggled(app: app, job: random.next() % 2 == 0 ? nil : job, reason: "r\(random.next() % 9)", actor: random.next() % 2 == 0 ? nil : "ops"))
        case 4:
            return .scheduleResumed(ScheduleToggled(app: app, job: random.next() % 2 == 0 ? nil : job))
        case 5:
            return .tickCompleted(TickCompleted(minute: time.addingTimeInterval(-Double(random.next() % 7200)), triggered: 1, skipped: 0, ticker: "t"))
        case 6:
            return .jobSkipped(JobSkipped(triggerId: trigger, job: key, scheduledFor: time.addingTimeInterval(-60), reason: .paused))
        default:
            return .jobCompleted(JobCompleted(triggerId: trigger, executionId: "e", job: key, status: random.next() % 2 == 0 ? .succeeded : .failed,
                                              attempt: 1 + Int(random.next() % 3), exitCode: 0, startedAt: time.addingTimeInterval(-Double(random.next() % 500) / 7),
                                              finishedAt: time, usage: RunUsage()))
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failing seed replays.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
