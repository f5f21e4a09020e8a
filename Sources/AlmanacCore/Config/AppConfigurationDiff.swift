import Foundation

/// What applying `proposed` would change of the configuration in force (`current`), for
/// `almanac apply --dry-run` and the ownership rule. Pure.
///
/// ```swift
/// let diff = AppConfigurationDiff(current: inForce, proposed: fromFile)
/// if let refusal = diff.ownershipRefusal { report(refusal) }   // never move an app between accounts
/// print(diff.lines.joined(separator: "\n"))                     // "+ job digest", "~ job send: schedule", …
/// ```
public struct AppConfigurationDiff: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case created, changed, unchanged
    }

    public struct AccountMove: Sendable, Equatable {
        public var from: String
        public var to: String
    }

    public struct JobChange: Sendable, Equatable {
        public var job: String
        /// The fields that differ, sorted (`["schedule", "timeoutSeconds"]`).
        public var fields: [String]
    }

    public var app: String
    public var kind: Kind
    /// Set when `proposed` names another account than the one the app belongs to.
    public var accountMove: AccountMove?
    public var addedJobs: [String] = []
    public var removedJobs: [String] = []
    public var changedJobs: [JobChange] = []
    /// App-level fields that differ besides the account and the jobs (`timeZone`).
    public var changedAppFields: [String] = []

    public init(current: AppConfiguration?, proposed: AppConfiguration) {
        app = proposed.app
        guard let current else {
            kind = .created
            addedJobs = proposed.jobs.map(\.name).sorted()
            return
        }
        kind = current == proposed ? .unchanged : .changed
        if current.account != proposed.account { accountMove = AccountMove(from: current.account, to: proposed.account) }
        if current.timeZone != proposed.timeZone { changedAppFields.append("timeZone") }
        let before = Dictionary(current.jobs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(proposed.jobs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        addedJobs = after.keys.filter { before[$0] == nil }.sorted()
        removedJobs = before.keys.filter { after[$0] == nil }.sorted()
        changedJobs = after.keys.sorted().compactMap { name in
            guard let old = before[name], let new = after[name], old != new else { return nil }
            return JobChange(job: name, fields: Self.differingFields(old, new))
        }
    }

    /// Why the change may not be applied, or `nil`: an app belongs to its account, and a file
    /// that names another account would hand the app (its jobs, and the runs and charges to come)
    /// to it.
    public var ownershipRefusal: String? {
        guard let move = accountMove else { return nil }
        return "app \"\(app)\" belongs to account \"\(move.from)\"; this file would move it to \"\(move.to)\": refused "
            + "(an app never changes account: use another app id, or remove the app first)"
    }

    /// One line per change, for the dry run: `account a → b`, `~ timeZone`, `+ job x`, `- job y`,
    /// `~ job z: schedule, timeoutSeconds`.
    public var lines: [String] {
        var out: [String] = []
        if let move = accountMove { out.append("account \(move.from) → \(move.to)") }
        out += changedAppFields.map { "~ \($0)" }
        out += addedJobs.map { "+ job \($0)" }
        out += removedJobs.map { "- job \($0)" }
        out += changedJobs.map { "~ job \($0.job): \($0.fields.joined(separator: ", "))" }
        return out
    }

    /// The names of the fields of two versions of one job that differ, compared by their JSON
    /// form, so a field added to ``JobConfiguration`` is covered without a change here.
    static func differingFields(_ old: JobConfiguration, _ new: JobConfiguration) -> [String] {
        guard case .object(let a)? = try? JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(old)),
              case .object(let b)? = try? JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(new)) else { return [] }
        return Set(a.keys).union(b.keys).sorted().filter { a[$0] != b[$0] }
    }
}
