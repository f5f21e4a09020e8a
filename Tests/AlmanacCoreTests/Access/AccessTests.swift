@testable import AlmanacCore
import Foundation
import Testing

@Suite struct PrincipalTests {
    let alice = Principal(name: "alice", role: .account, accounts: ["acme"])
    let clinicOnly = Principal(name: "carol", role: .account, accounts: ["acme"], apps: ["clinic"])
    let admin = Principal(name: "ops", role: .admin)
    let scraper = Principal(name: "prom", role: .metrics)

    @Test func mayAccess_whenAccountPrincipal_onlyItsAccountsAndApps() {
        #expect(alice.mayAccess(account: "acme", app: "clinic"))
        #expect(!alice.mayAccess(account: "beta", app: "sync"))
        #expect(clinicOnly.mayAccess(account: "acme", app: "clinic"))
        #expect(!clinicOnly.mayAccess(account: "acme", app: "billing"))
        #expect(alice.mayAccess(account: "acme") && !clinicOnly.mayAccess(account: "acme"))
        #expect(admin.mayAccess(account: "beta", app: "sync") && admin.mayAccess(account: "beta"))
        #expect(!scraper.mayAccess(account: "acme", app: "clinic") && !scraper.mayReadData && scraper.mayReadMetrics)
        #expect(!alice.mayReadMetrics && alice.mayReadData)
    }

    @Test func mayReadDLQKey_whenKeyIsJobKeyAppIdOrAccount_judgesByOwner() {
        let owner: (String) -> String? = { ["clinic": "acme", "sync": "beta"][$0] }
        #expect(alice.mayRead(dlqKey: "acme/clinic/remind", accountOfApp: owner))
        #expect(!alice.mayRead(dlqKey: "beta/sync/hourly", accountOfApp: owner))
        #expect(alice.mayRead(dlqKey: "clinic", accountOfApp: owner))
        #expect(!alice.mayRead(dlqKey: "sync", accountOfApp: owner))
        #expect(alice.mayRead(dlqKey: "acme", accountOfApp: owner))
        #expect(!clinicOnly.mayRead(dlqKey: "acme", accountOfApp: owner))
        #expect(!alice.mayRead(dlqKey: nil, accountOfApp: owner))
        #expect(!alice.mayRead(dlqKey: "", accountOfApp: owner))
        #expect(admin.mayRead(dlqKey: nil, accountOfApp: owner))
        #expect(!scraper.mayRead(dlqKey: "acme", accountOfApp: owner))
    }

    @Test func visible_whenAccountPrincipal_keepsOnlyItsAppsCreditsAndRejections() {
        var state = SchedulerState()
        let at = Date(timeIntervalSince1970: 1_772_452_800)  // 2026-03-02T12:00Z
        for (app, account) in [("clinic", "acme"), ("sync", "beta")] {
            let config = AppConfiguration(app: app, account: account, jobs: [JobConfiguration(name: "j", schedule: "*:00", command: ["x"])])
            state.apply(EventEnvelope(source: "t", time: at, event: .appConfigured(AppConfigured(config: config))))
        }
        var ledger = OperatorLedger()
        for (account, app) in [("acme", "clinic"), ("beta", "sync")] {
            let charge = CreditsCharged(triggerId: TriggerID("\(account)/\(app)/j@2026-03-02T12:00Z"), account: account, app: app, job: "j",
                                        executionId: "e", status: .succeeded, pricingVersion: "v1",
                                        lineItems: [ChargeLineItem(item: "base", quantity: 1, unitPrice: Millicredits(1000), amount: Millicredits(1000))])
            _ = ledger.apply(EventEnvelope(source: "t", time: at, event: .creditsCharged(charge)))
        }
        for key in ["acme/clinic/j", "sync", "beta", nil] as [String?] {
            let rejected = EventRejected(topic: "almanac.triggers", partition: 0, offset: 1, key: key, raw: [],
                                         reason: .notJSON, detail: "x", rejectedBy: "worker")
            _ = ledger.apply(EventEnvelope(source: "t", time: at, event: .eventRejected(rejected)))
        }
        let alice = Principal(name: "alice", role: .account, accounts: ["acme"])
        #expect(Array(state.visible(to: alice).apps.keys) == ["clinic"])
        #expect(state.visible(to: Principal(name: "ops", role: .admin)).apps.count == 2)
        let scoped = ledger.visible(to: alice, state: state)
        #expect(scoped.credits(onDayOf: at).apps.keys.map(\.app) == ["clinic"])
        #expect(scoped.rejections.map(\.rejected.key) == ["acme/clinic/j"])
        #expect(scoped.rejectionCount == 1)
        #expect(ledger.visible(to: Principal(name: "ops", role: .admin), state: state).rejectionCount == 4)
    }
}

