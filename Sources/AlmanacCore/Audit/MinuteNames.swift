import Foundation

/// `RFC3339.minute` of fire times, each formatted once: the apps and jobs reconciled together
/// share their minutes, so a trigger id is built as `"<job key>@" + name` without formatting the
/// date again for every job (``AuditReconciler``'s run loop).
struct MinuteNames: Sendable {
    private var names: [Date: String] = [:]
    /// Past this many names the cache starts over (a long window of a minutely schedule).
    static let limit = 100_000

    /// `2026-03-02T13:00Z` for any instant of that UTC minute, as ``RFC3339/minute(_:)`` writes it.
    mutating func name(of minute: Date) -> String {
        if let name = names[minute] { return name }
        if names.count >= Self.limit { names.removeAll(keepingCapacity: true) }
        let name = RFC3339.minute(minute)
        names[minute] = name
        return name
    }
}
