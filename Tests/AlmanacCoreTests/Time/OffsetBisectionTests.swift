@testable import AlmanacCore
import Testing

/// ``OffsetBisection`` over in-memory partitions: the answer, the number of probes, hints right
/// and wrong, gaps (transaction markers), and times that are not monotone within a margin.
@Suite struct OffsetBisectionTests {
    /// A partition: offset → time (nil: no record at that offset, e.g. a transaction marker).
    struct Partition {
        var low: Int64
        var times: [Int?]
        var end: Int64 { low + Int64(times.count) }
        func first(atOrAfter p: Int64) -> (offset: Int64, time: Int)? {
            var o = max(p, low)
            while o < end {
                if let t = times[Int(o - low)] { return (o, t) }
                o += 1
            }
            return nil
        }
    }

    /// Runs the search for threshold θ; returns the answer and the probes used.
    static func seek(_ partition: Partition, threshold: Int, hint: Int64? = nil) -> (offset: Int64, probes: Int) {
        var seek = OffsetBisection(low: partition.low, end: partition.end, hint: hint)
        var guardCount = 0
        while case .probe(let p) = seek.next {
            let r = partition.first(atOrAfter: p)
            seek.record(probe: p, at: r?.offset, isBelow: r.map { $0.time < threshold } ?? false)
            guardCount += 1
            precondition(guardCount < 200, "the search does not end")
        }
        guard case .found(let offset) = seek.next else { preconditionFailure() }
        return (offset, seek.probes)
    }

    /// The answer a linear scan gives for monotone times: the first record at least θ (or end).
    static func linear(_ partition: Partition, threshold: Int) -> Int64 {
        var o = partition.low
        while let r = partition.first(atOrAfter: o) {
            if r.time >= threshold { return o }
            o = r.offset + 1
        }
        return partition.end
    }

    @Test func seek_whenTimesAreMonotone_findsTheFirstRecordAtOrAfterTheThreshold() {
        let partition = Partition(low: 100, times: (0..<1000).map { $0 / 3 })
        for threshold in [-5, 0, 1, 57, 200, 332, 333, 334, 10_000] {
            let (offset, probes) = Self.seek(partition, threshold: threshold)
            #expect(offset == Self.linear(partition, threshold: threshold), "θ = \(threshold)")
            #expect(probes <= 11, "θ = \(threshold): \(probes) probes for 1000 records")
        }
    }

    @Test func seek_whenPartitionIsEmpty_answersItsEndWithoutProbing() {
        let (offset, probes) = Self.seek(Partition(low: 42, times: []), threshold: 7)
        #expect(offset == 42 && probes == 0)
    }

    @Test func seek_whenHintIsRight_confirmsItInTwoProbes() {
        let partition = Partition(low: 0, times: Array(0..<100_000))
        let (offset, probes) = Self.seek(partition, threshold: 61_234, hint: 61_234)
        #expect(offset == 61_234 && probes == 2)
    }

    @Test func seek_whenHintIsWrongOrMeaningless_stillFindsTheAnswer() {
        let partition = Partition(low: 0, times: Array(0..<100_000))
        // A wrong offset; Tansu's 0 for every time; librdkafka 2.0.2 mock's -1 (ignored); Kafka's "none that late" (end).
        for hint: Int64 in [5, 0, -1, 99_999, 100_000, 250_000] {
            let (offset, probes) = Self.seek(partition, threshold: 61_234, hint: hint)
            #expect(offset == 61_234, "hint \(hint)")
            #expect(probes <= 19, "hint \(hint): \(probes) probes")
        }
        let late = Self.seek(partition, threshold: 200_000, hint: 100_000)
        #expect(late.offset == 100_000 && late.probes == 1)
        let early = Self.seek(partition, threshold: -3, hint: 0)
        #expect(early.offset == 0 && early.probes == 1)
    }

    @Test func seek_whenOffsetsHaveGaps_answersAnOffsetWhoseFirstRecordIsAtLeastTheThreshold() {
        // Every third offset is a transaction marker.
        let partition = Partition(low: 10, times: (0..<3000).map { $0 % 3 == 2 ? nil : $0 })
        // An answer and the linear scan's may differ by markers only: the same first record follows.
        func next(_ offset: Int64) -> Int64 { partition.first(atOrAfter: offset)?.offset ?? partition.end }
        for threshold in [0, 1, 2, 3, 4, 5, 1500, 1501, 1502, 2999, 3000] {
            let (offset, _) = Self.seek(partition, threshold: threshold)
            #expect(next(offset) == next(Self.linear(partition, threshold: threshold)), "θ = \(threshold)")
        }
    }

    /// Times late by up to `margin` (a record never more than `margin` older than one before it):
    /// with θ = T − margin no record before the answer is at least T; with θ = X + margin no
    /// record from the answer on is below X.
    @Test func seek_whenTimesAreLateWithinAMargin_boundsTheWindowBothWays() {
        var generator = SeekRandom(seed: 24)
        let margin = 30
        for _ in 0..<200 {
            var clock = 0
            var times: [Int?] = []
            for _ in 0..<Int(generator.next() % 2000) {
                clock += Int(generator.next() % 5)
                times.append(clock - Int(generator.next() % UInt64(margin + 1)))  // stamped up to `margin` early
            }
            let partition = Partition(low: Int64(generator.next() % 50), times: times)
            let t = Int(generator.next() % UInt64(clock + 10))
            let start = Self.seek(partition, threshold: t - margin).offset
            let before = partition.times.prefix(Int(start - partition.low)).compactMap { $0 }
            #expect(before.allSatisfy { $0 < t }, "a record at or after \(t) lies before the start \(start)")
            let end = Self.seek(partition, threshold: t + margin).offset
            let after = partition.times.suffix(from: Int(end - partition.low)).compactMap { $0 }
            #expect(after.allSatisfy { $0 >= t }, "a record before \(t) lies after the end \(end)")
            #expect(start <= end)
        }
    }
}

/// A small deterministic generator (SeekRandom64) for the property test.
struct SeekRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