@Suite struct LoginThrottleTests {
    let start = Date(timeIntervalSince1970: 1_000_000)

    @Test func retryAfter_whenTooManyFailuresWithinTheWindow_refusesUntilTheWindowPasses() {
        var throttle = LoginThrottle()
        for i in 0..<9 { throttle.recordFailure(address: "10.0.0.1", now: start + Double(i)) }
        #expect(throttle.retryAfter(address: "10.0.0.1", now: start + 9) == nil)
        throttle.recordFailure(address: "10.0.0.1", now: start + 9)
        #expect(throttle.retryAfter(address: "10.0.0.1", now: start + 10) == 59)
        #expect(throttle.retryAfter(address: "10.0.0.2", now: start + 10) == nil)
        // The first failures age out one by one: at start+60 the one at +0 no longer counts.
        #expect(throttle.retryAfter(address: "10.0.0.1", now: start + 60) == nil)
        #expect(throttle.retryAfter(address: "10.0.0.1", now: start + 70) == nil)
    }

    @Test func recordSuccess_clearsTheAddress() {
        var throttle = LoginThrottle()
        for i in 0..<10 { throttle.recordFailure(address: "a", now: start + Double(i)) }
        #expect(throttle.retryAfter(address: "a", now: start + 10) != nil)
        throttle.recordSuccess(address: "a")
        #expect(throttle.retryAfter(address: "a", now: start + 10) == nil)
        #expect(throttle.trackedAddresses == 0)
    }

    @Test func recordFailure_whenManyAddresses_tracksAtMostTheLimit() {
        var throttle = LoginThrottle()
        throttle.maxTrackedAddresses = 3
        for i in 0..<10 { throttle.recordFailure(address: "a\(i)", now: start + Double(i)) }
        #expect(throttle.trackedAddresses == 3)
    }
}

@Suite struct AppConfigurationDiffTests {
    static let current = AppConfiguration(app: "clinic", account: "acme", jobs: [
        JobConfiguration(name: "send", schedule: "8:00", command: ["send.py"]),
        JobConfiguration(name: "old", schedule: "*:00", command: ["old.py"]),
    ])

    @Test func diff_whenJobsAddedRemovedAndChanged_listsEach() {
        var proposed = Self.current
        proposed.jobs = [JobConfiguration(name: "send", schedule: "9:00", command: ["send.py"], timeoutSeconds: 120),
                         JobConfiguration(name: "digest", schedule: "18:00", command: ["digest.py"])]
        proposed.timeZone = "Europe/Berlin"
        let diff = AppConfigurationDiff(current: Self.current, proposed: proposed)
        #expect(diff.kind == .changed && diff.ownershipRefusal == nil)
        #expect(diff.lines == ["~ timeZone", "+ job digest", "- job old", "~ job send: schedule, timeoutSeconds"])
    }

    @Test func diff_whenTheAccountChanges_isRefusedNamingTheOwner() {
        var proposed = Self.current
        proposed.account = "mallory"
        let diff = AppConfigurationDiff(current: Self.current, proposed: proposed)
        #expect(diff.accountMove == AppConfigurationDiff.AccountMove(from: "acme", to: "mallory"))
        #expect(diff.ownershipRefusal?.hasPrefix("app \"clinic\" belongs to account \"acme\"; this file would move it to \"mallory\"") == true)
        #expect(diff.lines.first == "account acme → mallory")
    }

    @Test func diff_whenNewOrEqual_isCreatedOrUnchanged() {
        #expect(AppConfigurationDiff(current: nil, proposed: Self.current).kind == .created)
        #expect(AppConfigurationDiff(current: nil, proposed: Self.current).addedJobs == ["old", "send"])
        let same = AppConfigurationDiff(current: Self.current, proposed: Self.current)
        #expect(same.kind == .unchanged && same.lines.isEmpty)
    }
}
