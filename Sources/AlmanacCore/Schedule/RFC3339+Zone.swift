import Foundation

extension RFC3339 {
    /// `2026-11-01T01:30:00-04:00`: `date` (whole seconds) in the local time of an IANA zone,
    /// with that zone's offset at that instant, read from the same offset table schedules
    /// use (`ZoneOffsets`), so a printed fire time always shows the wall time it was
    /// computed for. A zero offset is written `Z` (as `local(_:offsetSeconds:)` does); an
    /// unknown zone prints UTC.
    public static func format(_ date: Date, zoneIdentifier: String) -> String {
        guard let zone = ZoneOffsets.table(for: zoneIdentifier),
            let minute = CompiledSchedule.epochMinute(atOrBefore: date)
        else { return local(date, offsetSeconds: 0) }
        return local(date, offsetSeconds: zone.offset(at: Int(minute)) * 60)
    }
}
