import AlmanacCore
import Foundation
import Yams

/// The token file of the `http` role (`--token-file`): who may use the API and the panel.
///
/// ```yaml
/// tokens:
///   - name: alice                # shown as the actor of what she publishes
///     role: account              # admin | account | metrics
///     accounts: [acme]           # account role: the accounts she may see (at least one)
///     apps: [clinic-reminders]   # optional: only these apps of them
///     sha256: 9f86d081884c7d65…  # SHA-256 of the token, lower-case hex; never the token
/// ```
///
/// `almanac token create` prints a new token and its line. Names and digests are unique; unknown
/// keys are refused (a misspelt `acounts` would otherwise widen nothing silently but confuse).
public struct TokenFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var principal: Principal
        public var sha256: String
    }

    public var entries: [Entry]

    /// A problem of the file: where (`tokens[2].role`) and what.
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public var field: String
        public var reason: String
        public var description: String { field.isEmpty ? reason : "\(field): \(reason)" }
    }

    /// Parses and checks the whole file.
    /// - Throws: ``Problem`` naming the first entry and field that is wrong.
    public static func parse(_ text: String) throws(Problem) -> TokenFile {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw Problem(field: "", reason: "not valid YAML: \(error)")
        }
        guard let node else { return TokenFile(entries: []) }
        guard let root = node.mapping else { throw Problem(field: "", reason: "must be a mapping with a `tokens` list") }
        for key in root.keys where key.string != "tokens" {
            throw Problem(field: key.string ?? "?", reason: "unknown key (allowed: tokens)")
        }
        guard let list = root["tokens"] else { return TokenFile(entries: []) }
        guard let items = list.sequence else { throw Problem(field: "tokens", reason: "must be a list") }
        var entries: [Entry] = []
        var names = Set<String>(), digests = Set<String>()
        for (index, item) in items.enumerated() {
            let at = "tokens[\(index)]"
            let entry = try Self.entry(item, at: at)
            guard names.insert(entry.principal.name).inserted else {
                throw Problem(field: "\(at).name", reason: "\"\(entry.principal.name)\" is used by an earlier entry")
            }
            guard digests.insert(entry.sha256).inserted else {
                throw Problem(field: "\(at).sha256", reason: "the same digest as an earlier entry")
            }
            entries.append(entry)
        }
        return TokenFile(entries: entries)
    }

    private static let allowedKeys: Set<String> = ["name", "role", "accounts", "apps", "sha256"]

    private static func entry(_ node: Node, at: String) throws(Problem) -> Entry {
        guard let map = node.mapping else { throw Problem(field: at, reason: "must be a mapping (name, role, accounts, apps, sha256)") }
        for key in map.keys {
            guard let name = key.string, allowedKeys.contains(name) else {
                throw Problem(field: "\(at).\(key.string ?? "?")", reason: "unknown key (allowed: \(allowedKeys.sorted().joined(separator: ", ")))")
            }
        }
        func text(_ key: String) throws(Problem) -> String? {
            guard let value = map[Node(key)] else { return nil }
            guard let string = value.scalar?.string, !string.isEmpty else { throw Problem(field: "\(at).\(key)", reason: "must be a non-empty string") }
            return string
        }
        func list(_ key: String) throws(Problem) -> Set<String>? {
            guard let value = map[Node(key)] else { return nil }
            guard let items = value.sequence else { throw Problem(field: "\(at).\(key)", reason: "must be a list of names") }
            var names = Set<String>()
            for item in items {
                guard let name = item.scalar?.string, !name.isEmpty else { throw Problem(field: "\(at).\(key)", reason: "must be a list of non-empty names") }
                names.insert(name)
            }
            return names
        }
        guard let name = try text("name") else { throw Problem(field: "\(at).name", reason: "is required") }
        guard let roleText = try text("role") else { throw Problem(field: "\(at).role", reason: "is required (admin, account or metrics)") }
        guard let role = Principal.Role(rawValue: roleText) else {
            throw Problem(field: "\(at).role", reason: "must be admin, account or metrics, not \"\(roleText)\"")
        }
        guard let digest = try text("sha256") else { throw Problem(field: "\(at).sha256", reason: "is required (`almanac token create` prints it)") }
        guard TokenDigest.isDigest(digest) else {
            throw Problem(field: "\(at).sha256", reason: "must be 64 lower-case hex characters (the SHA-256 of the token, not the token)")
        }
        let accounts = try list("accounts") ?? []
        let apps = try list("apps")
        switch role {
        case .account:
            guard !accounts.isEmpty else { throw Problem(field: "\(at).accounts", reason: "an account token needs at least one account") }
            if let apps, apps.isEmpty { throw Problem(field: "\(at).apps", reason: "must name at least one app, or be left out for all apps") }
        case .admin, .metrics:
            guard accounts.isEmpty, apps == nil else {
                throw Problem(field: "\(at).accounts", reason: "only account tokens list accounts or apps (\(role.rawValue) tokens see \(role == .admin ? "everything" : "/metrics only"))")
            }
        }
        return Entry(principal: Principal(name: name, role: role, accounts: accounts, apps: apps), sha256: digest)
    }

    /// The YAML line of one entry, as `almanac token create` prints it.
    public static func line(for principal: Principal, sha256: String) -> String {
        var fields = ["name: \(principal.name)", "role: \(principal.role.rawValue)"]
        if !principal.accounts.isEmpty { fields.append("accounts: [\(principal.accounts.sorted().joined(separator: ", "))]") }
        if let apps = principal.apps { fields.append("apps: [\(apps.sorted().joined(separator: ", "))]") }
        fields.append("sha256: \(sha256)")
        return "  - {\(fields.joined(separator: ", "))}"
    }
}
