import CAlmanacShims
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A pipe whose read end becomes readable when the run must stop; it wakes the runner's poll(2)
/// at once. `fire` and `close` may race (cancellation after the run ended): the lock keeps a
/// closed, possibly reused, descriptor from ever being written.
final class CancelSignal: Sendable {
    let readFD: Int32
    private let writeFD: Mutex<Int32?>

    init?() {
        var fds: [Int32] = [0, 0]
        guard almanac_pipe_cloexec(&fds) == 0 else { return nil }
        readFD = fds[0]
        writeFD = Mutex(fds[1])
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
    }

    func fire() {
        writeFD.withLock { fd in
            guard let fd else { return }
            var byte: UInt8 = 1
            _ = write(fd, &byte, 1)
        }
    }

    /// Closes both ends; later `fire`s do nothing.
    func close() {
        writeFD.withLock { fd in
            if let open = fd { Glibc.close(open) }
            fd = nil
        }
        Glibc.close(readFD)
    }
}
