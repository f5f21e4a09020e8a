import AlmanacCore
@testable import AlmanacHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import Kafka
import Prometheus
import Testing

/// The router in-process (`.router`), against a ``FakeBackend``: status codes, bodies, and the
/// events mutating requests publish.
@Suite struct HTTPRouterTests {
    static func app(token: String? = nil, ready: Bool = true) -> (Application<RouterResponder<BasicRequestContext>>, FakeBackend) {
        let backend = FakeBackend(state: Fixtures.state(), ready: ready, now: Fixtures.at("2026-03-02T13:30:00Z"))
        let router = HTTPRole.router(backend: backend, auth: AdminAuth(token: token), registry: PrometheusCollectorRegistry())
        return (Application(router: router), backend)
    }

    static func error(_ response: TestResponse) throws -> ErrorView {
        try JSONDecoder().decode(ErrorView.self, from: Data(buffer: response.body))
    }

    @Test func getApps_andOneApp_andUnknownApp() async throws {
        let (app, _) = Self.app()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/apps", method: .get) { response async throws in
                #expect(response.status == .ok)
                let list = try JSONDecoder().decode(AppListView.self, from: Data(buffer: response.body))
                #expect(list.apps.map(\.app) == ["clinic", "sync"])
            }
            try await client.execute(uri: "/v1/apps/clinic", method: .get) { response async throws in
                #expect(try JSONDecoder().decode(AppView.self, from: Data(buffer: response.body)).account == "acme")
            }
            try await client.execute(uri: "/v1/apps/ghost", method: .get) { response async throws in
                #expect(response.status == .notFound)
                #expect(try Self.error(response) == ErrorView(error: "app \"ghost\" is not configured (known: clinic, sync)", field: "app"))
            }
            try await client.execute(uri: "/v1/apps/clinic/jobs/nope/runs", method: .get) { response async throws in
                #expect(response.status == .notFound)
                #expect(try Self.error(response).field == "job")
            }
            try await client.execute(uri: "/v1/apps/clinic/jobs/remind/runs?limit=0", method: .get) { response async throws in
                #expect(response.status == .badRequest)
                #expect(try Self.error(response).field == "limit")
            }
            try await client.execute(uri: "/v1/nothing", method: .get) { response async throws in
                #expect(response.status == .notFound)
                #expect(try Self.error(response).error.contains("no such endpoint"))
            }
        }
    }

    @Test func pauseJob_publishesScheduleToggled_withReasonAndActor() async throws {
        let (app, backend) = Self.app()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/apps/clinic/jobs/remind/pause", method: .post,
                                     body: ByteBuffer(string: #"{"reason": "holiday"}"#)) { response async throws in
                #expect(response.status == .accepted)
                let published = try JSONDecoder().decode(PublishedView.self, from: Data(buffer: response.body))
                #expect(published.type == "almanac.schedule.paused")
                #expect(published.topic == "almanac.control")
            }
            try await client.execute(uri: "/v1/apps/clinic/resume", method: .post) { response async throws in
                #expect(response.status == .accepted)
            }
        }
        #expect(backend.published == [.schedulePaused(ScheduleToggled(app: "clinic", job: "remind", reason: "holiday", actor: "http")),
                                      .scheduleResumed(ScheduleToggled(app: "clinic", job: nil, reason: nil, actor: "http"))])
    }

    @Test func badBodies_are400_namingTheField_andPublishNothing() async throws {
        let (app, backend) = Self.app()
        try await app.test(.router) { client in
            for (body, field, text) in [("{not json", nil as String?, "request body is not valid JSON"),
                                        ("[1]", nil, "request body must be a JSON object"),
                                        (#"{"reason": 5}"#, "reason", "reason must be a string"),
                                        (#"{"why": "x"}"#, "why", #"unknown field "why" (allowed: reason)"#)] {
                try await client.execute(uri: "/v1/apps/clinic/pause", method: .post, body: ByteBuffer(string: body)) { response async throws in
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
            try await client.execute(uri: "/v1/apps/clinic/jobs/manual/trigger", method: .post,
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

    @Test func withToken_mutationsNeedTheBearerToken_readsDoNot() async throws {
        let (app, backend) = Self.app(token: "s3cret")
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/apps/clinic/pause", method: .post) { response async throws in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"almanac\"")
                #expect(try Self.error(response).field == "Authorization")
            }
            try await client.execute(uri: "/v1/apps/clinic/pause", method: .post, headers: [.authorization: "Bearer wrong"]) { response async throws in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/v1/apps/clinic/pause", method: .post, headers: [.authorization: "Bearer s3cret"]) { response async throws in
                #expect(response.status == .accepted)
            }
            try await client.execute(uri: "/v1/apps", method: .get) { response async throws in #expect(response.status == .ok) }
            // The panel: read-only with a login form until the cookie is set.
            try await client.execute(uri: "/panel/apps/clinic/pause", method: .post) { response async throws in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/", method: .get) { response async throws in
                #expect(String(buffer: response.body).contains(#"action="/login""#))
                #expect(!String(buffer: response.body).contains(#"action="/panel/apps/clinic/pause""#))
            }
            let cookie = try await client.execute(uri: "/login", method: .post, body: ByteBuffer(string: "token=s3cret")) { response async throws in
                #expect(response.status == .seeOther)
                return response.headers[.setCookie] ?? ""
            }
            #expect(cookie.hasPrefix("almanac_admin=s3cret"))
            try await client.execute(uri: "/panel/apps/clinic/pause", method: .post, headers: [.cookie: "almanac_admin=s3cret"],
                                     body: ByteBuffer(string: "reason=maintenance+window")) { response async throws in
                #expect(response.status == .seeOther)
            }
        }
        #expect(backend.published.count == 2)
        #expect(backend.published.last == .schedulePaused(ScheduleToggled(app: "clinic", reason: "maintenance window", actor: "panel")))
    }

    @Test func probes_readyzFollowsTheBackend_metricsIsPrometheusText() async throws {
        let (notReady, _) = Self.app(ready: false)
        try await notReady.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/metrics", method: .get) { response async throws in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            }
        }
        let (ready, _) = Self.app(ready: true)
        try await ready.test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func panel_open_listsAppsWithSwitchesAndEscapes() async throws {
        let (app, _) = Self.app()
        try await app.test(.router) { client in
            try await client.execute(uri: "/?message=%3Cb%3E", method: .get) { response async throws in
                let page = String(buffer: response.body)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(page.contains(#"id="toggle-app-clinic""#))
                #expect(page.contains(#"action="/panel/apps/clinic/jobs/remind/pause""#))
                #expect(page.contains("&lt;b&gt;"))
                #expect(!page.contains("<b>"))
                #expect(page.contains(#"name="viewport""#))
            }
            try await client.execute(uri: "/panel/apps/ghost/pause", method: .post) { #expect($0.status == .notFound) }
        }
    }

    @Test func whenKafkaRefusesTheEvent_mutationsAnswer503WithRetryAfter_not500() async throws {
        let backend = FakeBackend(state: Fixtures.state(), now: Fixtures.at("2026-03-02T13:30:00Z"),
                                  publishError: KafkaError(code: .delivery, reason: "Local: Message timed out"))
        let app = Application(router: HTTPRole.router(backend: backend, auth: AdminAuth(token: nil), registry: PrometheusCollectorRegistry()))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/apps/clinic/pause", method: .post, body: ByteBuffer(string: #"{"reason":"x"}"#)) { response async throws in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "5")
                #expect(try Self.error(response).error.contains("nothing was published: Local: Message timed out"))
            }
        }
    }
}
