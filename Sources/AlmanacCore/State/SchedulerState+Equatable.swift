extension SchedulerState.JobState: Equatable {
    /// Equal when every field but ``schedule`` is: the compiled schedule is a pure function of
    /// `config.schedule` and the app's time zone (both compared through the app's
    /// configuration), and `CompiledSchedule` has no equality of its own.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.key == rhs.key && lhs.config == rhs.config && lhs.scheduleEffectiveFrom == rhs.scheduleEffectiveFrom
            && lhs.pauseState == rhs.pauseState && lhs.recentRuns == rhs.recentRuns
            && lhs.complexityHistory == rhs.complexityHistory && (lhs.schedule == nil) == (rhs.schedule == nil)
    }
}
