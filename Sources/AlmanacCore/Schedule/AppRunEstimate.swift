/// Runs per day and per 30 days of each job of an app, for `almanac estimate --app`: a job's own
/// scheduled runs plus the follow-ups that the scheduled jobs of the app declare
/// (``JobConfiguration/estimatedFollowUps``: runs in all per scheduled run).
///
/// ```swift
/// // csv-import: import-customers at 2:00, declaring 19 follow-ups of itself
/// let rows = AppRunEstimate.rows(app: csvImport, scheduled: ["import-customers": ScheduleEstimate(runsPerDay: 1, runsPer30Days: 30)])
/// rows[0].estimate   // 20 runs a day, 600 in 30 days
/// ```
///
/// Follow-ups are counted only where declared: a job that queues some without declaring them
/// is under-counted, and a job with no schedule that no job declares is ``Row/counted`` `false`
/// (it runs by hand or as an undeclared follow-up; an estimate cannot say how often).
public enum AppRunEstimate {
    public struct Row: Sendable, Equatable {
        public var job: String
        /// Scheduled runs plus declared follow-ups.
        public var estimate: ScheduleEstimate
        /// The declared follow-up runs included in ``estimate``.
        public var followUps: ScheduleEstimate
        /// `false` for a job without a schedule that no job declares as a follow-up.
        public var counted: Bool

        public init(job: String, estimate: ScheduleEstimate, followUps: ScheduleEstimate, counted: Bool) {
            self.job = job
            self.estimate = estimate
            self.followUps = followUps
            self.counted = counted
        }
    }

    /// One row per job, in the app's order.
    /// - Parameter scheduled: job name → its scheduled runs (jobs without a schedule absent).
    public static func rows(app: AppConfiguration, scheduled: [String: ScheduleEstimate]) -> [Row] {
        var followUps: [String: ScheduleEstimate] = [:]
        var declared: Set<String> = []
        for job in app.jobs {
            for followUp in job.estimatedFollowUps {
                declared.insert(followUp.job)
                let runs = scheduled[job.name] ?? ScheduleEstimate(runsPerDay: 0, runsPer30Days: 0)
                var total = followUps[followUp.job] ?? ScheduleEstimate(runsPerDay: 0, runsPer30Days: 0)
                total.runsPerDay += runs.runsPerDay * followUp.count
                total.runsPer30Days += runs.runsPer30Days * followUp.count
                followUps[followUp.job] = total
            }
        }
        return app.jobs.map { job in
            let own = scheduled[job.name] ?? ScheduleEstimate(runsPerDay: 0, runsPer30Days: 0)
            let extra = followUps[job.name] ?? ScheduleEstimate(runsPerDay: 0, runsPer30Days: 0)
            return Row(job: job.name,
                       estimate: ScheduleEstimate(runsPerDay: own.runsPerDay + extra.runsPerDay, runsPer30Days: own.runsPer30Days + extra.runsPer30Days),
                       followUps: extra, counted: job.schedule != nil || declared.contains(job.name))
        }
    }
}
