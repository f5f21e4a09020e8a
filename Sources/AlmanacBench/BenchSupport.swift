import Foundation
import Kafka

#if canImport(Glibc)
import Glibc
#endif

/// One benchmark figure as `ops/bench` reads it: one JSON object per line on stdout.
///
/// `samples` holds one value per repetition; `value` is their median. `extra` carries figures the
/// table does not rank on (bytes per schedule, checksums, parameters), `notes` says how they were made.
struct BenchResult: Encodable {
    var name: String
    /// `almanac` (the code under test) or a baseline's name.
    var side: String
    var unit: String
    var value: Double
    var min: Double
    var max: Double
    var samples: [Double]
    var peakRSSBytes: Int
    var extra: [String: Double]
    var notes: [String: String]

    enum CodingKeys: String, CodingKey {
        case name, side, unit, value, min, max, samples, extra, notes
        case peakRSSBytes = "peak_rss_bytes"
    }

    init(name: String, side: String = "almanac", unit: String, samples: [Double],
         extra: [String: Double] = [:], notes: [String: String] = [:]) {
        precondition(!samples.isEmpty)
        self.name = name
        self.side = side
        self.unit = unit
        self.samples = samples
        value = Bench.median(samples)
        min = samples.min()!
        max = samples.max()!
        peakRSSBytes = Bench.peakRSSBytes()
        self.extra = extra
        self.notes = notes
    }

    /// Prints the result as one line of JSON and flushes stdout.
    func emit() {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try! encoder.encode(self)  // only finite numbers and strings: cannot fail
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

enum Bench {
    /// Monotonic nanoseconds.
    static func nanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// Seconds taken by `body`.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = nanoseconds()
        try body()
        return Double(nanoseconds() - start) / 1e9
    }

    /// CPU seconds (user + system) of this process so far, its threads and reaped children.
    static func cpuSeconds() -> Double {
        var total = 0.0
        for who in [RUSAGE_SELF, RUSAGE_CHILDREN] {
            var usage = rusage()
            getrusage(__rusage_who_t(who.rawValue), &usage)
            total += Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        return total
    }

    /// Peak resident set size of this process so far (`getrusage` `ru_maxrss`, KiB on Linux).
    static func peakRSSBytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    /// Current resident set size (`/proc/self/statm`, second field, in pages).
    static func currentRSSBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Returns freed heap to the system so that RSS deltas measure live memory.
    static func trimHeap() {
        _ = almanacBenchMallocTrim(0)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Waits until the Kafka clients released so far are destroyed: their destroy calls run on
    /// threads of their own (``KafkaTeardown``), and a timed section must not share the cores with
    /// the last one's.
    static func settleKafka() async {
        if !(await KafkaTeardown.finish(within: .seconds(60))) { log("Kafka clients still being destroyed after 60 s") }
    }

    /// Writes progress to stderr (stdout is for results only).
    static func log(_ message: String) {
        FileHandle.standardError.write(Data("[almanac-bench] \(message)\n".utf8))
    }

    /// Stops the process with a message on stderr: a benchmark that cannot measure what it claims
    /// must not print a figure.
    static func fail(_ message: String) -> Never {
        log("FAILED: \(message)")
        exit(1)
    }
}

/// glibc's `malloc_trim` (malloc.h, which the Glibc module does not export).
@_silgen_name("malloc_trim")
private func almanacBenchMallocTrim(_ pad: Int) -> Int32
