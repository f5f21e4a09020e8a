import Foundation

/// Everything the log says about one run: its trigger, each attempt (the trigger and its retries
/// `<id>~2`, `~3` …) with its start, completion and charge, a skip, and the follow-ups it queued
/// with how they ended. Built by feeding events in any order to ``add(_:)``, without I/O
/// (`almanac runs show`; the reading is ``RunLogReader``'s).
///
/// ```swift
/// var story = RunStory(lookingFor: "acme/app/job@2026-03-02T13:00Z")   // or an executionId
/// for envelope in events { story.add(envelope) }
/// story.attempts.last?.completed?.event.status                         // how the last attempt ended
/// ```
///
/// - Important: an execution id names the run only after the event that carries it was added
///   (``foundTriggerId``); the story then holds just that event's family if the events of the
///   trigger id were added too (a second pass over the log, as ``RunLogReader`` does).
public struct RunStory: Sendable {
    /// An event and its `time` (the event's own time, RFC 3339 in the log).
    public struct Stamped<Event: Sendable>: Sendable {
        public var event: Event
        public var time: Date
    }

    /// One attempt: the trigger id and its events (any may be missing from the log).
    public struct Attempt: Sendable {
        public var triggerId: TriggerID
        public var number: Int
        public var trigger: Stamped<JobTriggered>?
        public var started: Stamped<JobStarted>?
        public var completed: Stamped<JobCompleted>?
        /// The first copy of its charge, and how many copies the log holds.
        public var charge: Stamped<CreditsCharged>?
        public var chargeCopies = 0
    }

    /// A follow-up one of the attempts queued.
    public struct FollowUp: Sendable {
        public var trigger: Stamped<JobTriggered>
        public var completed: Stamped<JobCompleted>?
        public var skipped: Stamped<JobSkipped>?
    }

    /// What was asked for: a trigger id or an execution id.
    public let query: String
    /// The run's first trigger id (without `~<attempt>`), once known.
    public private(set) var root: TriggerID?
    /// The trigger id an execution id led to, when the query was one.
    public private(set) var foundTriggerId: TriggerID?
    /// By attempt number.
    private var attemptsByNumber: [Int: Attempt] = [:]
    public private(set) var skipped: Stamped<JobSkipped>?
    private var followUpsById: [TriggerID: FollowUp] = [:]
    private var followUpEnds: [TriggerID: (completed: Stamped<JobCompleted>?, skipped: Stamped<JobSkipped>?)] = [:]

    public init(lookingFor query: String) {
        self.query = query
        let base = Self.base(of: TriggerID(query))
        if base.rawValue == query || query.hasPrefix(base.rawValue + "~") { root = base }
    }

    /// The attempts found, in order (1, 2, …).
    public var attempts: [Attempt] { attemptsByNumber.keys.sorted().map { attemptsByNumber[$0]! } }

    /// The follow-ups found, by trigger id.
    public var followUps: [FollowUp] {
        followUpsById.values.map { followUp in
            var followUp = followUp
            if let end = followUpEnds[followUp.trigger.event.triggerId] {
                followUp.completed = end.completed
                followUp.skipped = end.skipped
            }
            return followUp
        }.sorted { $0.trigger.event.triggerId.rawValue < $1.trigger.event.triggerId.rawValue }
    }

    /// Whether the log held anything of the run.
    public var isEmpty: Bool { attemptsByNumber.isEmpty && skipped == nil }

    /// Takes `envelope` if it belongs to the run; other events are ignored.
    public mutating func add(_ envelope: EventEnvelope) {
        let time = envelope.time
        switch envelope.event {
        case .jobTriggered(let e):
            if let root, e.source == .enqueue, let parent = e.parentTriggerId, Self.base(of: parent) == root, !belongs(e.triggerId) {
                followUpsById[e.triggerId] = FollowUp(trigger: Stamped(event: e, time: time))
            } else if let number = attemptNumber(e.triggerId) {
                attemptsByNumber[number, default: Attempt(triggerId: e.triggerId, number: number)].trigger = Stamped(event: e, time: time)
            }
        case .jobStarted(let e):
            noteExecution(e.executionId, e.triggerId)
            if let number = attemptNumber(e.triggerId), attemptsByNumber[number]?.started == nil {
                attemptsByNumber[number, default: Attempt(triggerId: e.triggerId, number: number)].started = Stamped(event: e, time: time)
            }
        case .jobCompleted(let e):
            noteExecution(e.executionId, e.triggerId)
            if let number = attemptNumber(e.triggerId) {
                if attemptsByNumber[number]?.completed == nil {
                    attemptsByNumber[number, default: Attempt(triggerId: e.triggerId, number: number)].completed = Stamped(event: e, time: time)
                }
            } else if isFollowUpOfRoot(e.triggerId) {
                followUpEnds[e.triggerId, default: (completed: nil, skipped: nil)].completed = Stamped(event: e, time: time)
            }
        case .jobSkipped(let e):
            if let number = attemptNumber(e.triggerId), number == 1 {
                skipped = Stamped(event: e, time: time)
                attemptsByNumber[1, default: Attempt(triggerId: e.triggerId, number: 1)].triggerId = e.triggerId
            } else if isFollowUpOfRoot(e.triggerId) {
                followUpEnds[e.triggerId, default: (completed: nil, skipped: nil)].skipped = Stamped(event: e, time: time)
            }
        case .creditsCharged(let e):
            noteExecution(e.executionId, e.triggerId)
            if let number = attemptNumber(e.chargeId) {
                attemptsByNumber[number, default: Attempt(triggerId: e.chargeId, number: number)].chargeCopies += 1
                if attemptsByNumber[number]!.charge == nil { attemptsByNumber[number]!.charge = Stamped(event: e, time: time) }
            }
        default:
            return
        }
    }

    /// `acme/app/job@…Z` of `acme/app/job@…Z~3`.
    public static func base(of id: TriggerID) -> TriggerID {
        guard let tilde = id.rawValue.lastIndex(of: "~"),
              !id.rawValue[id.rawValue.index(after: tilde)...].isEmpty,
              id.rawValue[id.rawValue.index(after: tilde)...].allSatisfy(\.isNumber) else { return id }
        return TriggerID(String(id.rawValue[..<tilde]))
    }

    private mutating func noteExecution(_ executionId: String, _ triggerId: TriggerID) {
        guard root == nil || foundTriggerId == nil, executionId == query else { return }
        foundTriggerId = triggerId
        root = Self.base(of: triggerId)
    }

    private func belongs(_ id: TriggerID) -> Bool { attemptNumber(id) != nil }

    /// 1 for the root, n for `<root>~n`; nil for other ids.
    private func attemptNumber(_ id: TriggerID) -> Int? {
        guard let root else { return nil }
        if id == root { return 1 }
        let prefix = root.rawValue + "~"
        guard id.rawValue.hasPrefix(prefix), let number = Int(id.rawValue.dropFirst(prefix.count)), number >= 2 else { return nil }
        return number
    }

    private func isFollowUpOfRoot(_ id: TriggerID) -> Bool {
        guard let root else { return false }
        return id.rawValue.hasPrefix(root.rawValue + "/") || id.rawValue.hasPrefix(root.rawValue + "~")
    }
}
