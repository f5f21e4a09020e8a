import Almanac
import Foundation

/// A one-line progress bar on stderr, redrawn at most 10 times a second, only on a terminal:
/// `[#########.....................] 31%  1,234,000/4,000,000 events  412,000 ev/s  ETA 7 s`.
/// Used from one task only: replays call ``show(_:)`` synchronously between polls.
final class ProgressBar {
    private let enabled: Bool
    private let unit: String
    private let started = ContinuousClock.now
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private var drawn = false

    /// - Parameter unit: what is counted (`messages`, `events`).
    init(enabled: Bool, unit: String = "messages") {
        self.enabled = enabled
        self.unit = unit
    }

    /// On unless `quiet`, when stderr is a terminal.
    static func onTerminal(quiet: Bool, unit: String = "messages") -> ProgressBar {
        ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) == 1, unit: unit)
    }

    func show(_ progress: ChargeLogReader.Progress) {
        show(read: progress.read, total: progress.total)
    }

    func show(read: Int64, total: Int64) {
        guard enabled, total > 0, ContinuousClock.now - lastDraw >= .milliseconds(100) || read == total else { return }
        lastDraw = ContinuousClock.now
        let width = 30
        let fraction = min(1, Double(read) / Double(total))
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let elapsed = Self.seconds(ContinuousClock.now - started)
        var line = "\r[\(bar)] \(Int(fraction * 100))%  \(read)/\(total) \(unit)"
        if elapsed > 0.2, read > 0 {
            let rate = Double(read) / elapsed
            line += "  \(Int(rate)) ev/s  ETA \(Int((Double(total - read) / rate).rounded(.up))) s"
        }
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
        drawn = true
    }

    func clear() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }

    /// Seconds since the bar was made.
    var elapsed: Double { Self.seconds(ContinuousClock.now - started) }

    static func seconds(_ duration: Duration) -> Double {
        let c = duration.components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
