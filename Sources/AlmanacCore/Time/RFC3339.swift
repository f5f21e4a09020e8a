import Foundation

/// RFC 3339 formatting and parsing without `DateFormatter` (fast, locale-free, proleptic Gregorian).
public enum RFC3339 {
    /// `2026-03-02T12:55:00.123Z` (UTC, milliseconds): the CloudEvents `time` form.
    public static func utcMilliseconds(_ date: Date) -> String {
        let ms = epochMilliseconds(date)
        let (days, msOfDay) = ms.floorDivided(by: 86_400_000)
        let (y, m, d) = civil(fromDays: days)
        let s = msOfDay / 1000
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(s / 3600, 2)):\(pad(s / 60 % 60, 2)):\(pad(s % 60, 2)).\(pad(msOfDay % 1000, 3))Z"
    }

    /// Whole milliseconds since 1970-01-01T00:00:00Z, rounded down; an instant within 1 µs below
    /// a whole millisecond counts as that millisecond. `Date` holds a `Double` of seconds since
    /// 2001, so a parsed `…:00.123Z` can come back as 122.9999… ms: plain rounding down would move
    /// an event's time by 1 ms each time it is decoded and encoded again.
    public static func epochMilliseconds(_ date: Date) -> Int64 {
        let exact = date.timeIntervalSince1970 * 1000
        let nearest = exact.rounded()
        return Int64(nearest - exact < 0.001 && nearest >= exact ? nearest : exact.rounded(.down))
    }

    /// `2026-03-02T12:55Z`: UTC, minute precision, as used inside trigger ids.
    public static func minute(_ date: Date) -> String {
        let minutes = Int64((date.timeIntervalSince1970 / 60).rounded(.down))
        let (days, minuteOfDay) = minutes.floorDivided(by: 1440)
        let (y, m, d) = civil(fromDays: days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(minuteOfDay / 60, 2)):\(pad(minuteOfDay % 60, 2))Z"
    }

    /// `2026-11-01T01:30:00-04:00`: whole seconds, with the offset (seconds east of UTC) given.
    public static func local(_ date: Date, offsetSeconds: Int) -> String {
        let seconds = Int64((date.timeIntervalSince1970).rounded(.down)) + Int64(offsetSeconds)
        let (days, secondOfDay) = seconds.floorDivided(by: 86_400)
        let (y, m, d) = civil(fromDays: days)
        let offset = offsetSeconds == 0 ? "Z" : "\(offsetSeconds < 0 ? "-" : "+")\(pad(Int64(abs(offsetSeconds) / 3600), 2)):\(pad(Int64(abs(offsetSeconds) / 60 % 60), 2))"
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))\(offset)"
    }

    /// `2026-11-01T01:30:00-04:00` in `zone` (its offset at that instant).
    public static func local(_ date: Date, zone: TimeZone) -> String {
        local(date, offsetSeconds: zone.secondsFromGMT(for: date))
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)`; `nil` if malformed.
    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    /// Days of `month` (1-12) in the proleptic Gregorian `year`: RFC 3339 §5.7 refuses
    /// `2026-02-30` rather than rolling it over to March.
    static func daysInMonth(_ year: Int64, _ month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// ``parse(_:)-(String)`` over the text's UTF-8 bytes (no `String` needed; the event decoder's form).
    public static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Date? {
        func num(_ i: Int, _ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in i..<(i + n) {
                guard b[k] >= 48, b[k] <= 57 else { return nil }
                v = v * 10 + Int64(b[k] - 48)
            }
            return v
        }
        guard b.count >= 17, let y = num(0, 4), b[4] == 45, let mo = num(5, 2), b[7] == 45, let d = num(8, 2),
              b[10] == 84 || b[10] == 116 || b[10] == 32, let h = num(11, 2), b[13] == 58, let mi = num(14, 2),
              (1...12).contains(mo), (1...daysInMonth(y, mo)).contains(d), h < 24, mi < 60 else { return nil }
        var i = 16
        var sec: Int64 = 0
        var fraction = 0.0
        if i < b.count, b[i] == 58 {
            guard let s = num(i + 1, 2), s < 61 else { return nil }
            sec = s
            i += 3
            if i < b.count, b[i] == 46 {
                i += 1
                var scale = 0.1
                let start = i
                while i < b.count, b[i] >= 48, b[i] <= 57 { fraction += Double(b[i] - 48) * scale; scale /= 10; i += 1 }
                guard i > start else { return nil }
            }
        }
        guard i < b.count else { return nil }
        var offset: Int64 = 0
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45, let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 58, let om = num(i + 4, 2) {
            offset = (oh * 3600 + om * 60) * (b[i] == 45 ? -1 : 1)
            i += 6
        } else { return nil }
        guard i == b.count else { return nil }
        let days = daysFromCivil(y, mo, d)
        let seconds = days * 86_400 + h * 3600 + mi * 60 + sec - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`, via
    /// the calendar's `GregorianMath`).
    public static func daysFromCivil(_ y: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        Int64(GregorianMath.daysFromCivil(year: Int(y), month: Int(m), day: Int(d)))
    }

    /// The date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
    public static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let date = GregorianMath.civilFromDays(Int(days))
        return (Int64(date.year), Int64(date.month), Int64(date.day))
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> (Int64, Int64) {
        let q = self >= 0 ? self / divisor : -((-self + divisor - 1) / divisor)
        return (q, self - q * divisor)
    }
}
