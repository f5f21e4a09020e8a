/// Finds, in one partition, the first offset at or after which every record's time is at least a
/// threshold θ — the decision half of a seek by time; the caller fetches the records it asks for.
///
/// Shape: offsets are a partition's `[low, end)`; a record's "time" is whatever the caller
/// compares (Almanac compares the event's CloudEvents `time`, never the Kafka record timestamp).
/// Each ``next`` step is either `.probe(p)` — fetch the first record at or after offset `p` and
/// report it with ``record(probe:at:isBelow:)`` — or `.found(o)`, the answer.
///
/// ```swift
/// var seek = OffsetBisection(low: 0, end: 1_000_000, hint: listOffsetsAnswer)
/// while case .probe(let p) = seek.next {
///     let r = fetchFirst(atOrAfter: p)          // nil when no record is left before `end`
///     seek.record(probe: p, at: r?.offset, isBelow: r.map { $0.time < threshold } ?? false)
/// }
/// guard case .found(let offset) = seek.next else { … }
/// ```
///
/// Contract. Two bounds are kept: `lo`, a record whose time is below θ (or `low - 1`), and `hi`,
/// an offset whose first record at or after it has a time of at least θ (or `end`). Each answer
/// tightens one of them, so the search ends after about log₂(end − low) probes, and the answer is
/// `hi` once `hi == lo + 1`. Nothing in between is ever skipped: the invariants hold for any
/// sequence of times, monotone or not. What the answer means for a log whose times are not
/// monotone is the caller's: if no record is more than `m` older than a record before it in the
/// partition, then with θ = T − m every record before the answer is older than T (a window's
/// start), and with θ = X + m every record from the answer on is at least X old (a window's end).
///
/// A hint (a broker's ListOffsets-by-timestamp answer, KIP-79) is tried first: the probes of `h`
/// and `h − 1` confirm it in two fetches. A wrong hint costs those two probes and nothing else
/// (its answers still tighten the bounds), so a hint is never trusted, only verified. Pure: no I/O.
public struct OffsetBisection: Sendable, Hashable {
    /// What to do next.
    public enum Step: Sendable, Hashable {
        /// Fetch the first record at or after this offset and report it.
        case probe(Int64)
        /// The first offset of the part whose times are at least θ (in `[low, end]`).
        case found(Int64)
    }

    /// A record below θ, or `low - 1`.
    public private(set) var lo: Int64
    /// The first record at or after `hi` is at least θ, or `hi == end`.
    public private(set) var hi: Int64
    /// Hint offsets still to try, in order.
    private var pending: [Int64]
    /// Records fetched so far.
    public private(set) var probes = 0

    /// - Parameters:
    ///   - low: the partition's first offset still kept (low watermark).
    ///   - end: its end offset (high watermark, exclusive).
    ///   - hint: an offset expected to be the answer (ListOffsets by timestamp), or nil. Offsets
    ///     outside `[low, end]` are ignored; `end` itself (Kafka's "no record that late") is tried
    ///     as `end − 1`.
    public init(low: Int64, end: Int64, hint: Int64? = nil) {
        lo = low - 1
        hi = max(low, end)
        if let h = hint, h >= low, h <= end {
            pending = h < end ? [h, h - 1] : [h - 1]
        } else {
            pending = []
        }
    }

    /// The next step.
    public var next: Step {
        if hi - lo <= 1 { return .found(hi) }
        if let p = pending.first(where: { $0 > lo && $0 < hi }) { return .probe(p) }
        return .probe(lo + (hi - lo) / 2)
    }

    /// Reports the answer to `.probe(probe)`.
    /// - Parameters:
    ///   - at: the offset of the first record at or after `probe` (gaps are transaction markers
    ///     or compacted records), or nil when there is none before `end`.
    ///   - isBelow: whether that record's time is below θ (ignored when `at` is nil).
    public mutating func record(probe: Int64, at offset: Int64?, isBelow: Bool) {
        probes += 1
        pending.removeAll { $0 == probe }
        guard probe > lo, probe < hi else { return }
        if let offset, offset < hi, isBelow {
            lo = max(lo, offset)
        } else {
            // No record in [probe, hi), or the first one is at least θ: `probe` is a valid `hi`.
            hi = probe
        }
    }
}
