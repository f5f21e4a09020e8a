/// How often a schedule runs, for `almanac estimate` (issue 3): runs on one local date
/// (23- and 25-hour DST days included) and in the 30 days starting that date.
///
/// ```swift
/// let estimate = ScheduleEstimate(schedule: everyMinute, startingOn: (2026, 7, 1))
/// estimate.runsPerDay      // 1440
/// estimate.runsPer30Days   // 43200
/// ```
///
/// A local day runs from the first instant of its date to the first instant of the next
/// date; when midnight falls in a DST gap, the day starts at the gap's end. Credits are
/// runs × credits per run; converting to millicredits is the caller's business.
public struct ScheduleEstimate: Sendable, Equatable {
    /// Runs on the local date.
    public var runsPerDay: Int
    /// Runs on the 30 local dates starting at the date.
    public var runsPer30Days: Int

    public init(runsPerDay: Int, runsPer30Days: Int) {
        self.runsPerDay = runsPerDay
        self.runsPer30Days = runsPer30Days
    }

    /// Both counts for a local date. An invalid date (`2026-02-30`) counts 0 runs.
    public init(schedule: CompiledSchedule, startingOn localDate: (year: Int, month: Int, day: Int)) {
        self.init(
            runsPerDay: Self.runs(on: localDate, schedule: schedule),
            runsPer30Days: Self.runs(onDays: 30, from: localDate, schedule: schedule))
    }

    /// Runs on one local date of the schedule's zone.
    public static func runs(on localDate: (year: Int, month: Int, day: Int), schedule: CompiledSchedule) -> Int {
        runs(onDays: 1, from: localDate, schedule: schedule)
    }

    /// Runs in the 30 local days starting at `localDate`.
    public static func runsPer30Days(from localDate: (year: Int, month: Int, day: Int), schedule: CompiledSchedule) -> Int {
        runs(onDays: 30, from: localDate, schedule: schedule)
    }

    /// Runs on `days` consecutive local dates starting at `localDate`.
    public static func runs(onDays days: Int, from localDate: (year: Int, month: Int, day: Int), schedule: CompiledSchedule) -> Int {
        let (year, month, day) = localDate
        guard days > 0, (1900...2199).contains(year), (1...12).contains(month),
            (1...GregorianMath.daysInMonth(year: year, month: month)).contains(day)
        else { return 0 }
        let firstDay = GregorianMath.daysFromCivil(year: year, month: month, day: day)
        let start = schedule.zone.firstInstant(ofWallMinute: firstDay * GregorianMath.minutesPerDay)
        let end = schedule.zone.firstInstant(ofWallMinute: (firstDay + days) * GregorianMath.minutesPerDay)
        var count = 0
        var cursor = Int64(start - 1)
        while let next = schedule.next(afterEpochMinute: cursor), next < Int64(end) {
            count += 1
            cursor = next
        }
        return count
    }

    /// Credits for the day and for the 30 days at `creditsPerRun` each.
    public func credits(perRun creditsPerRun: Int) -> (perDay: Int, per30Days: Int) {
        (runsPerDay * creditsPerRun, runsPer30Days * creditsPerRun)
    }
}
