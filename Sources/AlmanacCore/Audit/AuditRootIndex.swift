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

    /// Adds a later pass: roots joined, its retry ids winning over this one's for the same attempt.
    mutating func add(_ later: AuditRootIndex) {
        for (app, ids) in later.roots { roots[app, default: []].formUnion(ids) }
        for (root, attempts) in later.retries { retries[root, default: [:]].merge(attempts) { _, later in later } }
    }
}
