import AlmanacCore
@testable import AlmanacHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Who may read and change what: tokens on the API and `/metrics`, sessions and CSRF on the
/// panel, the login throttle, the security headers, the token file and its reload.
@Suite struct HTTPAccessTests {
    static func app(throttle: LoginThrottleBox = LoginThrottleBox()) -> (Application<RouterResponder<AlmanacRequestContext>>, FakeBackend) {
        let backend = FakeBackend(state: Fixtures.state(), now: Fixtures.at("2026-03-02T13:30:00Z"))
        return (Application(router: Fixtures.router(backend: backend, throttle: throttle)), backend)
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    static let dataRoutes = ["/v1/apps", "/v1/apps/clinic", "/v1/accounts", "/v1/apps/clinic/jobs/remind/runs", "/v1/dlq", "/metrics"]

    @Test func everyDataRoute_withoutCredentials_is401_probesAreOpen() async throws {
        let (app, backend) = Self.app()
        try await app.test(.router) { client in
            for uri in Self.dataRoutes {
                try await client.execute(uri: uri, method: .get) { response async throws in
                    #expect(response.status == .unauthorized, "\(uri)")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"almanac\"")
                }
            }
            for uri in ["/v1/apps/clinic/pause", "/v1/apps/clinic/jobs/remind/trigger"] {
                try await client.execute(uri: uri, method: .post) { #expect($0.status == .unauthorized, "\(uri)") }
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/apps", method: .get, headers: Self.bearer("nobody")) { response async throws in
                #expect(response.status == .unauthorized)
                #expect(try HTTPRouterTests.error(response).error == "unknown token")
            }
        }
        #expect(backend.published.isEmpty)
    }

    @Test func accountToken_seesOnlyItsAccount_andOthersAppsAre404WithoutTheirNames() async throws {
        let (app, backend) = Self.app()
        let alice = Self.bearer(Fixtures.aliceToken)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/apps", method: .get, headers: alice) { response async throws in
                let list = try JSONDecoder().decode(AppListView.self, from: Data(buffer: response.body))
                #expect(list.apps.map(\.app) == ["clinic"])
                #expect(list.accounts.map(\.account) == ["acme"])
            }
            try await client.execute(uri: "/v1/accounts", method: .get, headers: alice) { response async throws in
                #expect(!String(buffer: response.body).contains("beta"))
            }
            for uri in ["/v1/apps/sync", "/v1/apps/sync/jobs/hourly/runs"] {
                try await client.execute(uri: uri, method: .get, headers: alice) { response async throws in
                    #expect(response.status == .notFound)
                    #expect(try HTTPRouterTests.error(response).error == "app \"sync\" is not configured (known: clinic)")
                }
            }
            for uri in ["/v1/apps/sync/pause", "/v1/apps/sync/jobs/hourly/pause", "/v1/apps/sync/jobs/hourly/trigger"] {
                try await client.execute(uri: uri, method: .post, headers: alice) { #expect($0.status == .notFound, "\(uri)") }
            }
            try await client.execute(uri: "/v1/apps/clinic/jobs/remind/pause", method: .post, headers: alice,
                                     body: ByteBuffer(string: #"{"reason":"clinic closed"}"#)) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/v1/apps/clinic/jobs/manual/trigger", method: .post, headers: alice) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/metrics", method: .get, headers: alice) { response async throws in
                #expect(response.status == .forbidden)
                #expect(try HTTPRouterTests.error(response).error == "alice (account token) may not read /metrics")
            }
        }
        #expect(backend.published.count == 2)
        #expect(backend.published.first == .schedulePaused(ScheduleToggled(app: "clinic", job: "remind", reason: "clinic closed", actor: "alice")))
        guard case .jobTriggered(let trigger) = backend.published.last else { Issue.record("no trigger"); return }
        #expect(trigger.actor == "alice")
    }

    @Test func metricsToken_readsMetricsOnly_adminReadsBoth() async throws {
        let (app, _) = Self.app()
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: Self.bearer(Fixtures.scraperToken)) { response async throws in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            }
            try await client.execute(uri: "/v1/apps", method: .get, headers: Self.bearer(Fixtures.scraperToken)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/metrics", method: .get, headers: Self.bearer(Fixtures.adminToken)) { #expect($0.status == .ok) }
        }
    }

    @Test func failedLogins_fromOneAddress_areRefusedWith429_onceTooMany() async throws {
        let (app, _) = Self.app()
        try await app.test(.router) { client in
            for _ in 0..<10 {
                try await client.execute(uri: "/v1/apps", method: .get, headers: Self.bearer("guess")) { #expect($0.status == .unauthorized) }
            }
            try await client.execute(uri: "/v1/apps", method: .get, headers: Self.bearer(Fixtures.adminToken)) { response async throws in
                #expect(response.status == .tooManyRequests)
                #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 > 0)
            }
            try await client.execute(uri: "/login", method: .post, body: ByteBuffer(string: "token=\(Fixtures.adminToken)")) {
                #expect($0.status == .tooManyRequests)
            }
        }
    }

    @Test func responses_carrySecurityHeaders() async throws {
        let (app, _) = Self.app()
        try await app.test(.router) { client in
            for uri in ["/", "/v1/apps", "/healthz"] {
                try await client.execute(uri: uri, method: .get) { response async throws in
                    #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true, "\(uri)")
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                    #expect(response.headers[.init("X-Frame-Options")!] == "DENY")
                }
            }
        }
    }

    /// The session cookie's value, from a login response.
    static func sessionCookie(_ response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("\(PanelRoutes.cookieName)=") }
    }

    @Test func panel_withoutSession_showsOnlyTheLoginForm() async throws {
        let (app, backend) = Self.app()
        try await app.test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response async throws in
                let page = String(buffer: response.body)
                #expect(page.contains(#"action="/login""#))
                #expect(!page.contains("clinic") && !page.contains("sync") && !page.contains("acme"))
            }
            try await client.execute(uri: "/panel/apps/clinic/pause", method: .post) { #expect($0.status == .unauthorized) }
        }
        #expect(backend.published.isEmpty)
    }

