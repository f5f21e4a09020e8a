import Foundation
import Synchronization

/// The `.almanac/dev.json` of a running `almanac dev`: the current ``DevState``, rewritten whole
/// on every change (the clock starting, the panel listening) so readers never see a mix.
final class DevStateFile: Sendable {
    private let state: Mutex<DevState>
    let directory: String

    /// Writes `initial` at once.
    /// - Throws: file-system errors.
    init(_ initial: DevState, directory: String) throws {
        state = Mutex(initial)
        self.directory = directory
        try DevState.write(initial, directory: directory)
    }

    /// Changes the state and rewrites the file (under the lock, so writes keep their order).
    /// - Throws: file-system errors.
    func update(_ body: (inout DevState) -> Void) throws {
        try state.withLock { state in
            body(&state)
            try DevState.write(state, directory: directory)
        }
    }
}
