import Foundation
import Logging
import ServiceLifecycle

/// Reloads the ``PrincipalDirectory``'s token file on SIGHUP (the Unix convention for "read your
/// configuration again"); changes to the file are also picked up on their own within
/// ``PrincipalDirectory/recheckInterval``. Runs until cancelled or graceful shutdown.
///
/// - Important: SIGHUP's default action ends the process, so this service sets it to be ignored
///   by default delivery for the whole process and observes it through a dispatch source.
struct TokenReloadService: Service {
    let directory: PrincipalDirectory
    let logger: Logger

    func run() async throws {
        guard directory.path != nil else {
            try await gracefulShutdown()
            return
        }
        signal(SIGHUP, SIG_IGN)
        let (hangups, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "almanac.sighup"))
        source.setEventHandler { continuation.yield() }
        source.resume()
        defer { source.cancel() }
        await withGracefulShutdownHandler {
            for await _ in hangups.cancelOnGracefulShutdown() {
                logger.notice("SIGHUP: reloading the token file")
                directory.reload()
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
    }
}
