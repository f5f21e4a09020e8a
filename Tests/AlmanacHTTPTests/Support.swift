import AlmanacCore
@testable import AlmanacHTTP
import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import Prometheus
import Synchronization

/// A backend whose state and clock the test sets and which records what would be published.
final class FakeBackend: OperatorBackend {
    private let box: Mutex<(state: SchedulerState, ledger: OperatorLedger, ready: Bool, published: [AlmanacEvent])>
    let fixedNow: Date

    /// Thrown by ``publish(_:)`` instead of recording, when set (a cluster that refuses writes).
    let publishError: (any Error & Sendable)?

    init(state: SchedulerState, ledger: OperatorLedger = OperatorLedger(), ready: Bool = true, now: Date,
         publishError: (any Error & Sendable)? = nil) {
        box = Mutex((state, ledger, ready, []))
        fixedNow = now
        self.publishError = publishError
    }

    var state: SchedulerState { box.withLock { $0.state } }
    var ledger: OperatorLedger { box.withLock { $0.ledger } }
    var isReady: Bool { box.withLock { $0.ready } }
    var published: [AlmanacEvent] { box.withLock { $0.published } }
    func now() -> Date { fixedNow }

    func publish(_ event: AlmanacEvent) async throws -> PublishedEvent {
        if let publishError { throw publishError }
        let offset = box.withLock { box in
            box.published.append(event)
            return Int64(box.published.count - 1)
        }
        return PublishedEvent(time: fixedNow, topic: "almanac.\(event.kind.topic)", partition: 0, offset: offset)
    }
}

enum Fixtures {
    static func at(_ text: String) -> Date { RFC3339.parse(text)! }

    /// `acme/clinic` (jobs `remind` at 8:00 and `manual` without schedule) and `beta/sync` (`*:00`),
    /// configured 2026-03-02T12:00Z, New York.
    static func state() -> SchedulerState {
        var state = SchedulerState()
        let clinic = AppConfiguration(app: "clinic", account: "acme", jobs: [
            JobConfiguration(name: "remind", schedule: "8:00", command: ["x"], complexity: 3),
            JobConfiguration(name: "manual", schedule: nil, command: ["x"]),
        ])
        let sync = AppConfiguration(app: "sync", account: "beta", timeZone: "Europe/Berlin",
                                    jobs: [JobConfiguration(name: "hourly", schedule: "*:00", command: ["x"])])
        for config in [clinic, sync] {
            state.apply(EventEnvelope(source: "t", time: at("2026-03-02T12:00:00Z"), event: .appConfigured(AppConfigured(config: config))))
        }
        return state
    }
}

extension Fixtures {
    static let adminToken = "admin-secret"
    static let aliceToken = "alice-secret"
    static let scraperToken = "prom-secret"

    /// A token file: `ops` (admin), `alice` (account acme), `prom` (metrics).
    static func tokenFileText() -> String {
        """
        tokens:
          - {name: ops, role: admin, sha256: \(TokenDigest.sha256Hex(adminToken))}
          - {name: alice, role: account, accounts: [acme], sha256: \(TokenDigest.sha256Hex(aliceToken))}
          - {name: prom, role: metrics, sha256: \(TokenDigest.sha256Hex(scraperToken))}
        """
    }

    /// A fresh temporary file holding `text`.
    static func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("almanac-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func directory(recheckInterval: TimeInterval = 0.25) throws -> PrincipalDirectory {
        try PrincipalDirectory(path: try temporaryFile(tokenFileText()), adminToken: nil, recheckInterval: recheckInterval,
                               logger: Logger(label: "test"))
    }

    /// The whole router over `backend` with ``directory()``'s principals and in-memory sessions.
    static func router(backend: FakeBackend, throttle: LoginThrottleBox = LoginThrottleBox()) -> Router<AlmanacRequestContext> {
        HTTPRole.router(backend: backend, directory: try! directory(), registry: PrometheusCollectorRegistry(),
                        sessions: PanelRoutes.sessionStorage(persist: MemoryPersistDriver(), secureCookies: false), throttle: throttle)
    }
}
