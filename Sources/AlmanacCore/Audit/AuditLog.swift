import Foundation

/// Where a message sits in the log: topic, partition, offset. Used to order events that carry the
/// same `time` and to name a message in a finding.
public struct LogPosition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
    public static func < (a: LogPosition, b: LogPosition) -> Bool {
        (a.topic, a.partition, a.offset) < (b.topic, b.partition, b.offset)
    }
    /// `almanac.charges[3]@17`, as kcat and the dlq name a message.
    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}

/// The facts an audit needs, collected from a replay of every Almanac topic (issue 10).
///
/// Feed it every decoded event with ``add(_:at:)`` in log order per partition (partitions may
/// interleave); messages that do not decode are counted with ``addUndecodable(at:)``. Nothing is
/// judged while reading: ``AuditTimeline``, ``runs(app:job:from:to:)``, ``verify(from:to:pricing:)``
/// and ``state(at:)`` answer questions about the collected log afterwards.
///
/// Times are the events' CloudEvents `time` (UTC): a pause is judged by when it was stamped, not
/// when it arrived (docs/design.md §5). Duplicates are kept where the audit reports them (completions,
/// charges) and dropped where the contract makes them harmless (a trigger or skip written twice
/// by two tickers has one deterministic id).
///
/// ```swift
/// var log = AuditLog()
/// for message in replay { log.add(try EventCodec.decode(message.value), at: position) }
/// let report = log.runs(app: "clinic-reminders", job: nil, from: from, to: to)
/// ```
public struct AuditLog: Sendable {
    /// A config or control event, in the order it takes effect (``time``, then log position).
    public struct Change: Sendable {
        public var time: Date
        public var position: LogPosition
        public var envelope: EventEnvelope
    }

    /// An event with the time it was written.
    public struct Stamped<Event: Sendable>: Sendable {
        public var event: Event
        /// The CloudEvents `time` (UTC).
        public var time: Date
        public var position: LogPosition
    }

    /// `app.configured`, `app.removed`, `schedule.paused`, `schedule.resumed`, as read.
    public private(set) var changes: [Change] = []
    /// First copy of each trigger id.
    public private(set) var triggers: [TriggerID: Stamped<JobTriggered>] = [:]
    /// Every `job.completed`, per trigger id, in log order (more than one is a finding), without
    /// its `stdoutTail` and `stderrTail` (kept empty: the audit never reads a run's output, and up
    /// to 64 KiB of each per run would make the log's memory grow with what jobs print).
    public private(set) var completions: [TriggerID: [Stamped<JobCompleted>]] = [:]
    /// First copy of each skip.
    public private(set) var skips: [TriggerID: Stamped<JobSkipped>] = [:]
    /// Every `credits.charged`, per charge id, in log order (identical copies are allowed).
    public private(set) var charges: [TriggerID: [Stamped<CreditsCharged>]] = [:]
    /// Minute (UTC) → when its first `tick.completed` was written.
    public private(set) var ticks: [Date: Date] = [:]
    /// Messages read, events of each kind, and messages that are not valid events.
    public var counts: Counts {
        guard typeRun.count > 0 else { return tallied }
        var counts = tallied
        counts.byType[typeRun.type, default: 0] += typeRun.count
        return counts
    }
    /// ``counts`` but for the current run of events of one type (``typeRun``).
    private var tallied = Counts()
    /// Consecutive events of one type (a partition mostly holds one): counted here and added to
    /// `byType` when the type changes, rather than hashing the type name for every event.
    private var typeRun: (type: String, count: Int) = ("", 0)
    /// The newest event `time` in the log: the instant the audit judges "by now" from.
    public private(set) var latestTime: Date?
    /// Whether the `triggers` topic still holds its beginning (it keeps 14 days). When it does
    /// not, a completion without its trigger is not a finding. Set by the reader; default true.
    public var triggersComplete = true

    /// What the replay read.
    public struct Counts: Codable, Hashable, Sendable {
        public var messages = 0
        public var undecodable = 0
        public var byType: [String: Int] = [:]
        public init() {}
    }

    private var changesSorted = true

