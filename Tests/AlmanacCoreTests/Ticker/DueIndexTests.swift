import Foundation
import Testing

@testable import AlmanacCore

/// The due index returns, minute by minute, exactly what a scan of every job returns
/// (`next(afterEpochMinute: m - 1) == m`, and only after the job took effect), across DST days,
/// skipped minutes, far schedules, and inserts / removals / replacements in between.
struct DueIndexTests {
    typealias Support = ScheduleTestSupport
    typealias Handle = DueIndex.JobHandle

    static let expressions = [
        "*:*", "*:00", "*:30", "9:00", "2:30", "1:30", "8-19:00", "mon-fri 8-18:*/15", "sat,sun 10:00",
        "*/7 * * * *", "30 2 * * *", "0 3 * * *", "*/30 1 * * *", "0,30 0-3 * * *", "15 1 * * 0", "@hourly",
        "@daily", "0 0 1 * *", "0 12 L * *", "0 0 * * 1#1", "45 23 * * *", "0 2 * * *", "59 1 * * *",
        "0 0 29 2 *", "@yearly", "0 6 * * 5L",
    ]
    static let zones = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "UTC", "Asia/Kolkata"]

    /// A job as the naive scan sees it.
    struct Job {
        var schedule: CompiledSchedule
        var after: Int64
    }

    static func minute(_ text: String) -> Int64 {
        Int64((Support.date(text).timeIntervalSince1970 / 60).rounded(.down))
    }

    /// What `TickPlanner` does today: every job, `next(after: m - 1) == m`, only after it took effect.
    static func naiveDue(_ jobs: [Int32: Job], at m: Int64) -> [Handle] {
        jobs.filter { _, job in m > job.after && job.schedule.next(afterEpochMinute: m - 1) == m }
            .keys.sorted().map(Handle.init)
    }

    /// Every expression in every zone, plus a second job on each of the first zone's calendars.
    static func allJobs(after: Int64) throws -> [Int32: Job] {
        var jobs: [Int32: Job] = [:]
        var handle: Int32 = 0
        for zone in zones {
            for text in expressions {
                jobs[handle] = Job(schedule: try Support.schedule(text, zone: zone), after: after)
                handle += 1
            }
        }
        for text in expressions {
            jobs[handle] = Job(schedule: try Support.schedule(text, zone: zones[0]), after: after)
            handle += 1
        }
        return jobs
    }

    static func index(_ jobs: [Int32: Job], after: Int64) -> DueIndex {
        var index = DueIndex(afterEpochMinute: after)
        for (handle, job) in jobs.sorted(by: { $0.key < $1.key }) {
            index.insert(Handle(handle), schedule: job.schedule, afterEpochMinute: job.after)
        }
        return index
    }

    @Test func popDue_overEveryMinuteAroundDSTChanges_matchesNaiveScan() throws {
        // 16 hours around each 2026 transition of the DST zones; the gaps between windows are skipped.
        let transitions = [
            "2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z",  // New York
            "2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z",  // Berlin
            "2026-04-04T15:00:00Z", "2026-10-03T15:30:00Z",  // Lord Howe (30-minute DST)
            "2026-04-05T03:00:00Z", "2026-09-06T04:00:00Z",  // Santiago
        ].map(Self.minute).sorted()
        let start = transitions[0] - 8 * 60 - 1
        let jobs = try Self.allJobs(after: start)
        var index = Self.index(jobs, after: start)
        #expect(index.count == jobs.count)
        #expect(index.distinctScheduleCount < jobs.count)
        var returned = 0
        var popped = start
        for transition in transitions {
            for m in max(popped + 1, transition - 8 * 60)..<(transition + 8 * 60) {  // windows may overlap
                popped = m
                let due = index.popDue(atEpochMinute: m)
                let expected = Self.naiveDue(jobs, at: m)
                #expect(due == expected, "minute \(m)")
                if due != expected { return }
                returned += due.count
            }
        }
        #expect(returned > 10_000)
    }

    @Test func popDue_whenMinutesAreSkipped_matchesNaiveScanAtEachPoppedMinute() throws {
        let start = Self.minute("2026-01-01T00:00:00Z")
        let jobs = try Self.allJobs(after: start)
        var index = Self.index(jobs, after: start)
        var random = Support.SeededGenerator(seed: 8)
        var cursor = start
        for step in 0..<600 {
            let m: Int64
            if step % 2 == 0 {
                // The earliest fire of any job: the pop returns something.
                m = jobs.values.compactMap { $0.schedule.next(afterEpochMinute: cursor) }.min()!
            } else {
                m = cursor + Int64.random(in: 1...20_000, using: &random)  // past the bucket window too
            }
            let due = index.popDue(atEpochMinute: m)
            let expected = Self.naiveDue(jobs, at: m)
            #expect(due == expected, "step \(step), minute \(m)")
            if due != expected { return }
            if step % 2 == 0 { #expect(!due.isEmpty) }
            cursor = m
        }
        #expect(cursor > Self.minute("2028-01-01T00:00:00Z"))  // leap day and yearly jobs came round
    }

    @Test func popDue_whenInsertsRemovesAndReplacementsInterleave_matchesNaiveScan() throws {
        let start = Self.minute("2026-10-31T12:00:00Z")
        var random = Support.SeededGenerator(seed: 3)
        var jobs: [Int32: Job] = [:]
        var index = DueIndex(afterEpochMinute: start)
        var m = start
        for _ in 0..<3_000 {
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                let handle = Int32.random(in: 0..<400, using: &random)
                if Bool.random(using: &random), jobs[handle] != nil {
                    let removed = index.remove(Handle(handle))
                    #expect(removed)
                    jobs[handle] = nil
                } else {
                    let schedule = try Support.schedule(
                        Self.expressions.randomElement(using: &random)!, zone: Self.zones.randomElement(using: &random)!)
                    let after = m + Int64.random(in: -30...90, using: &random)  // some take effect later
                    index.insert(Handle(handle), schedule: schedule, afterEpochMinute: after)
                    jobs[handle] = Job(schedule: schedule, after: after)
                }
            }
            m += Int64.random(in: 1...3, using: &random)
            let due = index.popDue(atEpochMinute: m)
            let expected = Self.naiveDue(jobs, at: m)
            #expect(due == expected, "minute \(m)")
            if due != expected { return }
            #expect(index.count == jobs.count)
        }
        for handle in jobs.keys {
            let removed = index.remove(Handle(handle))
            #expect(removed)
        }
        #expect(index.count == 0)
        #expect(index.distinctScheduleCount == 0)
    }

    @Test(arguments: [
        ("*:*", "2026-03-08", 1380), ("*:*", "2026-11-01", 1500), ("*:*", "2026-07-01", 1440),
        ("*:00", "2026-03-08", 23), ("*:00", "2026-11-01", 25), ("2:30", "2026-03-08", 1), ("1:30", "2026-11-01", 1),
    ])
    func popDue_overNewYorkDSTDays_firesAsDesignSays(expression: String, day: String, runs: Int) throws {
        let localStart = Calendar.newYork.startOfDay(for: Support.date("\(day)T12:00:00Z"))
        let localEnd = Calendar.newYork.date(byAdding: .day, value: 1, to: localStart)!
        let before = Int64(localStart.timeIntervalSince1970 / 60) - 1
        var index = DueIndex(afterEpochMinute: before)
        index.insert(Handle(0), schedule: try Support.schedule(expression), afterEpochMinute: before)
        var count = 0
        for m in Int64(localStart.timeIntervalSince1970 / 60)..<Int64(localEnd.timeIntervalSince1970 / 60) {
            count += index.popDue(atEpochMinute: m).count
        }
        #expect(count == runs)
    }

    @Test func insert_whenCalendarsRepeat_sharesOneCompiledSchedule() throws {
        var index = DueIndex(afterEpochMinute: Self.minute("2026-06-01T00:00:00Z"))
        let after = index.firstUnpoppedEpochMinute - 1
        let texts = ["*:00", "0 * * * *", "@hourly", "9:00", "0 9 * * *"]
        for handle in 0..<1_000 {
            index.insert(Handle(Int32(handle)), schedule: try Support.schedule(texts[handle % texts.count]), afterEpochMinute: after)
        }
        index.insert(Handle(1_000), schedule: try Support.schedule("9:00", zone: "Europe/Berlin"), afterEpochMinute: after)
        index.insert(Handle(1_001), schedule: try Support.schedule("0 0-23 * * *"), afterEpochMinute: after)  // fixed-time, not interval
        #expect(index.count == 1_002)
        #expect(index.distinctScheduleCount == 4)
        for handle in 0..<1_000 where handle % texts.count >= 3 { index.remove(Handle(Int32(handle))) }
        #expect(index.distinctScheduleCount == 3)
        #expect(index.schedule(of: Handle(1))?.expression.isInterval == true)
    }

    @Test func remove_whenJobWasDueNext_isNotReturned() throws {
        let start = Self.minute("2026-06-01T12:00:00Z")
        var index = DueIndex(afterEpochMinute: start)
        index.insert(Handle(0), schedule: try Support.schedule("*:*"), afterEpochMinute: start)
        index.insert(Handle(1), schedule: try Support.schedule("*:*"), afterEpochMinute: start)
        let removals = [index.remove(Handle(0)), index.remove(Handle(0)), index.remove(Handle(99))]
        #expect(removals == [true, false, false])
        #expect(index.popDue(atEpochMinute: start + 1) == [Handle(1)])
    }

    @Test func insert_whenJobIsAlreadyIn_replacesItsSchedule() throws {
        let start = Self.minute("2026-06-01T12:00:00Z")  // 08:00 in New York
        var index = DueIndex(afterEpochMinute: start)
        index.insert(Handle(5), schedule: try Support.schedule("*:*"), afterEpochMinute: start)
        index.insert(Handle(5), schedule: try Support.schedule("8:30"), afterEpochMinute: start)
        #expect(index.count == 1)
        #expect(index.nextFireEpochMinute(of: Handle(5)) == start + 30)
        #expect(index.popDue(atEpochMinute: start + 1) == [])
        #expect(index.popDue(atEpochMinute: start + 30) == [Handle(5)])
        #expect(index.nextFireEpochMinute(of: Handle(5)) == start + 30 + 1440)
    }

    @Test func popDue_whenMinuteWasAlreadyPopped_returnsNothing() throws {
        let start = Self.minute("2026-06-01T12:00:00Z")
        var index = DueIndex(afterEpochMinute: start)
        index.insert(Handle(0), schedule: try Support.schedule("*:*"), afterEpochMinute: start - 100)
        #expect(index.popDue(atEpochMinute: start) == [])
        #expect(index.popDue(atEpochMinute: start + 1) == [Handle(0)])
        #expect(index.popDue(atEpochMinute: start + 1) == [])
        // Inserted "after" a popped minute: still never fires at or before it.
        index.insert(Handle(1), schedule: try Support.schedule("*:*"), afterEpochMinute: start - 100)
        #expect(index.nextFireEpochMinute(of: Handle(1)) == start + 2)
    }

    @Test func insert_whenScheduleNeverFiresAgain_keepsJobDormant() throws {
        let start = Self.minute("2199-12-31T23:58:00Z")
        var index = DueIndex(afterEpochMinute: start)
        index.insert(Handle(0), schedule: try Support.schedule("0 0 1 1 *", zone: "UTC"), afterEpochMinute: start + 2)
        index.insert(Handle(1), schedule: try Support.schedule("*:*", zone: "UTC"), afterEpochMinute: start)
        #expect(index.count == 2)
        #expect(index.contains(Handle(0)))
        #expect(index.nextFireEpochMinute(of: Handle(0)) == nil)  // 2200 is the calendar's limit
        #expect(index.popDue(atEpochMinute: start + 1) == [Handle(1)])
        #expect(index.popDue(atEpochMinute: start + 2) == [Handle(1)])  // 2200-01-01T00:00Z, the last minute
        #expect(index.nextFireEpochMinute(of: Handle(1)) == nil)
        #expect(index.popDue(atEpochMinute: start + 3) == [])
        let removed = index.remove(Handle(0))
        #expect(removed)
        #expect(index.count == 1)
    }

    @Test func estimatedMemoryBytes_forDistinctCalendars_staysUnderTwoHundredBytesPerJob() throws {
        let start = Self.minute("2026-06-01T00:00:00Z")
        var index = DueIndex(afterEpochMinute: start)
        let count = 20_000
        index.reserveCapacity(jobs: count, schedules: count)
        for handle in 0..<count {
            // Distinct calendars: daily at every minute of the day, in each zone.
            let text = "\(handle % 60) \(handle / 60 % 24) * * *"
            let zone = Self.zones[handle / 1440 % Self.zones.count]
            index.insert(Handle(Int32(handle)), schedule: try Support.schedule(text, zone: zone), afterEpochMinute: start)
        }
        #expect(index.distinctScheduleCount == min(count, 1440 * Self.zones.count))
        #expect(index.estimatedMemoryBytes / count <= 200)
    }
}

extension Calendar {
    fileprivate static let newYork: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/New_York")!
        return calendar
    }()
}
