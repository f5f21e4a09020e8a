import AlmanacCore
import ArgumentParser
import Foundation

/// `calendar.next`: `CompiledSchedule.next` for N distinct schedules (``ScheduleCorpus``: platform
/// and cron forms, 20 zones, most with DST), each asked after its own instant spread over 2026.
///
/// Prints one result (`calls/s`, the median over repetitions of one full pass over all N) with
/// `ns_per_call`, `bytes_per_schedule` (RSS growth while compiling the N schedules, heap trimmed,
/// divided by N) and the `Date`-based API's cost. With `--sample-out` it writes every
/// (N / sample)-th schedule, its instant and Almanac's answer as JSON lines for the cronsim
/// baseline (`ops/benchmarks/cronsim_next.py`), which times cronsim on them and checks agreement.
struct CalendarNextBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "calendar-next", abstract: "next fire time of N distinct schedules")

    @Option(help: "Distinct schedules.") var schedules = 1_000_000
    @Option(help: "Repetitions (full passes over all schedules).") var reps = 5
    @Option(help: "Write a sample for the cronsim baseline to this file (JSON lines).") var sampleOut: String?
    @Option(help: "Sample size.") var sample = 10_000

    func run() throws {
        guard schedules > 0, schedules <= ScheduleCorpus.capacity, reps > 0 else {
            throw ValidationError("--schedules must be in 1...\(ScheduleCorpus.capacity), --reps > 0")
        }
        let afters = (0..<schedules).map(ScheduleCorpus.after)
        Bench.trimHeap()
        let rssBefore = Bench.currentRSSBytes()
        var compiled: [CompiledSchedule] = []
        compiled.reserveCapacity(schedules)
        let compileSeconds = Bench.seconds {
            for i in 0..<schedules { compiled.append(ScheduleCorpus.compile(ScheduleCorpus.entry(i))) }
        }
        Bench.trimHeap()
        let bytesPerSchedule = Double(Bench.currentRSSBytes() - rssBefore) / Double(schedules)
        Bench.log("calendar-next: compiled \(schedules) schedules in \(String(format: "%.2f", compileSeconds)) s, \(Int(bytesPerSchedule)) B each (RSS)")

        var samples: [Double] = []
        var dateSamples: [Double] = []
        var checksum: Int64 = 0
        var dateChecksum = 0.0
        var none = 0
        for rep in 0..<reps {
            var sum: Int64 = 0
            var missing = 0
            let seconds = compiled.withUnsafeBufferPointer { schedules in
                afters.withUnsafeBufferPointer { afters in
                    Bench.seconds {
                        for i in 0..<schedules.count {
                            if let next = schedules[i].next(afterEpochMinute: afters[i]) { sum &+= next } else { missing += 1 }
                        }
                    }
                }
            }
            if rep == 0 { checksum = sum; none = missing } else if sum != checksum { Bench.fail("calendar-next: results differ between repetitions") }
            samples.append(Double(schedules) / seconds)
            // The Date API (what TickPlanner calls today) on a tenth of the schedules.
            let step = 10
            var dateSum = 0.0
            let dateSeconds = Bench.seconds {
                for i in stride(from: 0, to: compiled.count, by: step) {
                    dateSum += compiled[i].next(after: Date(timeIntervalSince1970: Double(afters[i]) * 60))?.timeIntervalSince1970 ?? 0
                }
            }
            dateChecksum = dateSum
            dateSamples.append(dateSeconds * 1e9 / Double((compiled.count + step - 1) / step))
            Bench.log("calendar-next rep \(rep + 1)/\(reps): \(Int(samples.last!)) calls/s")
        }
        let median = Bench.median(samples)
        BenchResult(
            name: "calendar.next", unit: "calls/s", samples: samples,
            extra: [
                "schedules": Double(schedules), "ns_per_call": 1e9 / median,
                "bytes_per_schedule": bytesPerSchedule,
                "compiled_schedule_stride_bytes": Double(MemoryLayout<CompiledSchedule>.stride),
                "compile_ns_per_schedule": compileSeconds * 1e9 / Double(schedules),
                "date_api_ns_per_call": Bench.median(dateSamples),
                "no_next": Double(none), "checksum": Double(checksum % 1_000_000_007),
                "date_checksum": dateChecksum.truncatingRemainder(dividingBy: 1_000_000_007),
            ],
            notes: [
                "api": "CompiledSchedule.next(afterEpochMinute:), one pass over all schedules per repetition",
                "bytes_per_schedule": "RSS growth while compiling all schedules (heap trimmed) / schedules",
            ]
        ).emit()

        if let sampleOut { try writeSample(to: sampleOut, compiled: compiled, afters: afters) }
    }

    private func writeSample(to path: String, compiled: [CompiledSchedule], afters: [Int64]) throws {
        let count = min(sample, compiled.count)
        let step = compiled.count / count
        var lines = ""
        for j in 0..<count {
            let i = j * step
            let entry = ScheduleCorpus.entry(i)
            let next = compiled[i].next(afterEpochMinute: afters[i]).map(String.init) ?? "null"
            lines += "{\"i\":\(i),\"text\":\"\(entry.text)\",\"cron\":\"\(entry.cron)\",\"zone\":\"\(entry.zone)\",\"after\":\(afters[i]),\"next\":\(next)}\n"
        }
        try lines.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
