@testable import Almanac
import AlmanacCore
import Foundation
import Kafka
import Logging
import Testing

/// `almanac billing report`'s aggregation (``BillingReport``), its replay of the charges topic
/// (``ChargeLogReader``, embedded cluster) and the pricing file loader (``PricingLoader``).
@Suite struct BillingReportTests {
    static let day = Date(timeIntervalSince1970: 1_772_409_600) // 2026-03-02T00:00:00Z

    static func charge(_ account: String, _ app: String, _ job: String, at minute: Int, base: Int64 = 1000, emails: Int64 = 0,
                       executionId: String = "e") -> (CreditsCharged, Date) {
        let time = day.addingTimeInterval(TimeInterval(minute * 60))
        var items = [ChargeLineItem(item: "base", quantity: 1, unitPrice: Millicredits(base), amount: Millicredits(base))]
        if emails > 0 { items.append(ChargeLineItem(item: "email", quantity: emails, unitPrice: Millicredits(100), amount: Millicredits(emails * 100))) }
        let trigger = TriggerID.scheduled(JobKey(account: account, app: app, job: job), at: time)
        return (CreditsCharged(triggerId: trigger, account: account, app: app, job: job, executionId: executionId, status: .succeeded,
                               pricingVersion: "v1", lineItems: items), time.addingTimeInterval(30))
    }

    static func report(_ charges: [(CreditsCharged, Date)], query: BillingReport.Query = .init(from: day, to: day.addingTimeInterval(2 * 86_400))) -> BillingReport {
        var report = BillingReport(query: query)
        for (charge, time) in charges { report.add(charge, at: time) }
        return report
    }

    @Test func add_whenChargeIdAppearsTwice_countsItOnce() {
        let first = Self.charge("acme", "clinic", "remind", at: 480, emails: 2)
        var rerun = Self.charge("acme", "clinic", "remind", at: 480, emails: 2, executionId: "e2")  // same chargeId, new run
        rerun.1 = rerun.1.addingTimeInterval(600)
        let report = Self.report([first, first, rerun])
        #expect(report.total.charges == 1)
        #expect(report.total.millicredits == Millicredits(1200))
        #expect(report.log.duplicates == 2)
        #expect(report.log.conflicts == 0)
        #expect(report.log.distinctCharges == 1)
    }

    /// Charges that are each valid but whose sum passes 64-bit millicredits (published by hand;
    /// workers bound usage far below): the report saturates, says so, and does not crash.
    @Test func add_whenTheSumPassesSixtyFourBits_showsTheLimitAndWarns() {
        let half = Int64.max / 2 + 1
        let charges = [Self.charge("acme", "clinic", "remind", at: 480, base: half), Self.charge("acme", "clinic", "remind", at: 481, base: half)]
        let report = Self.report(charges)
        #expect(report.total.charges == 2)
        #expect(report.total.millicredits == Millicredits(Int64.max))
        #expect(report.saturatedSums == 4)  // the row, the account, the day and the total
        #expect(report.text().contains("4 sum(s) passed 64-bit millicredits"))
        #expect(report.json().contains("\"saturatedSums\" : 4"))
        #expect(!Self.report([Self.charge("acme", "clinic", "remind", at: 480)]).json().contains("saturatedSums"))
    }

    @Test func add_whenDuplicateChargesDifferently_countsTheFirstAndReportsAConflict() {
        let first = Self.charge("acme", "clinic", "remind", at: 480)
        let other = Self.charge("acme", "clinic", "remind", at: 480, emails: 5)
        let report = Self.report([first, other])
        #expect(report.total.millicredits == Millicredits(1000))
        #expect(report.log.conflicts == 1)
        #expect(report.conflictingChargeIDs == [first.0.chargeId])
        #expect(report.text().contains("WARNING: 1 charge id(s) appear twice with different amounts"))
    }

    @Test func add_whenFirstCopyIsOutsideTheWindow_doesNotCountALaterCopyInside() {
        let query = BillingReport.Query(from: Self.day.addingTimeInterval(3600), to: Self.day.addingTimeInterval(7200))
        var late = Self.charge("acme", "clinic", "remind", at: 59)   // finished 00:59:30, outside
        let first = late
        late.1 = Self.day.addingTimeInterval(3700)                    // the copy lands inside
        let report = Self.report([first, late], query: query)
        #expect(report.total.charges == 0)
        #expect(report.log.duplicates == 1)
    }