    /// The reconciler's index of the trigger ids kept in ``triggers`` (the ``AuditRootIndex`` its
    /// first pass over them would build), noted as each trigger is first read: by the replay's
    /// lanes, in parallel with fetching, so ``AuditReconciler`` only adds the other events' ids.
    private(set) var triggerIndex = AuditRootIndex()
    /// False once two copies of a trigger id named different apps (after a merge the index would
    /// hold the id under both, ``triggers`` only the kept copy's): ``AuditReconciler`` then builds
    /// it from ``triggers`` instead.
    private(set) var triggerIndexExact = true

    public init() {}

    /// Reserves room for the ids of the given numbers of messages of the `triggers`, `executions`
    /// and `charges` topics (a replay knows them from the end offsets), so that filling the log
    /// does not grow and rehash its dictionaries. Executions count for completions: `job.started`
    /// and `job.skipped` share that topic, so this may reserve more than is used.
    public mutating func reserveCapacity(triggers: Int, executions: Int, charges: Int) {
        self.triggers.reserveCapacity(triggers)
        completions.reserveCapacity(executions)
        self.charges.reserveCapacity(charges)
    }

    /// Adds one decoded event read at `position`.
    public mutating func add(_ envelope: EventEnvelope, at position: LogPosition) {
        tallied.messages += 1
        if typeRun.count > 0, typeRun.type == envelope.type {
            typeRun.count += 1
        } else {
            if typeRun.count > 0 { tallied.byType[typeRun.type, default: 0] += typeRun.count }
            typeRun = (envelope.type, 1)
        }
        let time = envelope.time
        if latestTime.map({ time > $0 }) ?? true { latestTime = time }
        switch envelope.event {
        case .appConfigured, .appRemoved, .schedulePaused, .scheduleResumed:
            if let last = changes.last, (last.time, last.position) > (time, position) { changesSorted = false }
            changes.append(Change(time: time, position: position, envelope: envelope))
        case .jobTriggered(let e):
            if Self.keepFirst(&triggers[e.triggerId], Stamped(event: e, time: time, position: position)) {
                triggerIndex.note(e.triggerId, app: e.job.app)
            } else if triggers[e.triggerId]?.event.job.app != e.job.app {
                triggerIndexExact = false
            }
        case .jobCompleted(var e):
            e.stdoutTail = ""
            e.stderrTail = ""
            completions[e.triggerId, default: []].append(Stamped(event: e, time: time, position: position))
        case .jobSkipped(let e):
            Self.keepFirst(&skips[e.triggerId], Stamped(event: e, time: time, position: position))
        case .creditsCharged(let e):
            charges[e.chargeId, default: []].append(Stamped(event: e, time: time, position: position))
        case .tickCompleted(let e):
            if ticks[e.minute].map({ time < $0 }) ?? true { ticks[e.minute] = time }
        case .jobStarted, .eventRejected:
            break
        }
    }

    /// Stores `value` unless the slot holds one: one hash lookup (the dictionary's in-place
    /// accessor) instead of a lookup and an insert.
    /// - Returns: whether `value` was stored (the slot was empty).
    @discardableResult
    private static func keepFirst<Value>(_ slot: inout Value?, _ value: @autoclosure () -> Value) -> Bool {
        guard slot == nil else { return false }
        slot = value()
        return true
    }

    /// Stores `value` unless the slot holds one earlier in the log (one hash lookup).
    /// - Returns: false when the slot held a copy that `agree` says differs from `value`.
    private static func keepEarliest<Event>(_ slot: inout Stamped<Event>?, _ value: Stamped<Event>, agree: (Event, Event) -> Bool) -> Bool {
        guard let current = slot else {
            slot = value
            return true
        }
        let agreed = agree(current.event, value.event)
        if value.position < current.position { slot = value }
        return agreed
    }

    /// Counts a message that is not a valid Almanac event (it is in the dlq, or should be).
    public mutating func addUndecodable(at position: LogPosition) {
        tallied.messages += 1
        tallied.undecodable += 1
    }

