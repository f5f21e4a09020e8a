import AlmanacCore

/// A deterministic corpus of distinct schedules: entry `i` is a (text, zone) pair that no other
/// entry below ``capacity`` repeats, in ten shapes (five platform `[DAYS ]HOURS:MINUTES`, five
/// cron, including `L`, `LW`, `5L`, `1#2`) over twenty zones, most with DST.
///
/// Each entry also carries the same schedule as 5-field cron (`cron`) for cronsim, which does not
/// read the platform form: `mon-fri 8-18:*/15` is `*/15 8-18 * * MON-FRI` (the same fields and the
/// same DST class, since both start the minute field with `*`).
enum ScheduleCorpus {
    struct Entry {
        var text: String
        var cron: String
        var zone: String
    }

    static let zones = [
        "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "UTC",
        "Asia/Kolkata", "America/Los_Angeles", "Europe/London", "Asia/Tokyo", "Australia/Sydney",
        "America/Sao_Paulo", "Pacific/Auckland", "Asia/Kathmandu", "America/Chicago", "Europe/Paris",
        "America/Denver", "America/Havana", "Asia/Singapore", "Pacific/Chatham", "America/St_Johns",
    ]

    static let templateCount = 10
    /// Every template has at least this many distinct parameter sets per zone.
    static let capacity = zones.count * templateCount * 19_470

    /// Day-of-week variants: the platform prefix and the cron field.
    private static let days: [(platform: String, cron: String)] = [
        ("", "*"), ("mon ", "MON"), ("tue ", "TUE"), ("wed ", "WED"), ("thu ", "THU"), ("fri ", "FRI"),
        ("sat ", "SAT"), ("sun ", "SUN"), ("mon-fri ", "MON-FRI"), ("sat,sun ", "SAT,SUN"),
        ("mon,wed,fri ", "MON,WED,FRI"), ("tue,thu ", "TUE,THU"), ("mon-thu ", "MON-THU"),
        ("tue-sat ", "TUE-SAT"), ("mon-sat ", "MON-SAT"), ("wed-fri ", "WED-FRI"), ("mon,fri ", "MON,FRI"),
        ("tue,fri ", "TUE,FRI"), ("mon,thu ", "MON,THU"), ("wed,sat ", "WED,SAT"), ("thu,sun ", "THU,SUN"),
        ("mon-wed ", "MON-WED"), ("thu-sat ", "THU-SAT"), ("mon,tue ", "MON,TUE"),
    ]

    /// The 276 pairs a < b of hours 0...23.
    private static let hourPairs: [(Int, Int)] = (0..<24).flatMap { a in (a + 1..<24).map { (a, $0) } }
    /// The 1770 pairs a < b of minutes 0...59.
    private static let minutePairs: [(Int, Int)] = (0..<60).flatMap { a in (a + 1..<60).map { (a, $0) } }
    /// `L`, `LW`, and the day-of-week forms `wL`, `w#n`.
    private static let specialDays: [(dom: String, dow: String)] =
        [("L", "*"), ("LW", "*")] + (0..<7).map { ("*", "\($0)L") } + (0..<7).flatMap { w in (1...5).map { ("*", "\(w)#\($0)") } }

    static func entry(_ i: Int) -> Entry {
        precondition(i >= 0 && i < capacity)
        let zone = zones[i % zones.count]
        let template = i / zones.count % templateCount
        var k = i / (zones.count * templateCount)
        func take(_ n: Int) -> Int {
            defer { k /= n }
            return k % n
        }
        switch template {
        case 0:  // [DAYS ]H:MM — fixed time
            let minute = take(60), hour = take(24), day = days[take(days.count)]
            return Entry(text: "\(day.platform)\(hour):\(two(minute))", cron: "\(minute) \(hour) * * \(day.cron)", zone: zone)
        case 1:  // [DAYS ]A-B:MM — hourly within a range
            let minute = take(60), pair = hourPairs[take(hourPairs.count)], day = days[take(days.count)]
            return Entry(text: "\(day.platform)\(pair.0)-\(pair.1):\(two(minute))",
                         cron: "\(minute) \(pair.0)-\(pair.1) * * \(day.cron)", zone: zone)
        case 2:  // [DAYS ]A-B:*/S — interval
            let step = 2 + take(29), pair = hourPairs[take(hourPairs.count)], day = days[take(days.count)]
            return Entry(text: "\(day.platform)\(pair.0)-\(pair.1):*/\(step)",
                         cron: "*/\(step) \(pair.0)-\(pair.1) * * \(day.cron)", zone: zone)
        case 3:  // [DAYS ]H1,H2:MM
            let minute = take(60), pair = hourPairs[take(hourPairs.count)], day = days[take(days.count)]
            return Entry(text: "\(day.platform)\(pair.0),\(pair.1):\(two(minute))",
                         cron: "\(minute) \(pair.0),\(pair.1) * * \(day.cron)", zone: zone)
        case 4:  // *:MM / */S:MM with days — interval by the hour
            let minute = take(60), step = 1 + take(12), day = days[take(days.count)]
            let hours = step == 1 ? "*" : "*/\(step)"
            return Entry(text: "\(day.platform)\(hours):\(two(minute))", cron: "\(minute) \(hours) * * \(day.cron)", zone: zone)
        case 5:  // cron M H * * D
            let minute = take(60), hour = take(24), day = days[take(days.count)]
            let text = "\(minute) \(hour) * * \(day.cron)"
            return Entry(text: text, cron: text, zone: zone)
        case 6:  // cron */S A-B * * D
            let step = 2 + take(29), pair = hourPairs[take(hourPairs.count)], day = days[take(days.count)]
            let text = "*/\(step) \(pair.0)-\(pair.1) * * \(day.cron)"
            return Entry(text: text, cron: text, zone: zone)
        case 7:  // cron M H L|LW * * / M H * * wL|w#n
            let minute = take(60), hour = take(24), special = specialDays[take(specialDays.count)]
            let text = "\(minute) \(hour) \(special.dom) * \(special.dow)"
            return Entry(text: text, cron: text, zone: zone)
        case 8:  // cron M1,M2 */S * * D
            let pair = minutePairs[take(minutePairs.count)], step = 2 + take(11), day = days[take(days.count)]
            let text = "\(pair.0),\(pair.1) */\(step) * * \(day.cron)"
            return Entry(text: text, cron: text, zone: zone)
        default:  // cron M H DOM MON * — yearly
            let minute = take(60), hour = take(24), dom = 1 + take(28), month = 1 + take(12)
            let text = "\(minute) \(hour) \(dom) \(month) *"
            return Entry(text: text, cron: text, zone: zone)
        }
    }

    /// Compiles entry `i`, stopping the benchmark if it does not compile (a corpus bug).
    static func compile(_ entry: Entry) -> CompiledSchedule {
        do {
            return try CompiledSchedule(ScheduleExpression.parse(entry.text), zoneIdentifier: entry.zone)
        } catch {
            Bench.fail("corpus entry `\(entry.text)` in \(entry.zone) does not compile: \(error)")
        }
    }

    /// 2026-01-01T00:00Z as an epoch minute.
    static let start2026: Int64 = 20_454 * 1440

    /// The instant entry `i` asks `next` after: spread over 2026 (DST days included).
    static func after(_ i: Int) -> Int64 {
        start2026 + Int64(i &* 7919 % (365 * 1440))
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
