import Synchronization

/// Stops runs once a stop was asked for, whether their stop closures were registered before or
/// after: a task cancelled before its run started (``HandlerRunner/run(_:stoppable:)``), or a
/// batch of handler runs whose task is cancelled while some are still being started.
final class StopLatch: Sendable {
    private let state = Mutex<(fired: Bool, stops: [@Sendable () -> Void])>((false, []))

    /// Keeps `stop` for ``fire()``; calls it at once if that was called already.
    func register(_ stop: @escaping @Sendable () -> Void) {
        let fired = state.withLock { state in
            state.stops.append(stop)
            return state.fired
        }
        if fired { stop() }
    }

    /// Calls every stop registered, and every one registered from now on.
    func fire() {
        let stops = state.withLock { state in
            state.fired = true
            return state.stops
        }
        for stop in stops { stop() }
    }
}
