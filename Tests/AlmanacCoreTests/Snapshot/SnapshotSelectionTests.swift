import AlmanacCore
import Foundation
import Testing

@Suite struct SnapshotSelectionTests {
    static let all = ["config", "control", "ticks", "executions"]

    static func state(apps: Int) -> SchedulerState {
        var state = SchedulerState()
        for index in 0..<apps {
            state.apply(EventEnvelope(source: "t", time: RandomLog.base.addingTimeInterval(Double(index)), event: .appConfigured(AppConfigured(
                config: AppConfiguration(app: "app\(index)", account: "acct", jobs: [JobConfiguration(name: "job", schedule: "*:*", command: ["x"])])))))
        }
        return state
    }

    /// The records a writer leaves for `snapshot` as sequence `sequence`.
    static func records(_ snapshot: ProjectionSnapshot, sequence: Int64, chunkSize: Int = 100) throws -> [String: [UInt8]] {
        let encoded = try SnapshotCodec.encode(snapshot, sequence: sequence, chunkSize: chunkSize)
        var records = [encoded.manifest.key: encoded.manifestBytes]
        for (index, chunk) in encoded.chunks.enumerated() { records[encoded.manifest.chunkKey(index)] = chunk }
        return records
    }

    static func snapshot(apps: Int, offset: Int64, at seconds: Double) -> ProjectionSnapshot {
        ProjectionSnapshot(topics: all, eventTime: RandomLog.base.addingTimeInterval(seconds), writtenAt: RandomLog.base.addingTimeInterval(seconds),
                           positions: [SnapshotPosition(topic: "almanac.config", partition: 0, offset: offset)], state: state(apps: apps))
    }

    static func bounds(low: Int64, high: Int64 = 1000) -> (String, Int32) -> (low: Int64, high: Int64)? { { _, _ in (low, high) } }

    @Test func choose_whenTwoValid_takesTheNewest() throws {
        let records = try Self.records(Self.snapshot(apps: 2, offset: 2, at: 10), sequence: 1)
            .merging(Self.records(Self.snapshot(apps: 3, offset: 3, at: 20), sequence: 2)) { $1 }
        let selection = SnapshotSelection.choose(records: records, topics: Self.all, prefix: "almanac.", bounds: Self.bounds(low: 0))
        #expect(selection.snapshot?.state.apps.count == 3)
        #expect(selection.rejections.isEmpty)
        #expect(selection.sequences == [ProjectionSnapshot.name(Self.all): 2])
    }

    @Test func choose_whenNewestIsBehindTheLowWatermark_fallsBackToOlderThenToNothing() throws {
        let records = try Self.records(Self.snapshot(apps: 2, offset: 50, at: 10), sequence: 1)
            .merging(Self.records(Self.snapshot(apps: 3, offset: 3, at: 20), sequence: 2)) { $1 }
        let older = SnapshotSelection.choose(records: records, topics: Self.all, prefix: "almanac.", bounds: Self.bounds(low: 10))
        #expect(older.snapshot?.state.apps.count == 2)
        #expect(older.rejections.map(\.reason) == [.offsetsGone])
        #expect(older.rejections.first?.error.detail.contains("resumes at offset 3, but the log starts at 10") == true)
        let none = SnapshotSelection.choose(records: records, topics: Self.all, prefix: "almanac.", bounds: Self.bounds(low: 60))
        #expect(none.snapshot == nil)
        #expect(none.rejections.map(\.reason) == [.offsetsGone, .offsetsGone])
        let ahead = SnapshotSelection.choose(records: records, topics: Self.all, prefix: "almanac.", bounds: Self.bounds(low: 0, high: 2))
        #expect(ahead.rejections.map(\.reason) == [.aheadOfLog, .aheadOfLog])
        #expect(ahead.snapshot == nil)
    }

