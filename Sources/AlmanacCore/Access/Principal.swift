/// Who is asking: an authenticated identity of the `http` role (a token's or a panel session's
/// owner) and what it may see and change.
///
/// - `admin`: every account, app, charge and dlq entry; pause, resume and trigger anywhere;
///   `/metrics`.
/// - `account`: only the listed accounts (and, when ``apps`` is set, only those apps of them):
///   their apps, runs, charges, credits and the dlq entries whose key is theirs; pause, resume
///   and trigger of those apps. Nothing of another account is shown or named.
/// - `metrics`: `/metrics` only (a Prometheus scraper's token).
///
/// ```swift
/// let ops = Principal(name: "alice", role: .account, accounts: ["acme"])
/// ops.mayAccess(account: "acme", app: "clinic")   // true
/// ops.mayAccess(account: "beta", app: "sync")     // false
/// ```
public struct Principal: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
        case admin, account, metrics
    }

    /// Shown as the `actor` of every pause, resume and manual trigger it publishes.
    public var name: String
    public var role: Role
    /// The accounts an `account` principal may see (empty for the other roles).
    public var accounts: Set<String>
    /// When set, an `account` principal sees only these apps of its accounts.
    public var apps: Set<String>?

    public init(name: String, role: Role, accounts: Set<String> = [], apps: Set<String>? = nil) {
        self.name = name
        self.role = role
        self.accounts = accounts
        self.apps = apps
    }

    /// Whether this principal may read and change `app` of `account`.
    public func mayAccess(account: String, app: String) -> Bool {
        switch role {
        case .admin: return true
        case .metrics: return false
        case .account: return accounts.contains(account) && (apps?.contains(app) ?? true)
        }
    }

    /// Whether this principal may see account-wide figures of `account` (credits, charges of any
    /// of its apps): admins, and account principals of that account not limited to some apps.
    public func mayAccess(account: String) -> Bool {
        switch role {
        case .admin: return true
        case .metrics: return false
        case .account: return accounts.contains(account) && apps == nil
        }
    }

    /// Whether this principal may read `/v1` data and the panel at all.
    public var mayReadData: Bool { role != .metrics }

    /// Whether this principal may read `/metrics`.
    public var mayReadMetrics: Bool { role == .admin || role == .metrics }

    /// Whether a dlq entry with message key `key` is this principal's. The key is the original
    /// message's (docs/design.md §2): a job key `account/app/job`, an app id (config, control),
    /// or an account id (charges). `accountOfApp` answers which account owns an app id, if any.
    public func mayRead(dlqKey key: String?, accountOfApp: (String) -> String?) -> Bool {
        if role == .admin { return true }
        guard role == .account, let key, !key.isEmpty else { return false }
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count >= 2 { return mayAccess(account: String(parts[0]), app: String(parts[1])) }
        if let account = accountOfApp(key) { return mayAccess(account: account, app: key) }
        return mayAccess(account: key)
    }
}
