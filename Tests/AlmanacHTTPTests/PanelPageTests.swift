import AlmanacCore
@testable import AlmanacHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

/// The panel page's details: pauses shown on the page, "paused" instead of next runs, run chips by
/// their slot in one format, "run now", the page's own refresh.
@Suite struct PanelPageTests {
    static let credits = CreditsView(millicredits: 0, credits: "0.000", runs: 0)

    static func list(appPaused: PauseView?, jobPaused: PauseView?) -> AppListView {
        let run = RunView(triggerId: "acme/clinic/remind@2026-03-02T13:00Z", status: "succeeded", skipReason: nil,
                          scheduledFor: InstantView(utc: "2026-03-02T13:00:00.000Z", local: "2026-03-02T08:00:00-05:00"),
                          at: InstantView(utc: "2026-03-02T13:01:10.000Z", local: "2026-03-02T08:01:10-05:00"),
                          startedAt: nil, durationMilliseconds: 70_000, attempt: 1)
        let next = [InstantView(utc: "2026-03-03T13:00:00.000Z", local: "2026-03-03T08:00:00-05:00")]
        let remind = JobView(name: "remind", key: "acme/clinic/remind", schedule: "8:00", enabled: appPaused == nil && jobPaused == nil,
                             paused: jobPaused, complexity: 3, overlap: "skip", nextRuns: next, lastRuns: [run])
        let app = AppView(app: "clinic", account: "acme", zone: "America/New_York", enabled: appPaused == nil, paused: appPaused,
                          configuredAt: "2026-03-02T12:00:00.000Z", creditsToday: credits, jobs: [remind])
        return AppListView(now: "2026-03-02T13:30:00.000Z", day: "2026-03-02", apps: [app],
                           accounts: [AccountView(account: "acme", apps: ["clinic"], creditsToday: credits)])
    }

    static func render(_ list: AppListView) -> String {
        PanelPage.render(list: list, dlq: DLQView(total: 0, rejections: []), viewer: PanelViewer(name: "ops", csrf: "c1"), message: nil)
    }

    @Test func render_whenRunsFinishedAfterTheirSlot_chipsShowTheSlotAndNextRunsShareTheFormat() {
        let page = Self.render(Self.list(appPaused: nil, jobPaused: nil))
        #expect(page.contains(">08:00 succeeded · 1 min 10 s</span>"))
        #expect(!page.contains(">08:01 "))
        #expect(page.contains(">03-03 08:00</li>"))
        #expect(page.contains("times in America/New_York"))
        #expect(page.contains(#"<meta http-equiv="refresh" content="30; url=/">"#))
        #expect(page.contains(#"action="/panel/apps/clinic/jobs/remind/trigger""#))
        #expect(page.components(separatedBy: #"<input type="hidden" name="csrf" value="c1">"#).count - 1
                == page.components(separatedBy: "<form ").count - 1)
    }

    @Test func render_whenTheAppIsPaused_showsTheReasonOnThePageAndPausedInsteadOfNextRuns() {
        let pause = PauseView(since: "2026-03-02T13:03:30.000Z", reason: "clinic closed", actor: "cli:ops")
        let page = Self.render(Self.list(appPaused: pause, jobPaused: nil))
        #expect(page.contains(#"<div class="pause" id="pause-clinic">paused since 08:03 by cli:ops: “clinic closed”</div>"#))
        #expect(page.contains(#"<span class="paused-next">paused</span>"#))
        #expect(!page.contains(">03-03 08:00</li>"))
    }

    @Test func render_whenOneJobIsPaused_showsItsPauseInItsRow() {
        let page = Self.render(Self.list(appPaused: nil, jobPaused: PauseView(since: "2026-03-02T13:10:00.000Z", reason: nil, actor: "panel")))
        #expect(page.contains(#"<div class="pause" id="pause-clinic-remind">paused since 08:10 by panel</div>"#))
        #expect(page.contains(#"<span class="paused-next">paused</span>"#))
    }

    @Test func renderLogin_offersOnlyTheLoginForm() {
        let page = PanelPage.renderLogin(message: nil)
        #expect(page.contains(#"action="/login""#) && !page.contains("/trigger") && !page.contains("refresh"))
    }

    @Test func runNow_publishesAManualTrigger_withTheSameAuthAsTheSwitches() async throws {
        let backend = FakeBackend(state: Fixtures.state(), now: Fixtures.at("2026-03-02T13:30:00Z"))
        let app = Application(router: Fixtures.router(backend: backend))
        try await app.test(.router) { client in
            try await client.execute(uri: "/panel/apps/clinic/jobs/remind/trigger", method: .post) { #expect($0.status == .unauthorized) }
            let header = try await client.execute(uri: "/login", method: .post, body: ByteBuffer(string: "token=\(Fixtures.adminToken)")) {
                HTTPAccessTests.sessionCookie($0)
            }
            let cookie = String(try #require(header).split(separator: ";")[0])
            let page = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
            let csrf = try #require(page.firstMatch(of: /name="csrf" value="([^"]+)"/)?.1).description
            try await client.execute(uri: "/panel/apps/clinic/jobs/remind/trigger", method: .post, headers: [.cookie: cookie]) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/panel/apps/clinic/jobs/nope/trigger", method: .post, headers: [.cookie: cookie],
                                     body: ByteBuffer(string: "csrf=\(csrf)")) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/panel/apps/clinic/jobs/remind/trigger", method: .post, headers: [.cookie: cookie],
                                     body: ByteBuffer(string: "csrf=\(csrf)")) { response async throws in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location]?.hasPrefix("/?message=Triggered") == true)
            }
        }
        #expect(backend.published.count == 1)
        guard case .jobTriggered(let trigger) = backend.published.first else {
            Issue.record("expected a trigger, got \(backend.published)")
            return
        }
        #expect(trigger.job == JobKey(account: "acme", app: "clinic", job: "remind"))
        #expect(trigger.source == .manual)
        #expect(trigger.scheduledFor == Fixtures.at("2026-03-02T13:30:00Z"))
        #expect(trigger.actor == "ops")
    }
}