    @Test func choose_whenNewestIsCorruptOrNewerMajor_fallsBackAndSaysWhy() throws {
        var records = try Self.records(Self.snapshot(apps: 2, offset: 2, at: 10), sequence: 1)
            .merging(Self.records(Self.snapshot(apps: 3, offset: 3, at: 20), sequence: 2)) { $1 }
        let newest = "\(ProjectionSnapshot.name(Self.all))/0"
        records[newest + "/1"] = Array("garbage".utf8)
        let torn = SnapshotSelection.choose(records: records, topics: Self.all, prefix: "almanac.", bounds: Self.bounds(low: 0))
        #expect(torn.snapshot?.state.apps.count == 2)
        #expect(torn.rejections.map(\.reason) == [.corrupt])
        #expect(torn.rejections.first?.error.detail.contains("do not match the manifest") == true)

        records[newest] = Array(#"{"version":"2.0","projection":"x"}"#.utf8)
        let newer = SnapshotSelection.choose(records: records, topics: Self.all, prefix: "almanac.", bounds: Self.bounds(low: 0))
        #expect(newer.rejections.map(\.reason) == [.unsupportedVersion])
        #expect(newer.rejections.first?.error.detail == "manifest.version: unsupported major version 2 (this build reads 1.x)")
        #expect(newer.snapshot?.state.apps.count == 2)

        records[newest] = Array("{not json".utf8)
        let corrupt = SnapshotSelection.choose(records: records, topics: Self.all, prefix: "almanac.", bounds: Self.bounds(low: 0))
        #expect(corrupt.rejections.map(\.reason) == [.corrupt])
        #expect(corrupt.rejections.first?.error.reason == .notJSON)
    }

    @Test func choose_forASubsetProjection_dropsWhatItDoesNotFold() throws {
        var snapshot = Self.snapshot(apps: 1, offset: 1, at: 10)
        snapshot.state.apply(EventEnvelope(source: "t", time: RandomLog.base, event: .tickCompleted(TickCompleted(minute: RandomLog.base, triggered: 0, skipped: 0, ticker: "t"))))
        snapshot.positions.append(SnapshotPosition(topic: "almanac.ticks", partition: 0, offset: 5))
        let selection = SnapshotSelection.choose(records: try Self.records(snapshot, sequence: 1), topics: ["config", "control"], prefix: "almanac.",
                                                 bounds: Self.bounds(low: 0))
        #expect(selection.snapshot?.state.lastTick == nil)
        #expect(selection.snapshot?.positions.map(\.topic) == ["almanac.config"])
        #expect(selection.snapshot?.projection == "config+control")
        // A projection that folds more than a snapshot holds cannot use it.
        let wider = SnapshotSelection.choose(records: try Self.records(snapshot.restricted(to: ["config", "control"], prefix: "almanac.")!, sequence: 1),
                                             topics: Self.all, prefix: "almanac.", bounds: Self.bounds(low: 0))
        #expect(wider.snapshot == nil && wider.rejections.isEmpty)
    }

    @Test func choose_atOrBeforeAnInstant_skipsSnapshotsThatCoverLaterEvents() throws {
        let records = try Self.records(Self.snapshot(apps: 2, offset: 2, at: 10), sequence: 1)
            .merging(Self.records(Self.snapshot(apps: 3, offset: 3, at: 20), sequence: 2)) { $1 }
        let selection = SnapshotSelection.choose(records: records, topics: Self.all, prefix: "almanac.", atOrBefore: RandomLog.base.addingTimeInterval(15),
                                                 bounds: Self.bounds(low: 0))
        #expect(selection.snapshot?.state.apps.count == 2)
        #expect(selection.snapshot?.positions.first?.offset == 2)
    }

    @Test func encode_whenStateIsLarge_cutsChunksUnderTheLimit() throws {
        let encoded = try SnapshotCodec.encode(Self.snapshot(apps: 2000, offset: 1, at: 1), sequence: 9)
        #expect(encoded.chunks.count > 1)
        #expect(encoded.chunks.allSatisfy { $0.count <= SnapshotCodec.defaultChunkSize })
        #expect(encoded.manifest.slot == 1 && encoded.manifest.key == "config+control+ticks+executions/1")
    }
}
