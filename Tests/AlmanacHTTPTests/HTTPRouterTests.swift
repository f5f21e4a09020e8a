import AlmanacCore
@testable import AlmanacHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import Kafka
import Prometheus
import Testing

/// The router in-process (`.router`), against a ``FakeBackend``: status codes, bodies, and the
/// events mutating requests publish. Requests carry the admin token unless a test is about access
/// (HTTPAccessTests).
@Suite struct HTTPRouterTests {
    static func app(ready: Bool = true) -> (Application<RouterResponder<AlmanacRequestContext>>, FakeBackend) {
        let backend = FakeBackend(state: Fixtures.state(), ready: ready, now: Fixtures.at("2026-03-02T13:30:00Z"))
        return (Application(router: Fixtures.router(backend: backend)), backend)
    }

    static let admin: HTTPFields = [.authorization: "Bearer \(Fixtures.adminToken)"]

    static func error(_ response: TestResponse) throws -> ErrorView {
        try JSONDecoder().decode(ErrorView.self, from: Data(buffer: response.body))
    }

    @Test func getApps_andOneApp_andUnknownApp() async throws {
        let (app, _) = Self.app()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/apps", method: .get, headers: Self.admin) { response async throws in
                #expect(response.status == .ok)
                let list = try JSONDecoder().decode(AppListView.self, from: Data(buffer: response.body))
                #expect(list.apps.map(\.app) == ["clinic", "sync"])
            }
            try await client.execute(uri: "/v1/apps/clinic", method: .get, headers: Self.admin) { response async throws in
                #expect(try JSONDecoder().decode(AppView.self, from: Data(buffer: response.body)).account == "acme")
            }
            try await client.execute(uri: "/v1/apps/ghost", method: .get, headers: Self.admin) { response async throws in
                #expect(response.status == .notFound)
                #expect(try Self.error(response) == ErrorView(error: "app \"ghost\" is not configured (known: clinic, sync)", field: "app"))
            }
            try await client.execute(uri: "/v1/apps/clinic/jobs/nope/runs", method: .get, headers: Self.admin) { response async throws in
                #expect(response.status == .notFound)
                #expect(try Self.error(response).field == "job")
            }
            try await client.execute(uri: "/v1/apps/clinic/jobs/remind/runs?limit=0", method: .get, headers: Self.admin) { response async throws in
                #expect(response.status == .badRequest)
                #expect(try Self.error(response).field == "limit")
            }
            try await client.execute(uri: "/v1/nothing", method: .get, headers: Self.admin) { response async throws in
                #expect(response.status == .notFound)
                #expect(try Self.error(response).error.contains("no such endpoint"))
            }
        }
    }

    @Test func pauseJob_publishesScheduleToggled_withReasonAndActor() async throws {
        let (app, backend) = Self.app()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/apps/clinic/jobs/remind/pause", method: .post, headers: Self.admin,
                                     body: ByteBuffer(string: #"{"reason": "holiday"}"#)) { response async throws in
                #expect(response.status == .accepted)
                let published = try JSONDecoder().decode(PublishedView.self, from: Data(buffer: response.body))
                #expect(published.type == "almanac.schedule.paused")
                #expect(published.topic == "almanac.control")
            }
            try await client.execute(uri: "/v1/apps/clinic/resume", method: .post, headers: Self.admin) { response async throws in
                #expect(response.status == .accepted)
            }
        }
        #expect(backend.published == [.schedulePaused(ScheduleToggled(app: "clinic", job: "remind", reason: "holiday", actor: "ops")),
                                      .scheduleResumed(ScheduleToggled(app: "clinic", job: nil, reason: nil, actor: "ops"))])
    }

    @Test func badBodies_are400_namingTheField_andPublishNothing() async throws {
        let (app, backend) = Self.app()
        try await app.test(.router) { client in
            for (body, field, text) in [("{not json", nil as String?, "request body is not valid JSON"),
                                        ("[1]", nil, "request body must be a JSON object"),
                                        (#"{"reason": 5}"#, "reason", "reason must be a string"),
                                        (#"{"why": "x"}"#, "why", #"unknown field "why" (allowed: reason)"#)] {
                try await client.execute(uri: "/v1/apps/clinic/pause", method: .post, headers: Self.admin, body: ByteBuffer(string: body)) { response async throws in
                    #expect(response.status == .badRequest)
                    #expect(try Self.error(response) == ErrorView(error: text, field: field))
                }
            }
        }
        #expect(backend.published.isEmpty)
    }

    @Test func trigger_publishesAManualTriggerWithParams() async throws {
        let (app, backend) = Self.app()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/apps/clinic/jobs/manual/trigger", method: .post, headers: Self.admin,
                                     body: ByteBuffer(string: #"{"params": {"dryRun": true}}"#)) { response async throws in
                #expect(response.status == .accepted)
                #expect(try JSONDecoder().decode(PublishedView.self, from: Data(buffer: response.body)).triggerId?.count == 36)
            }
        }
        guard case .jobTriggered(let trigger) = backend.published.first else { Issue.record("no trigger published"); return }
        #expect(trigger.job == JobKey(account: "acme", app: "clinic", job: "manual"))
        #expect(trigger.source == .manual)
        #expect(trigger.params == .object(["dryRun": .bool(true)]))
        #expect(trigger.scheduledFor == Fixtures.at("2026-03-02T13:30:00Z"))
    }

    @Test func probes_readyzFollowsTheBackend_metricsIsPrometheusText() async throws {
        let (notReady, _) = Self.app(ready: false)
        try await notReady.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get, headers: Self.admin) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get, headers: Self.admin) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/metrics", method: .get, headers: Self.admin) { response async throws in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            }
        }
        let (ready, _) = Self.app(ready: true)
        try await ready.test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get, headers: Self.admin) { #expect($0.status == .ok) }
        }
    }

    @Test func whenKafkaRefusesTheEvent_mutationsAnswer503WithRetryAfter_not500() async throws {
        let backend = FakeBackend(state: Fixtures.state(), now: Fixtures.at("2026-03-02T13:30:00Z"),
                                  publishError: KafkaError(code: .delivery, reason: "Local: Message timed out"))
        let app = Application(router: Fixtures.router(backend: backend))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/apps/clinic/pause", method: .post, headers: Self.admin, body: ByteBuffer(string: #"{"reason":"x"}"#)) { response async throws in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "5")
                #expect(try Self.error(response).error.contains("nothing was published: Local: Message timed out"))
            }
        }
    }

    @Test func everyRoute_answersItsMethods_andOtherMethodsAre405WithAllow() async throws {
        let (app, _) = Self.app()
        try await app.test(.router) { client in
            for (template, allowed) in MethodNotAllowed.routes {
                let path = "/" + template.replacingOccurrences(of: ":app", with: "clinic").replacingOccurrences(of: ":job", with: "remind")
                    .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                let served = MethodNotAllowed.served(allowed)
                for method in [.get, .head, .post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!] as [HTTPRequest.Method] {
                    try await client.execute(uri: path, method: method, headers: Self.admin) { response async throws in
                        if served.contains(method) {
                            #expect(response.status != .methodNotAllowed && response.status != .notFound, "\(method) \(path): \(response.status)")
                        } else {
                            #expect(response.status == .methodNotAllowed, "\(method) \(path): \(response.status)")
                            #expect(response.headers[.allow] == served.map(\.rawValue).joined(separator: ", "))
                        }
                    }
                }
            }
        }
    }
}
