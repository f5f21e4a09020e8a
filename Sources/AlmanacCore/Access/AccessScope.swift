import Foundation

extension SchedulerState {
    /// The part of the projection `principal` may see: its apps only (all of them for an admin).
    public func visible(to principal: Principal) -> SchedulerState {
        guard principal.role != .admin else { return self }
        var copy = self
        copy.apps = apps.filter { principal.mayAccess(account: $0.value.config.account, app: $0.key) }
        return copy
    }
}

extension OperatorLedger {
    /// The part of the ledger `principal` may see: credits of its apps, dlq entries whose key is
    /// its own (``Principal/mayRead(dlqKey:accountOfApp:)``), with ``rejectionCount`` counting the
    /// kept entries it may see. `state` is the full projection (it says which account owns an app).
    public func visible(to principal: Principal, state: SchedulerState) -> OperatorLedger {
        guard principal.role != .admin else { return self }
        var copy = self
        copy.days = days.mapValues { day in
            var scoped = day
            scoped.apps = day.apps.filter { principal.mayAccess(account: $0.key.account, app: $0.key.app) }
            scoped.runs = day.runs.filter { principal.mayAccess(account: $0.key.account, app: $0.key.app) }
            // `charges` stays: it is looked up only by the ids of runs the principal can see.
            return scoped
        }
        copy.rejections = rejections.filter { entry in
            principal.mayRead(dlqKey: entry.rejected.key) { state.apps[$0]?.config.account }
        }
        copy.rejectionCount = copy.rejections.count
        return copy
    }
}
