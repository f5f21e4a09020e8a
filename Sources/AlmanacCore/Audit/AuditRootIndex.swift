/// The reconciler's index of trigger ids (``AuditReconciler``): app → every root trigger id seen,
/// and root → its retries' ids by attempt. Built in passes that are then added in order.
struct AuditRootIndex: Sendable {
    /// App id → root trigger ids.
    var roots: [String: Set<TriggerID>] = [:]
    /// Root trigger id → attempt (2, 3 …) → the retry's id.
    var retries: [TriggerID: [Int: TriggerID]] = [:]

    /// Notes `id` of `app`: its root, and its id as the retry of its attempt (a later note of the
    /// same attempt wins).
    mutating func note(_ id: TriggerID, app: String) {
        let (root, attempt) = AuditReconciler.split(id)
        roots[app, default: []].insert(root)
        if attempt > 1 { retries[root, default: [:]][attempt] = id }
    }

    /// Whether `id` is a root noted for `app`: noting it again (an attempt-1 id) changes nothing.
    func hasRoot(_ id: TriggerID, app: String) -> Bool {
        roots[app]?.contains(id) ?? false
    }

    /// Adds a later pass: roots joined, its retry ids winning over this one's for the same attempt.
    mutating func add(_ later: AuditRootIndex) {
        for (app, ids) in later.roots {
            // A new app's set is taken as it is; otherwise the smaller set is walked.
            guard var mine = roots.removeValue(forKey: app) else {
                roots[app] = ids
                continue
            }
            if mine.count < ids.count {
                var theirs = ids
                theirs.formUnion(mine)
                mine = theirs
            } else {
                mine.formUnion(ids)
            }
            roots[app] = mine
        }
        for (root, attempts) in later.retries { retries[root, default: [:]].merge(attempts) { _, later in later } }
    }
}