    @Test func panel_login_opensASessionById_scopedToThePrincipal_withCSRFOnEveryForm() async throws {
        let (app, backend) = Self.app()
        try await app.test(.router) { client in
            let setCookie = try await client.execute(uri: "/login", method: .post, body: ByteBuffer(string: "token=\(Fixtures.aliceToken)")) { response async throws in
                #expect(response.status == .seeOther)
                return Self.sessionCookie(response)
            }
            let header = try #require(setCookie)
            #expect(!header.contains(Fixtures.aliceToken))
            #expect(header.contains("HttpOnly") && header.contains("SameSite=Strict") && header.contains("Expires="))
            let cookie = String(header.split(separator: ";")[0])
            let page = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
            #expect(page.contains(#"id="toggle-app-clinic""#) && page.contains("alice"))
            #expect(!page.contains("sync") && !page.contains("beta"))
            let csrf = try #require(page.firstMatch(of: /name="csrf" value="([^"]+)"/)?.1).description
            // Without the CSRF token, or with another, a post is refused and publishes nothing.
            for body in ["reason=x", "reason=x&csrf=forged"] {
                try await client.execute(uri: "/panel/apps/clinic/pause", method: .post, headers: [.cookie: cookie],
                                         body: ByteBuffer(string: body)) { #expect($0.status == .forbidden) }
            }
            try await client.execute(uri: "/panel/apps/sync/pause", method: .post, headers: [.cookie: cookie],
                                     body: ByteBuffer(string: "csrf=\(csrf)")) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/panel/apps/clinic/pause", method: .post, headers: [.cookie: cookie],
                                     body: ByteBuffer(string: "reason=maintenance+window&csrf=\(csrf)")) { #expect($0.status == .seeOther) }
            // Logout ends the session: the same cookie no longer shows data.
            try await client.execute(uri: "/logout", method: .post, headers: [.cookie: cookie], body: ByteBuffer(string: "csrf=\(csrf)")) {
                #expect($0.status == .seeOther)
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { response async throws in
                #expect(!String(buffer: response.body).contains("clinic"))
            }
        }
        #expect(backend.published == [.schedulePaused(ScheduleToggled(app: "clinic", reason: "maintenance window", actor: "alice"))])
    }

    @Test func panel_loginAgain_rotatesTheSessionId() async throws {
        let (app, _) = Self.app()
        try await app.test(.router) { client in
            var cookies: [String] = []
            for _ in 0..<2 {
                let header = try await client.execute(uri: "/login", method: .post, headers: cookies.last.map { [.cookie: $0] } ?? [:],
                                                      body: ByteBuffer(string: "token=\(Fixtures.adminToken)")) { Self.sessionCookie($0) }
                cookies.append(String(try #require(header).split(separator: ";")[0]))
            }
            #expect(cookies[0] != cookies[1])
            try await client.execute(uri: "/", method: .get, headers: [.cookie: cookies[0]]) { response async throws in
                #expect(String(buffer: response.body).contains(#"action="/login""#))
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: cookies[1]]) { response async throws in
                #expect(String(buffer: response.body).contains("clinic"))
            }
        }
    }
}

@Suite struct TokenFileTests {
    let digest = TokenDigest.sha256Hex("x")

    @Test func parse_whenValid_readsEveryPrincipal() throws {
        let file = try TokenFile.parse(Fixtures.tokenFileText())
        #expect(file.entries.map(\.principal.name) == ["ops", "alice", "prom"])
        #expect(file.entries[1].principal == Principal(name: "alice", role: .account, accounts: ["acme"]))
        #expect(try TokenFile.parse("").entries.isEmpty)
    }

    @Test func parse_whenWrong_namesTheEntryAndField() {
        let cases: [(String, String)] = [
            ("tokens:\n  - {name: a, role: boss, sha256: \(digest)}", "tokens[0].role: must be admin, account or metrics, not \"boss\""),
            ("tokens:\n  - {name: a, role: account, sha256: \(digest)}", "tokens[0].accounts: an account token needs at least one account"),
            ("tokens:\n  - {name: a, role: admin, sha256: hunter2}", "tokens[0].sha256: must be 64 lower-case hex characters (the SHA-256 of the token, not the token)"),
            ("tokens:\n  - {name: a, role: admin, acounts: [x], sha256: \(digest)}", "tokens[0].acounts: unknown key (allowed: accounts, apps, name, role, sha256)"),
            ("tokens:\n  - {name: a, role: admin, accounts: [x], sha256: \(digest)}", "tokens[0].accounts: only account tokens list accounts or apps (admin tokens see everything)"),
            ("tokens:\n  - {name: a, role: admin, sha256: \(digest)}\n  - {name: a, role: metrics, sha256: \(TokenDigest.sha256Hex("y"))}",
             "tokens[1].name: \"a\" is used by an earlier entry"),
            ("users: []", "users: unknown key (allowed: tokens)"),
        ]
        for (text, message) in cases {
            #expect(throws: TokenFile.Problem.self) { try TokenFile.parse(text) }
            do { _ = try TokenFile.parse(text) } catch { #expect(error.description == message) }
        }
    }

    @Test func line_ofTokenCreate_parsesBackToThePrincipal() throws {
        let principal = Principal(name: "carol", role: .account, accounts: ["acme", "beta"], apps: ["clinic"])
        let file = try TokenFile.parse("tokens:\n" + TokenFile.line(for: principal, sha256: digest) + "\n")
        #expect(file.entries == [TokenFile.Entry(principal: principal, sha256: digest)])
        #expect(TokenDigest.newToken() != TokenDigest.newToken())
        #expect(TokenDigest.newToken().count == 47)
    }

    @Test func directory_whenTheFileChanges_removedTokenStopsWorking_badVersionKeepsTheLastGood() throws {
        let path = try Fixtures.temporaryFile(Fixtures.tokenFileText())
        let directory = try PrincipalDirectory(path: path, adminToken: "env-admin", recheckInterval: 0, logger: Logger(label: "test"))
        #expect(directory.principal(forToken: Fixtures.aliceToken)?.name == "alice")
        #expect(directory.principal(forToken: "env-admin")?.role == .admin)
        // alice removed (a new inode, as editors and `mv` write it)
        let without = Fixtures.tokenFileText().split(separator: "\n").filter { !$0.contains("alice") }.joined(separator: "\n")
        try without.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(directory.principal(forToken: Fixtures.aliceToken) == nil)
        #expect(directory.principal(forToken: Fixtures.adminToken)?.name == "ops")
        // a broken version is refused: the last good one stays in force
        try "tokens: [oops".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(directory.principal(forToken: Fixtures.adminToken)?.name == "ops")
        #expect(directory.reload() != nil)
        #expect(directory.principal(forToken: Fixtures.adminToken)?.name == "ops")
    }

    @Test func directory_whenTheFileIsBrokenAtStart_throwsNamingIt() throws {
        let path = try Fixtures.temporaryFile("tokens:\n  - {name: a}")
        #expect(throws: TokenFile.Problem.self) { try PrincipalDirectory(path: path, adminToken: nil, logger: Logger(label: "t")) }
    }
}