    /// Merges a log collected from other partitions (replays read partitions in parallel).
    /// Per-partition order is kept as long as each partition was read into one part.
    ///
    /// Each collection is merged by walking the smaller of the two (the larger is kept, not
    /// copied, when `other` is uniquely owned): merging the logs of lanes that each read a few
    /// topics costs little more than their smaller parts.
    public mutating func merge(_ other: consuming AuditLog) {
        for change in other.changes {
            if let last = changes.last, (last.time, last.position) > (change.time, change.position) { changesSorted = false }
            changes.append(change)
        }
        if !other.changesSorted { changesSorted = false }
        let sameApps = Self.mergeEarliest(&triggers, &other.triggers) { $0.job.app == $1.job.app }
        triggerIndex.add(other.triggerIndex)
        triggerIndexExact = triggerIndexExact && other.triggerIndexExact && sameApps
        Self.mergeEarliest(&skips, &other.skips) { _, _ in true }
        Self.concatenate(&completions, &other.completions)
        Self.concatenate(&charges, &other.charges)
        for (minute, time) in other.ticks where ticks[minute].map({ time < $0 }) ?? true { ticks[minute] = time }
        let theirs = other.counts
        tallied.messages += theirs.messages
        tallied.undecodable += theirs.undecodable
        for (type, n) in theirs.byType { tallied.byType[type, default: 0] += n }
        if let time = other.latestTime, latestTime.map({ time > $0 }) ?? true { latestTime = time }
        triggersComplete = triggersComplete && other.triggersComplete
    }

    /// `mine` ← for every id the earlier of the two (a symmetric rule, so the larger dictionary
    /// is kept and the smaller walked); `theirs` is left with the leftovers.
    /// - Returns: false when `agree` said two copies of an id differ.
    @discardableResult
    private static func mergeEarliest<Event>(_ mine: inout [TriggerID: Stamped<Event>], _ theirs: inout [TriggerID: Stamped<Event>],
                                             agree: (Event, Event) -> Bool) -> Bool {
        if theirs.count > mine.count { swap(&mine, &theirs) }
        guard !theirs.isEmpty else { return true }
        mine.reserveCapacity(mine.count + theirs.count)
        var agreed = true
        for (id, stamped) in theirs where !keepEarliest(&mine[id], stamped, agree: agree) { agreed = false }
        return agreed
    }

    /// `mine` ← per id, `mine`'s list then `theirs`'s (walking the smaller dictionary).
    private static func concatenate<Event>(_ mine: inout [TriggerID: [Stamped<Event>]], _ theirs: inout [TriggerID: [Stamped<Event>]]) {
        guard !theirs.isEmpty else { return }
        if theirs.count <= mine.count {
            mine.reserveCapacity(mine.count + theirs.count)
            for (id, list) in theirs { append(&mine[id], list) }
        } else {
            swap(&mine, &theirs)  // `mine` now holds their (larger) lists; ours go in front
            mine.reserveCapacity(mine.count + theirs.count)
            for (id, list) in theirs { prepend(&mine[id], list) }
        }
    }

    /// The list of a new id is stored as it is (no copy); an existing one is extended.
    private static func append<Element>(_ slot: inout [Element]?, _ list: [Element]) {
        if slot == nil { slot = list } else { slot!.append(contentsOf: list) }
    }

    private static func prepend<Element>(_ slot: inout [Element]?, _ list: [Element]) {
        if let existing = slot { slot = list + existing } else { slot = list }
    }

    /// Config and control events in the order they take effect: by `time`, ties by log position.
    public var orderedChanges: [Change] {
        changesSorted ? changes : changes.sorted { ($0.time, $0.position) < ($1.time, $1.position) }
    }

    /// Sorts the changes once (call after the replay; queries sort lazily otherwise).
    public mutating func finish() {
        if !changesSorted {
            changes.sort { ($0.time, $0.position) < ($1.time, $1.position) }
            changesSorted = true
        }
        for (id, list) in completions where list.count > 1 { completions[id] = list.sorted { $0.position < $1.position } }
        for (id, list) in charges where list.count > 1 { charges[id] = list.sorted { $0.position < $1.position } }
    }

    /// The newest ticked minute.
    public var lastTick: Date? { ticks.keys.max() }
}