    @Test func groups_whenManyRuns_totalPerDayAccountAppAndJob() {
        let charges = [
            Self.charge("acme", "clinic", "remind", at: 480),
            Self.charge("acme", "clinic", "remind", at: 481),
            Self.charge("acme", "clinic", "cleanup", at: 482, base: 3000),
            Self.charge("acme", "portal", "sync", at: 483, base: 2000),
            Self.charge("north", "stock", "sync", at: 1439, base: 2000),   // 23:59 UTC on 03-02
            Self.charge("north", "stock", "sync", at: 1440 + 60, base: 2000),
        ]
        let report = Self.report(charges)
        #expect(report.groups.count == 5)
        #expect(report.groups[.init(day: "2026-03-02", account: "acme", app: "clinic", job: "remind")]?.charges == 2)
        #expect(report.groups[.init(day: "2026-03-02", account: "acme", app: "clinic", job: "remind")]?.millicredits == Millicredits(2000))
        #expect(report.accounts["acme"]?.millicredits == Millicredits(7000))
        #expect(report.accounts["north"]?.charges == 2)
        #expect(report.days["2026-03-03"]?.millicredits == Millicredits(2000))
        #expect(report.total.millicredits == Millicredits(11_000))
        // Sorted rows, exact credits.
        let csv = report.csv().split(separator: "\r\n").map(String.init)
        #expect(csv[0] == "day,account,app,job,charges,millicredits,credits")
        #expect(csv[1] == "2026-03-02,acme,clinic,cleanup,1,3000,3.000")
        #expect(csv.count == 6)
    }

    @Test func days_whenZoneIsNewYork_useLocalDates() {
        // 02:00 UTC on 03-03 is 21:00 on 03-02 in New York (EST).
        let charges = [Self.charge("acme", "clinic", "remind", at: 1440 + 120)]
        let utc = Self.report(charges)
        let newYork = Self.report(charges, query: .init(from: Self.day, to: Self.day.addingTimeInterval(2 * 86_400),
                                                        zone: TimeZone(identifier: "America/New_York")!))
        #expect(Array(utc.days.keys) == ["2026-03-03"])
        #expect(Array(newYork.days.keys) == ["2026-03-02"])
    }

    @Test func query_whenAccountOrAppGiven_countsOnlyThose_andWindowIsHalfOpen() {
        let charges = [Self.charge("acme", "clinic", "remind", at: 0), Self.charge("acme", "portal", "sync", at: 1),
                       Self.charge("north", "stock", "sync", at: 2)]
        #expect(Self.report(charges, query: .init(account: "acme", from: Self.day, to: Self.day.addingTimeInterval(86_400))).total.charges == 2)
        #expect(Self.report(charges, query: .init(app: "portal", from: Self.day, to: Self.day.addingTimeInterval(86_400))).total.charges == 1)
        // Runs finish at :30 past their minute: [00:00:30, 00:01:30) holds exactly the first.
        let window = BillingReport.Query(from: Self.day.addingTimeInterval(30), to: Self.day.addingTimeInterval(90))
        #expect(Self.report(charges, query: window).total.charges == 1)
    }

    @Test func addMessage_whenNotACharge_countsAndSkipsIt() throws {
        var report = BillingReport(query: .init(from: Self.day, to: Self.day.addingTimeInterval(86_400)))
        let (charge, time) = Self.charge("acme", "clinic", "remind", at: 10)
        report.add(message: try EventCodec.encode(EventEnvelope(source: "test", time: time, event: .creditsCharged(charge))))
        report.add(message: Array("not json".utf8))
        let tick = EventEnvelope(source: "test", time: time, event: .tickCompleted(TickCompleted(minute: Self.day, triggered: 0, skipped: 0, ticker: "t")))
        report.add(message: try EventCodec.encode(tick))
        #expect(report.log.messages == 3)
        #expect(report.log.undecodable == 1)
        #expect(report.log.otherEvents == 1)
        #expect(report.total.millicredits == Millicredits(1000))
        let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any]
        let accounts = json?["accounts"] as? [String: [String: Int]]
        #expect(accounts?["acme"]?["millicredits"] == 1000)
        #expect((json?["query"] as? [String: Any])?["from"] as? String == "2026-03-02T00:00:00.000Z")
    }

    @Test func replay_whenTopicHasDuplicates_readsEachPartitionToTheSnapshotEnd() async throws {
        let logger = Logger(label: "billing-tests")
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        let topics = AlmanacTopics()
        try cluster.createTopic(topics.charges, partitions: 12)
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
        let publisher = EventPublisher(producer: producer, topics: topics, source: "test")
        var expected: [String: Millicredits] = [:]
        var events: [AlmanacEvent] = []
        for minute in 0..<60 {
            let account = ["acme", "north", "help", "zeta"][minute % 4]
            let (charge, _) = Self.charge(account, "app", "job", at: minute, base: Int64(1000 + minute))
            expected[account, default: .zero] = expected[account, default: .zero] + charge.total
            events.append(.creditsCharged(charge))
            if minute % 10 == 0 { events.append(.creditsCharged(charge)) }   // six duplicates
        }
        try await publisher.publish(events, at: Self.day.addingTimeInterval(600))
        var report = BillingReport(query: .init(from: Self.day, to: Self.day.addingTimeInterval(86_400)))
        var updates = 0
        let done = try await ChargeLogReader(kafka: kafka, topic: topics.charges, logger: logger)
            .replay(progress: { _ in updates += 1 }) { report.add(message: $0.value) }
        // Written after the snapshot: not read.
        try await publisher.publish(events[0], at: Self.day)
        await producer.shutdown()
        #expect(done.read == 66)
        #expect(done.total == 66)
        #expect(done.partitions == 12)
        #expect(updates >= 2)
        #expect(report.log.duplicates == 6)
        #expect(report.accounts.mapValues(\.millicredits) == expected)
        #expect(report.total.charges == 60)
    }

    @Test func replay_whenTopicMissing_failsNamingIt() async throws {
        let logger = Logger(label: "billing-tests")
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        await #expect(throws: ChargeLogReaderError.self) {
            _ = try await ChargeLogReader(kafka: kafka, topic: "almanac.charges", logger: logger).replay { _ in }
        }
    }
}

