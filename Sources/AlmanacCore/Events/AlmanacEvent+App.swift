extension AlmanacEvent {
    /// The app an event concerns; `nil` for `tick.completed` (every app) and for a rejection
    /// whose key names none.
    public var app: String? {
        switch self {
        case .appConfigured(let e): e.config.app
        case .appRemoved(let e): e.app
        case .schedulePaused(let e), .scheduleResumed(let e): e.app
        case .jobTriggered(let e): e.job.app
        case .jobStarted(let e): e.job.app
        case .jobCompleted(let e): e.job.app
        case .jobSkipped(let e): e.job.app
        case .creditsCharged(let e): e.app
        case .tickCompleted: nil
        case .eventRejected(let e): e.key.flatMap(Self.app(ofKey:))
        }
    }

    /// The app of a Kafka key of Almanac's topics: an app id (config, control) or a job key
    /// `account/app/job` (triggers, executions); `nil` for any other shape. An account id (the
    /// charges key) cannot be told from an app id and is read as one.
    public static func app(ofKey key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return key.isEmpty ? nil : key
        case 3: return parts[1].isEmpty ? nil : String(parts[1])
        default: return nil
        }
    }
}
