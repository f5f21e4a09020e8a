import Foundation

/// The differences between two projections, one line each, for `almanac audit snapshot` and
/// test failures: `apps.<app>: only in the replay`, `apps.<app>.jobs.<job>.recentRuns: …`.
/// Empty when the states are equal (``SchedulerState`` `==`).
public enum ProjectionDiff {
    /// - Parameters:
    ///   - expected: the state folded from offset 0 (the log is the truth).
    ///   - actual: the state from the snapshot (plus the tail folded after it).
    public static func differences(_ expected: SchedulerState, _ actual: SchedulerState) -> [String] {
        var lines: [String] = []
        if expected.lastTick != actual.lastTick { lines.append("lastTick: replay \(show(expected.lastTick)), snapshot \(show(actual.lastTick))") }
        if expected.configRevision != actual.configRevision {
            lines.append("configRevision: replay \(expected.configRevision), snapshot \(actual.configRevision)")
        }
        if expected.recentRunLimit != actual.recentRunLimit {
            lines.append("recentRunLimit: replay \(expected.recentRunLimit), snapshot \(actual.recentRunLimit)")
        }
        for id in Set(expected.apps.keys).union(actual.apps.keys).sorted() {
            guard let e = expected.apps[id] else { lines.append("apps.\(id): only in the snapshot"); continue }
            guard let a = actual.apps[id] else { lines.append("apps.\(id): only in the replay"); continue }
            if e.config != a.config { lines.append("apps.\(id).config: differs") }
            if e.configuredAt != a.configuredAt { lines.append("apps.\(id).configuredAt: replay \(show(e.configuredAt)), snapshot \(show(a.configuredAt))") }
            if e.pauseState != a.pauseState { lines.append("apps.\(id).pause: replay \(e.pauseState), snapshot \(a.pauseState)") }
            for name in Set(e.jobs.keys).union(a.jobs.keys).sorted() {
                let path = "apps.\(id).jobs.\(name)"
                guard let ej = e.jobs[name], let aj = a.jobs[name] else { lines.append("\(path): only in the \(e.jobs[name] == nil ? "snapshot" : "replay")"); continue }
                if ej.scheduleEffectiveFrom != aj.scheduleEffectiveFrom {
                    lines.append("\(path).scheduleEffectiveFrom: replay \(show(ej.scheduleEffectiveFrom)), snapshot \(show(aj.scheduleEffectiveFrom))")
                }
                if ej.pauseState != aj.pauseState { lines.append("\(path).pause: replay \(ej.pauseState), snapshot \(aj.pauseState)") }
                if ej.recentRuns != aj.recentRuns {
                    lines.append("\(path).recentRuns: replay \(ej.recentRuns.map(\.triggerId.rawValue)), snapshot \(aj.recentRuns.map(\.triggerId.rawValue))")
                }
                if ej.complexityHistory != aj.complexityHistory { lines.append("\(path).complexityHistory: differs") }
                if ej != aj && lines.last?.hasPrefix(path) != true { lines.append("\(path): differs") }
            }
        }
        return lines
    }

    private static func show(_ date: Date?) -> String { date.map { RFC3339.utcMilliseconds($0) } ?? "none" }
}