@Suite struct PricingLoaderTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func load_whenShippedPricingFile_isValidAndStartsWithTheStandardTable() throws {
        let schedule = try PricingLoader.load(file: Self.repository.appendingPathComponent("ops/pricing.yaml").path)
        #expect(schedule.tables.count >= 2)
        #expect(schedule.tables[0] == PricingTable.standard)
        #expect(Set(schedule.tables.map(\.version)).count == schedule.tables.count)
        let later = schedule.tables[1]
        #expect(schedule.table(at: later.effectiveFrom.addingTimeInterval(-0.001)).version == schedule.tables[0].version)
        #expect(schedule.table(at: later.effectiveFrom).version == later.version)
    }

    @Test func parseYAML_whenFieldInvalid_namesFileAndField() {
        let yaml = """
            - version: "a"
              effectiveFrom: 2026-01-01T00:00:00Z
              baseByComplexity: [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]
              aiModels: {gpt-4o: {inputPer1000: 2500, outputPer1000: 10000}}
              defaultAIModel: gpt-4o
              emailEach: 100
              smsEach: lots
            """
        #expect(throws: PricingFileError.self) { try PricingLoader.parseYAML(yaml, source: "p.yaml") }
        do {
            _ = try PricingLoader.parseYAML(yaml, source: "p.yaml")
        } catch {
            #expect(error.description.hasPrefix("pricing file p.yaml: [0].smsEach: expected an integer"), "\(error)")
        }
    }

    @Test func parseYAML_whenUnquotedTimestampAndUnderscores_decodes() throws {
        let yaml = """
            version: v
            effectiveFrom: 2026-07-01T04:00:00Z
            baseByComplexity: [1_000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]
            aiModels: {m: {inputPer1000: 0, outputPer1000: 0}}
            defaultAIModel: m
            emailEach: 0
            smsEach: 0
            """
        let schedule = try PricingLoader.parseYAML(yaml)
        #expect(schedule.tables[0].effectiveFrom == RFC3339.parse("2026-07-01T04:00:00Z"))
        #expect(schedule.tables[0].baseByComplexity[0] == Millicredits(1000))
    }

    /// YAML 1.1 reads `0777` as octal 511, `1:00` as 60, `0x10` as 16: an amount written so is
    /// refused, naming the field, instead of changing without a word. Quoted text stays text (and
    /// is refused as not an integer); `1_000` reads as meant.
    @Test func parseYAML_whenAnAmountIsNotWrittenInDecimal_refusesItNamingTheField() throws {
        func table(email: String, base0: String = "1000") -> String {
            """
            - version: "0777"
              effectiveFrom: 2026-01-01T00:00:00Z
              baseByComplexity: [\(base0), 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]
              aiModels: {gpt-4o: {inputPer1000: 2500, outputPer1000: 10000}}
              defaultAIModel: gpt-4o
              emailEach: \(email)
              smsEach: 1000
            """
        }
        for (email, base0, field) in [("0777", "1000", "[0].emailEach"), ("1:00", "1000", "[0].emailEach"), ("0x10", "1000", "[0].emailEach"),
                                      ("0b101", "1000", "[0].emailEach"), ("100", "01000", "[0].baseByComplexity[0]")] {
            do {
                _ = try PricingLoader.parseYAML(table(email: email, base0: base0), source: "p.yaml")
                Issue.record("\(email) / \(base0) was accepted")
            } catch {
                #expect(error.description.hasPrefix("pricing file p.yaml: \(field): "), "\(error)")
                #expect(error.description.contains("is not a decimal number"), "\(error)")
            }
        }
        let schedule = try PricingLoader.parseYAML(table(email: "1_000"))
        #expect(schedule.tables[0].emailEach == Millicredits(1000) && schedule.tables[0].version == "0777")
    }

    @Test func load_whenFileMissing_saysSo() {
        #expect(throws: PricingFileError.self) { try PricingLoader.load(file: "/nonexistent/pricing.yaml") }
    }
}
