import Foundation

/// The UTC offsets of one IANA time zone as an immutable table of segments, so that the
/// calendar never asks Foundation per candidate minute.
///
/// Segment `i` covers the epoch minutes `starts[i] ..< starts[i + 1]` (the last one runs
/// on forever) and has the offset `offsets[i]`, in minutes east of UTC. The table is built
/// once per zone from `TimeZone.nextDaylightSavingTimeTransition(after:)` (which reports
/// every offset change, DST or not) for 1900 ..< 2260 and shared through `table(for:)`.
///
/// Before 1972 some zones used offsets with seconds (local mean time, Monrovia's -0:44:30);
/// those are rounded down to the minute and their transitions up to the next minute.
final class ZoneOffsets: Sendable {
    /// First epoch minute of the table's guarantee (1900-01-01T00:00Z).
    static let firstMinute = GregorianMath.daysFromCivil(year: 1900, month: 1, day: 1) * 1440
    /// End of the transitions read from the zone (2260-01-01T00:00Z).
    static let lastMinute = GregorianMath.daysFromCivil(year: 2260, month: 1, day: 1) * 1440

    let identifier: String
    /// `starts[0]` is a sentinel far in the past; strictly increasing.
    let starts: [Int]
    /// Minutes east of UTC, one per segment.
    let offsets: [Int]
    /// Smallest and largest offset of any segment.
    let minimumOffset: Int
    let maximumOffset: Int

    init(identifier: String, starts: [Int], offsets: [Int]) {
        precondition(!starts.isEmpty && starts.count == offsets.count)
        self.identifier = identifier
        self.starts = starts
        self.offsets = offsets
        self.minimumOffset = offsets.min() ?? 0
        self.maximumOffset = offsets.max() ?? 0
    }

    /// Reads the zone's transitions from Foundation; nil for an unknown identifier.
    convenience init?(identifier: String) {
        guard ZoneOffsets.isKnownIdentifier(identifier), let zone = TimeZone(identifier: identifier) else {
            return nil
        }
        func minutes(_ seconds: Int) -> Int { GregorianMath.floorDiv(seconds, 60) }
        var starts = [Int.min / 4]
        var offsets = [minutes(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(Self.firstMinute * 60))))]
        var cursor = Date(timeIntervalSince1970: Double(Self.firstMinute * 60))
        let end = Double(Self.lastMinute * 60)
        while let transition = zone.nextDaylightSavingTimeTransition(after: cursor),
            transition.timeIntervalSince1970 < end, transition > cursor
        {
            cursor = transition
            let offset = minutes(zone.secondsFromGMT(for: transition))
            if offset == offsets[offsets.count - 1] { continue }  // a name-only change
            let start = -GregorianMath.floorDiv(-Int(transition.timeIntervalSince1970.rounded(.up)), 60)
            if start <= starts[starts.count - 1] {
                offsets[offsets.count - 1] = offset
            } else {
                starts.append(start)
                offsets.append(offset)
            }
        }
        self.init(identifier: identifier, starts: starts, offsets: offsets)
    }

    /// Whether `identifier` names an IANA zone: one Foundation lists, or an IANA name
    /// (`Area/Location`, or one of the legacy single names) that Foundation resolves to
    /// itself. Abbreviations and offsets (`PST`, `GMT+5`) are refused.
    static func isKnownIdentifier(_ identifier: String) -> Bool {
        if knownIdentifiers.contains(identifier) { return true }
        guard let zone = TimeZone(identifier: identifier) else { return false }
        if legacySingleNames.contains(identifier) { return true }
        return identifier.contains("/") && zone.identifier == identifier
            && identifier.utf8.allSatisfy { byte in
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                    || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "+")
            }
    }

    private static let knownIdentifiers = Set(TimeZone.knownTimeZoneIdentifiers)

    /// tzdata's names without a `/` (zone files and `backward` links).
    private static let legacySingleNames: Set<String> = [
        "UTC", "UCT", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich", "Universal", "Zulu",
        "EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT",
        "CET", "EET", "MET", "WET", "Cuba", "Egypt", "Eire", "GB", "GB-Eire", "Hongkong",
        "Iceland", "Iran", "Israel", "Jamaica", "Japan", "Kwajalein", "Libya", "NZ", "NZ-CHAT",
        "Navajo", "PRC", "Poland", "Portugal", "ROC", "ROK", "Singapore", "Turkey", "W-SU",
    ]

    /// The index of the segment that contains `minute`.
    @inline(__always)
    func segment(containing minute: Int) -> Int {
        var low = 0
        var high = starts.count  // invariant: starts[low] <= minute < starts[high]
        while high - low > 1 {
            let middle = (low + high) / 2
            if starts[middle] <= minute { low = middle } else { high = middle }
        }
        return low
    }

    /// The first epoch minute after segment `index` (a large sentinel for the last one).
    @inline(__always)
    func end(of index: Int) -> Int {
        index + 1 < starts.count ? starts[index + 1] : Int.max / 4
    }

    /// UTC offset in minutes at `minute`.
    @inline(__always)
    func offset(at minute: Int) -> Int { offsets[segment(containing: minute)] }

    /// The local wall minute of an instant.
    @inline(__always)
    func wallMinute(at minute: Int) -> Int { minute + offset(at: minute) }

    /// The instant a local wall minute means for a fixed-time schedule (docs/design.md §4):
    /// the only one if it occurs once; the first if it repeats (fall back); the end of the
    /// gap, when the clocks jump over it (spring forward).
    func firstInstant(ofWallMinute wall: Int) -> Int {
        let low = segment(containing: wall - maximumOffset)
        let high = segment(containing: wall - minimumOffset)
        for index in low...high {
            let instant = wall - offsets[index]
            if instant >= starts[index] && instant < end(of: index) { return instant }
        }
        for index in low...high
        where index > 0 && starts[index] + offsets[index - 1] <= wall && wall < starts[index] + offsets[index] {
            return starts[index]
        }
        return wall - offsets[high]
    }

    /// The shared table of a zone, built on first use; nil for an unknown identifier.
    static func table(for identifier: String) -> ZoneOffsets? {
        cache.table(for: identifier)
    }

    private static let cache = ZoneOffsetsCache()
}

/// Tables already built, by identifier.
///
/// `@unchecked Sendable`: the dictionary is only read or written while holding `lock`;
/// the tables it hands out are immutable. This is the module's only shared mutable state.
private final class ZoneOffsetsCache: @unchecked Sendable {
    private let lock = NSLock()
    private var tables: [String: ZoneOffsets] = [:]
    private var unknown: Set<String> = []

    func table(for identifier: String) -> ZoneOffsets? {
        lock.lock()
        if let table = tables[identifier] { lock.unlock(); return table }
        let isUnknown = unknown.contains(identifier)
        lock.unlock()
        if isUnknown { return nil }
        let built = ZoneOffsets(identifier: identifier)  // outside the lock: it takes ~1 ms
        lock.lock()
        defer { lock.unlock() }
        if let built {
            if let existing = tables[identifier] { return existing }
            tables[identifier] = built
        } else if unknown.count < 10_000 {
            unknown.insert(identifier)
        }
        return built
    }
}
