import Foundation

/// A schedule expression bound to an IANA time zone, answering "when does it run next?".
///
/// DST follows docs/design.md §4 (the Debian cron convention, as in cronsim):
/// - fixed-time schedules (neither minute nor hour field starts with `*`) run once per
///   local wall time: a wall time in a spring-forward gap runs at the end of the gap
///   (03:00 in New York), one in the repeated fall-back hour runs at its first occurrence;
/// - interval schedules (minute or hour field starts with `*`) follow real time: they run
///   at every instant whose local wall time matches, so `*:30` runs at 1:30 EDT and at
///   1:30 EST, and nothing runs at a wall time that does not exist.
///
/// ```swift
/// let schedule = try CompiledSchedule(.parse("9:00"), zoneIdentifier: "Europe/Berlin")
/// let next = schedule.next(after: now)  // whole UTC minute
/// ```
///
/// Cost: `next` is a binary search in the zone's offset table plus calendar arithmetic on
/// bit masks, typically well under a microsecond; nothing calls Foundation per candidate.
/// Instants are supported from 1900 to 2200; later ones have no next run.
public struct CompiledSchedule: Sendable {
    public let expression: ScheduleExpression
    public let zoneIdentifier: String
    let zone: ZoneOffsets

    /// Searches give up this far ahead of their start (cronsim: 50 years).
    static let horizonMinutes = 50 * 366 * GregorianMath.minutesPerDay
    /// The last instant `next` considers (2200-01-01T00:00Z).
    static let lastSupportedMinute = GregorianMath.daysFromCivil(year: 2200, month: 1, day: 1) * 1440

    /// - Throws: `ScheduleError` (field `"zone"`, code `.unknownZone`) if `zoneIdentifier`
    ///   is not a known IANA zone.
    public init(_ expression: ScheduleExpression, zoneIdentifier: String = "America/New_York") throws(ScheduleError) {
        guard let zone = ZoneOffsets.table(for: zoneIdentifier) else {
            throw ScheduleError(
                expression: expression.text, field: "zone", column: nil,
                reason: "unknown time zone `\(ScheduleError.quoted(zoneIdentifier))`; expected an IANA name such as America/New_York",
                code: .unknownZone)
        }
        self.expression = expression
        self.zoneIdentifier = zoneIdentifier
        self.zone = zone
    }

    /// The first fire instant strictly after `instant` (UTC, whole minute), or nil if none
    /// within ~50 years.
    public func next(after instant: Date) -> Date? {
        guard let minute = Self.epochMinute(atOrBefore: instant),
            let next = next(afterEpochMinute: minute)
        else { return nil }
        return Self.date(epochMinute: next)
    }

    /// All fire instants t with start < t <= end, strictly increasing.
    public func occurrences(after start: Date, through end: Date) -> [Date] {
        guard let first = Self.epochMinute(atOrBefore: start), let last = Self.epochMinute(atOrBefore: end) else {
            return []
        }
        return occurrences(afterEpochMinute: first, throughEpochMinute: last).map(Self.date(epochMinute:))
    }

    /// The first fire minute strictly after epoch minute `m` (minutes since
    /// 1970-01-01T00:00Z), or nil if none within ~50 years or after 2200.
    public func next(afterEpochMinute m: Int64) -> Int64? {
        guard m >= Int64(ZoneOffsets.firstMinute - GregorianMath.minutesPerDay), m < Int64(Self.lastSupportedMinute) else {
            return nil
        }
        let minute = Int(m)
        let limit = min(minute + Self.horizonMinutes, ZoneOffsets.lastMinute)
        let next = expression.isInterval ? nextInterval(after: minute, limit: limit) : nextFixed(after: minute, limit: limit)
        return next.map(Int64.init)
    }

    /// All fire minutes t with start < t <= end, strictly increasing.
    public func occurrences(afterEpochMinute start: Int64, throughEpochMinute end: Int64) -> [Int64] {
        var result: [Int64] = []
        var cursor = start
        while let next = next(afterEpochMinute: cursor), next <= end {
            result.append(next)
            cursor = next
        }
        return result
    }

    /// Real time: the first instant u > m whose wall time matches. Walks the offset
    /// segments from m; within a segment the wall time is u + offset.
    private func nextInterval(after m: Int, limit: Int) -> Int? {
        let fields = expression.fields
        var instant = m + 1
        var index = zone.segment(containing: instant)
        // The last wall search: the first match at or after `searchedFrom` is `found`.
        var searchedFrom = Int.max
        var found = 0
        while instant <= limit {
            let offset = zone.offsets[index]
            let wall = instant + offset
            if !(wall >= searchedFrom && wall <= found) {
                guard let match = fields.firstWallMinute(atOrAfter: wall, through: limit + zone.maximumOffset) else {
                    return nil
                }
                searchedFrom = wall
                found = match
            }
            let candidate = found - offset
            let end = zone.end(of: index)
            if candidate < end { return candidate <= limit ? candidate : nil }
            index += 1
            instant = end
        }
        return nil
    }

    /// Wall time: the first matching wall minute after m's whose instant (gap → its end,
    /// repeat → first occurrence) is after m. Wall minutes up to m's own map to instants
    /// at or before m, so the search starts just after it.
    private func nextFixed(after m: Int, limit: Int) -> Int? {
        let fields = expression.fields
        var wall = zone.wallMinute(at: m) + 1
        let wallLimit = limit + zone.maximumOffset
        while let match = fields.firstWallMinute(atOrAfter: wall, through: wallLimit) {
            let instant = zone.firstInstant(ofWallMinute: match)
            if instant > m { return instant <= limit ? instant : nil }
            wall = match + 1  // in the repeated hour, after its first pass
        }
        return nil
    }

    /// `floor(seconds since 1970 / 60)` computed exactly from `Date`'s own representation;
    /// nil for non-finite or absurd dates.
    static func epochMinute(atOrBefore date: Date) -> Int64? {
        let sinceReference = date.timeIntervalSinceReferenceDate
        guard sinceReference.isFinite, abs(sinceReference) < 1e13 else { return nil }
        let referenceOffset: Int64 = 978_307_200  // 2001-01-01 in seconds since 1970
        var minute = Int64(((sinceReference + Double(referenceOffset)) / 60).rounded(.down))
        while Double(minute * 60 - referenceOffset) > sinceReference { minute -= 1 }
        while Double((minute + 1) * 60 - referenceOffset) <= sinceReference { minute += 1 }
        return minute
    }

    static func date(epochMinute: Int64) -> Date {
        Date(timeIntervalSince1970: Double(epochMinute * 60))
    }
}
