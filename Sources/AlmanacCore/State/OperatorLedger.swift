import Foundation

/// What an operator sees beside the schedule: credits charged per UTC day (per account and app)
/// and the dlq's recent rejections. A pure fold of the `charges` and `dlq` topics in log order
/// with ``apply(_:)``; the `http` role keeps one (docs/design.md §1: the projector's state does not
/// read those topics).
///
/// Days are UTC days of the charge event's `time`. Each `chargeId` counts once, however often a
/// crash made a worker write it (docs/design.md §5), as long as both copies fall in the kept days.
///
/// ```swift
/// var ledger = OperatorLedger()
/// ledger.apply(envelope)                        // credits.charged or event.rejected
/// ledger.credits(onDayOf: now).accounts["acme"] // Millicredits today (UTC)
/// ```
public struct OperatorLedger: Sendable {
    /// Who a charge belongs to.
    public struct AppRef: Hashable, Sendable, Comparable {
        public var account: String
        public var app: String
        public init(account: String, app: String) {
            self.account = account
            self.app = app
        }
        public static func < (lhs: AppRef, rhs: AppRef) -> Bool { (lhs.account, lhs.app) < (rhs.account, rhs.app) }
    }

    /// The charges of one UTC day.
    public struct DayTotals: Sendable, Equatable {
        /// Millicredits per app.
        public var apps: [AppRef: Millicredits] = [:]
        /// Charged runs per app (each `chargeId` once).
        public var runs: [AppRef: Int] = [:]
        /// Each charge of the day: `chargeId` → its total.
        var charges: [TriggerID: Millicredits] = [:]
        public init() {}

        /// Millicredits per account: the sum of its apps.
        public var accounts: [String: Millicredits] {
            apps.reduce(into: [:]) { $0[$1.key.account, default: .zero].addSaturating($1.value) }
        }
    }

    /// One `event.rejected`, with the time it was written to the dlq.
    public struct Rejection: Hashable, Sendable {
        public var time: Date
        public var rejected: EventRejected
    }

    /// Days since 1970-01-01 (UTC) → totals; only the newest ``dayLimit`` days are kept.
    public internal(set) var days: [Int64: DayTotals] = [:]
    /// Newest last, at most ``rejectionLimit``.
    public internal(set) var rejections: [Rejection] = []
    /// Every `event.rejected` folded so far (the dlq's size as read).
    public internal(set) var rejectionCount = 0
    public var dayLimit = 8
    public var rejectionLimit = 100

    public init() {}

    /// The total charged under `chargeId` (its first copy), while its day is kept.
    public func charge(_ chargeId: TriggerID) -> Millicredits? {
        for totals in days.values { if let total = totals.charges[chargeId] { return total } }
        return nil
    }

    /// The UTC day number of `instant`.
    public static func day(of instant: Date) -> Int64 {
        Int64((instant.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// Folds one event. Returns whether it changed the ledger (other event types are ignored).
    @discardableResult
    public mutating func apply(_ envelope: EventEnvelope) -> Bool {
        switch envelope.event {
        case .creditsCharged(let charge):
            if days.values.contains(where: { $0.charges[charge.chargeId] != nil }) { return false }
            let day = Self.day(of: envelope.time)
            if let oldest = days.keys.min(), days.count >= dayLimit, day < oldest { return false }
            let ref = AppRef(account: charge.account, app: charge.app)
            // Saturating: a charge published by hand may hold any 64-bit amount.
            days[day, default: DayTotals()].apps[ref, default: .zero].addSaturating(charge.total)
            days[day]!.runs[ref, default: 0] += 1
            days[day]!.charges[charge.chargeId] = charge.total
            while days.count > dayLimit, let oldest = days.keys.min() { days.removeValue(forKey: oldest) }
            return true
        case .eventRejected(let rejected):
            rejectionCount += 1
            rejections.append(Rejection(time: envelope.time, rejected: rejected))
            if rejections.count > rejectionLimit { rejections.removeFirst(rejections.count - rejectionLimit) }
            return true
        default:
            return false
        }
    }

    /// The totals of the UTC day containing `instant` (empty when nothing was charged).
    public func credits(onDayOf instant: Date) -> DayTotals {
        days[Self.day(of: instant)] ?? DayTotals()
    }
}
