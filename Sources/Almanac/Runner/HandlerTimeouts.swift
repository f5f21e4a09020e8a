import Dispatch
import Synchronization

/// The timeouts of the handler runs going in this process, on one dispatch timer.
///
/// A timer per run (`DispatchSource.makeTimerSource`) cost two wake-ups of libdispatch's manager
/// thread per run (arming it, and cancelling it when the handler returned first), a visible share
/// of a no-op run's CPU. Here arming a deadline later than the one the timer waits for already —
/// the usual case, since runs of a job share their timeout — and cancelling one are a dictionary
/// write under a lock. When the timer fires it calls the deadlines that are due and waits for the
/// earliest one left; a cancelled deadline only costs a look when the timer fires.
final class HandlerTimeouts: Sendable {
    /// The process's timeouts.
    static let shared = HandlerTimeouts()

    private struct State {
        let timer: any DispatchSourceTimer
        var nextID: UInt64 = 0
        /// Per id: when (uptime nanoseconds) and what to call.
        var pending: [UInt64: (deadline: UInt64, fire: @Sendable () -> Void)] = [:]
        /// The deadline the timer is set for; nil: not set.
        var armedFor: UInt64?

        /// Sets the timer for `deadline` (under the lock, so that settings happen in order).
        mutating func arm(_ deadline: UInt64) {
            armedFor = deadline
            timer.schedule(deadline: DispatchTime(uptimeNanoseconds: deadline))
        }
    }

    private let state: Mutex<State>

    private init() {
        state = Mutex(State(timer: DispatchSource.makeTimerSource(queue: DispatchQueue(label: "almanac.handler.timeouts"))))
        state.withLock { state in
            state.timer.setEventHandler { [weak self] in self?.fire() }
            state.timer.activate()
        }
    }

    /// Calls `fire` once `seconds` of real time have passed, unless ``cancel(_:)`` comes first.
    /// - Returns: the id to cancel it with.
    func add(after seconds: Double, _ fire: @escaping @Sendable () -> Void) -> UInt64 {
        // Clamped to a year: a deadline past it would not fit UInt64 nanoseconds.
        let delay = UInt64(min(max(seconds, 0), 365 * 86_400) * 1_000_000_000)
        let deadline = DispatchTime.now().uptimeNanoseconds + delay
        return state.withLock { state in
            state.nextID += 1
            state.pending[state.nextID] = (deadline, fire)
            if state.armedFor.map({ deadline < $0 }) ?? true { state.arm(deadline) }
            return state.nextID
        }
    }

    /// Forgets a deadline (its run ended first). Does nothing if it fired already.
    func cancel(_ id: UInt64) {
        state.withLock { _ = $0.pending.removeValue(forKey: id) }
    }

    /// On the timer's queue: calls what is due, then sets the timer for the earliest deadline left.
    private func fire() {
        let now = DispatchTime.now().uptimeNanoseconds
        let due: [@Sendable () -> Void] = state.withLock { state in
            state.armedFor = nil
            // Earliest first, when the timer comes late for several.
            let dueIDs = state.pending.filter { $0.value.deadline <= now }.sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }.map(\.key)
            let due = dueIDs.compactMap { state.pending.removeValue(forKey: $0)?.fire }
            if let next = state.pending.values.lazy.map(\.deadline).min() { state.arm(next) }
            return due
        }
        for fire in due { fire() }
    }
}
