import Foundation

extension DevState {
    /// Whether the `almanac dev` that wrote this state still runs: its ``pid`` exists (`kill(pid, 0)`
    /// succeeds or fails with `EPERM`) and, where `/proc` tells, that process is an `almanac`
    /// binary (a pid reused by another program after dev exited counts as not running).
    /// - Important: a check, not a lock: dev may exit right after it answers `true`.
    public var isRunning: Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return true }
        let program = cmdline.split(separator: 0, maxSplits: 1).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        return (program as NSString).lastPathComponent.contains("almanac")
    }
}
