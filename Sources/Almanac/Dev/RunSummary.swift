import AlmanacCore
import Foundation

/// Counts what a session did, from the events themselves: runs per job, failures, skips and
/// credits per account (each `chargeId` once).
public struct RunSummary: Sendable {
    public struct JobLine: Sendable {
        public var triggered = 0
        public var succeeded = 0
        public var failed = 0
        public var skipped = 0
    }
    public private(set) var jobs: [JobKey: JobLine] = [:]
    public private(set) var creditsByAccount: [String: Millicredits] = [:]
    public private(set) var chargeIDs: Set<TriggerID> = []
    /// Triggers read without their completion or skip yet.
    public private(set) var openTriggers: Set<TriggerID> = []
    /// Triggers whose completion or skip has been read. A copy of a trigger read after its
    /// outcome does not open it again: tickers may write a trigger twice (split brain, a minute
    /// re-planned after a failover; the worker runs it once), and the observer reads the triggers
    /// and executions topics side by side, so an outcome can come before its trigger.
    private var endedTriggers: Set<TriggerID> = []
    public private(set) var rejected = 0

    public init() {}

    public mutating func add(_ event: AlmanacEvent) {
        switch event {
        case .jobTriggered(let e):
            jobs[e.job, default: JobLine()].triggered += 1
            if !endedTriggers.contains(e.triggerId) { openTriggers.insert(e.triggerId) }
        case .jobCompleted(let e):
            if e.status == .succeeded { jobs[e.job, default: JobLine()].succeeded += 1 } else { jobs[e.job, default: JobLine()].failed += 1 }
            endedTriggers.insert(e.triggerId)
            openTriggers.remove(e.triggerId)
        case .jobSkipped(let e):
            jobs[e.job, default: JobLine()].skipped += 1
            endedTriggers.insert(e.triggerId)
            openTriggers.remove(e.triggerId)
        case .creditsCharged(let e):
            if chargeIDs.insert(e.chargeId).inserted { creditsByAccount[e.account, default: .zero].addSaturating(e.total) }
        case .eventRejected:
            rejected += 1
        default:
            break
        }
    }

    /// A fixed-width table for the terminal.
    public func render() -> String {
        var lines = ["", "Runs per job", pad("job", 44) + pad("triggered", 11) + pad("succeeded", 11) + pad("failed", 8) + "skipped"]
        for (key, line) in jobs.sorted(by: { $0.key < $1.key }) {
            lines.append(pad(key.description, 44) + pad("\(line.triggered)", 11) + pad("\(line.succeeded)", 11) + pad("\(line.failed)", 8) + "\(line.skipped)")
        }
        lines += ["", "Credits per account", pad("account", 44) + "credits"]
        for (account, amount) in creditsByAccount.sorted(by: { $0.key < $1.key }) {
            lines.append(pad(account, 44) + amount.description)
        }
        if rejected > 0 { lines += ["", "Rejected to the dlq: \(rejected)"] }
        if !openTriggers.isEmpty { lines += ["", "Triggers without a completion: \(openTriggers.count)"] }
        return lines.joined(separator: "\n")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
