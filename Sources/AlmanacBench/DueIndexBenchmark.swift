import AlmanacCore
import ArgumentParser
import Foundation

/// `calendar.due_index`: the set of jobs due in one minute among N jobs, found by ``DueIndex`` vs
/// by a naive scan of every job's schedule (`next(afterEpochMinute: m - 1) == m`, TickPlanner's rule
/// with the fast `next`).
///
/// The jobs are drawn from ``ScheduleCorpus`` in order, keeping the first `due` that fire at the
/// benchmark minute (2026-06-01T13:00Z, 09:00 in New York) and the first `jobs - due` that do not,
/// so every job has its own calendar: the index shares nothing (its worst case for memory).
/// Each repetition pops the minute, checks the result equals the naive scan's, and puts the popped
/// jobs back (untimed) for the next one.
struct DueIndexBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "due-index", abstract: "due set of one minute among N jobs")

    @Option(help: "Jobs in the index.") var jobs = 1_000_000
    @Option(help: "Jobs due in the benchmark minute.") var due = 10_000
    @Option(help: "Repetitions.") var reps = 5
    @Option(help: "Which side to measure: almanac (DueIndex) or naive (scan of every schedule).") var side = "both"

    /// 2026-06-01T13:00Z.
    static let minute: Int64 = ScheduleCorpus.start2026 + 151 * 1440 + 13 * 60

    func run() throws {
        guard due > 0, due < jobs, reps > 0 else { throw ValidationError("need 0 < due < jobs and reps > 0") }
        let m = Self.minute
        Bench.trimHeap()
        let rssBefore = Bench.currentRSSBytes()
        var index = DueIndex(afterEpochMinute: m - 1)
        index.reserveCapacity(jobs: jobs, schedules: jobs)
        var dueCount = 0
        var otherCount = 0
        var corpusIndex = 0
        let buildSeconds = Bench.seconds {
            while dueCount + otherCount < jobs {
                guard corpusIndex < ScheduleCorpus.capacity else { Bench.fail("corpus too small for \(due) due jobs") }
                let schedule = ScheduleCorpus.compile(ScheduleCorpus.entry(corpusIndex))
                corpusIndex += 1
                let fires = schedule.next(afterEpochMinute: m - 1) == m
                if fires ? dueCount >= due : otherCount >= jobs - due { continue }
                if fires { dueCount += 1 } else { otherCount += 1 }
                index.insert(DueIndex.JobHandle(Int32(dueCount + otherCount - 1)), schedule: schedule, afterEpochMinute: m - 1)
            }
        }
        Bench.trimHeap()
        let rssBytesPerJob = Double(Bench.currentRSSBytes() - rssBefore) / Double(jobs)
        let estimateBytesPerJob = Double(index.estimatedMemoryBytes) / Double(jobs)
        Bench.log("due-index: \(jobs) jobs (\(index.distinctScheduleCount) distinct calendars, corpus entries read: \(corpusIndex)) in \(String(format: "%.1f", buildSeconds)) s; \(Int(rssBytesPerJob)) B/job (RSS), \(Int(estimateBytesPerJob)) B/job (estimate)")

        // The naive side scans every job's schedule (the index's shared copies: the same values).
        let schedules = (0..<jobs).map { index.schedule(of: DueIndex.JobHandle(Int32($0)))! }
        var expected: [DueIndex.JobHandle] = []
        var naiveSamples: [Double] = []
        var indexSamples: [Double] = []
        for rep in 0..<reps {
            if side != "almanac" {
                var found: [DueIndex.JobHandle] = []
                let seconds = schedules.withUnsafeBufferPointer { schedules in
                    Bench.seconds {
                        for i in 0..<schedules.count where schedules[i].next(afterEpochMinute: m - 1) == m {
                            found.append(DueIndex.JobHandle(Int32(i)))
                        }
                    }
                }
                naiveSamples.append(seconds * 1000)
                expected = found
            }
            if side != "naive" {
                // Pop a copy, so the next repetition finds the same index. `reserveCapacity` makes
                // the copy's job arrays unique before the clock starts (copy-on-write).
                var copy = index
                copy.reserveCapacity(jobs: jobs, schedules: jobs)
                var popped: [DueIndex.JobHandle] = []
                let seconds = Bench.seconds { popped = copy.popDue(atEpochMinute: m) }
                indexSamples.append(seconds * 1000)
                if popped.count != due { Bench.fail("due-index returned \(popped.count) jobs, expected \(due)") }
                if !expected.isEmpty && popped != expected { Bench.fail("due-index and the naive scan disagree") }
            }
            Bench.log("due-index rep \(rep + 1)/\(reps): index \(indexSamples.last.map { String(format: "%.2f ms", $0) } ?? "-"), naive \(naiveSamples.last.map { String(format: "%.1f ms", $0) } ?? "-")")
        }
        let common: [String: Double] = [
            "jobs": Double(jobs), "due": Double(due), "distinct_schedules": Double(index.distinctScheduleCount),
            "rss_bytes_per_job": rssBytesPerJob, "estimated_bytes_per_job": estimateBytesPerJob,
            "build_seconds": buildSeconds,
        ]
        if !indexSamples.isEmpty {
            BenchResult(
                name: "calendar.due_index", unit: "ms", samples: indexSamples, extra: common,
                notes: [
                    "measures": "DueIndex.popDue(atEpochMinute:) for one minute with \(due) of \(jobs) jobs due, each advanced to its next fire",
                    "bytes_per_job": "rss_bytes_per_job: RSS growth while building the index (heap trimmed) / jobs; estimated_bytes_per_job: DueIndex.estimatedMemoryBytes / jobs",
                ]
            ).emit()
        }
        if !naiveSamples.isEmpty {
            BenchResult(
                name: "calendar.due_index", side: "naive-scan", unit: "ms", samples: naiveSamples, extra: common,
                notes: ["measures": "next(afterEpochMinute: m - 1) == m over every job's schedule (TickPlanner's scan, fast next)"]
            ).emit()
        }
    }
}
