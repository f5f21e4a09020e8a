import Kafka
import Testing

/// Producing through broker outages and shutdowns: every message gets an outcome, and every
/// message reported delivered is in the log.
@Suite("Producer faults", .serialized)
struct ProducerFaultTests {
    let logger = KafkaTestSupport.logger

    /// Sends one message every 50 ms for about 14 s while the only broker is down for 10 s (from 2 s on).
    /// A producer whose delivery timeout outlasts the outage delivers everything after recovery;
    /// one with a 3 s timeout reports the messages it could not deliver — none is silently lost.
    @Test func produce_whenBrokerIsDownFor10Seconds_everySendSucceedsAfterRecoveryOrReportsAnError() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("down", partitions: 4)
        var patientConfiguration = KafkaTestSupport.producerConfiguration(cluster.bootstrapServers)
        patientConfiguration.deliveryTimeout = .seconds(60)
        var impatientConfiguration = KafkaTestSupport.producerConfiguration(cluster.bootstrapServers)
        impatientConfiguration.deliveryTimeout = .seconds(3)
        let patient = try KafkaProducer(configuration: patientConfiguration, logger: logger)
        let impatient = try KafkaProducer(configuration: impatientConfiguration, logger: logger)
        for producer in [patient, impatient] { _ = try await producer.send(KafkaProducerRecord(topic: "down", key: "warm-up", value: [])) }

        let clock = ContinuousClock()
        let start = clock.now
        var tickets: [(producer: String, id: Int, at: ContinuousClock.Instant, ticket: KafkaDeliveryTicket)] = []
        var downAt: ContinuousClock.Instant? = nil
        var upAt: ContinuousClock.Instant? = nil
        var tick = 0
        // Until 2 s after recovery; the broker goes down at 2 s and comes back 10 s later.
        while upAt.map({ clock.now < $0 + .seconds(2) }) ?? true {
            try await clock.sleep(until: start + .milliseconds(50 * tick))
            if downAt == nil && clock.now >= start + .seconds(2) { cluster.setBrokerDown(1); downAt = clock.now }
            if let downAt, upAt == nil, clock.now >= downAt + .seconds(10) { cluster.setBrokerUp(1); upAt = clock.now }
            for (name, producer) in [("patient", patient), ("impatient", impatient)] {
                let record = KafkaProducerRecord(topic: "down", key: "\(name)-\(tick)", value: Array("\(tick)".utf8))
                tickets.append((name, tick, clock.now, await producer.enqueue(contentsOf: [record])))
            }
            tick += 1
        }
        let (down, up) = try (#require(downAt), #require(upAt))
        #expect(up - down >= .seconds(10))

        var delivered: [String: KafkaDeliveryReport] = [:]
        var failed: [String: KafkaError] = [:]
        for (name, id, _, ticket) in tickets {
            switch await ticket.wait()[0] {
            case .success(let report): delivered["\(name)-\(id)"] = report
            case .failure(let error): failed["\(name)-\(id)"] = error
            }
        }
        await patient.shutdown()
        await impatient.shutdown()

        // Every send has exactly one outcome.
        #expect(delivered.count + failed.count == tickets.count)
        // The patient producer delivered everything, the outage included.
        #expect(failed.keys.filter { $0.hasPrefix("patient-") }.isEmpty, "\(failed.filter { $0.key.hasPrefix("patient-") })")
        // The impatient one reported what the outage kept from the broker for 3 s as delivery
        // errors, and delivered what it sent once the broker was back.
        let impatientFailures = failed.filter { $0.key.hasPrefix("impatient-") }
        #expect(impatientFailures.count >= 50)
        #expect(impatientFailures.values.allSatisfy { $0.code == .delivery && $0.persistence != nil })
        let sentAfterRecovery = tickets.filter { $0.producer == "impatient" && $0.at > up }
        #expect(!sentAfterRecovery.isEmpty && sentAfterRecovery.allSatisfy { delivered["impatient-\($0.id)"] != nil })

        // Every message reported delivered is in the log, at the reported place. (Once in about
        // ten runs under load a delivered message was found twice — a batch retried across the
        // reconnect and stored again by the mock broker; not asserted here: at-least-once.)
        let log = try await KafkaTestSupport.readAll(topic: "down", partitions: 4, bootstrapServers: cluster.bootstrapServers)
        var logged: [String: [KafkaConsumerMessage]] = [:]
        for message in log { logged[message.keyString ?? "", default: []].append(message) }
        for (key, report) in delivered.sorted(by: { $0.key < $1.key }) {
            let copies = logged[key] ?? []
            #expect(copies.contains { $0.topicPartition == report.topicPartition && $0.offset == report.offset },
                    "\(key) reported at \(report.topicPartition)@\(report.offset), in the log at \(copies.map { "\($0.topicPartition)@\($0.offset)" })")
        }
    }

    /// Shutdown with a short flush budget while messages are in flight (every request answered
    /// after 1 s): messages delivered before it stay in the log; the rest are reported failed;
    /// every ticket is complete when `shutdown` returns.
    @Test func shutdown_whileMessagesAreInFlight_losesNoneReportedDelivered() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("s", partitions: 4)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.producerConfiguration(cluster.bootstrapServers), logger: logger)
        func records(_ range: Range<Int>) -> [KafkaProducerRecord] {
            range.map { KafkaProducerRecord(topic: "s", key: "m-\($0)", value: Array("\($0)".utf8)) }
        }
        let early = try await producer.sendAll(records(0..<1000))
        cluster.setRoundTripTime(1, .seconds(1))
        let late = await producer.enqueue(contentsOf: records(1000..<6000))
        await producer.shutdown(timeout: .milliseconds(300))

        #expect(late.isComplete)
        let results = await late.wait()
        var delivered: [(key: String, report: KafkaDeliveryReport)] = early.enumerated().map { ("m-\($0.offset)", $0.element) }
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let report): delivered.append(("m-\(1000 + index)", report))
            case .failure(let error): #expect(error.code == .delivery, "\(error)")
            }
        }
        #expect(results.failureCount > 0, "the shutdown should have cut some deliveries short")

        cluster.setRoundTripTime(1, .zero)
        let log = try await KafkaTestSupport.readAll(topic: "s", partitions: 4, bootstrapServers: cluster.bootstrapServers)
        let placed = Dictionary(log.map { ($0.keyString ?? "", ($0.topicPartition, $0.offset)) }, uniquingKeysWith: { first, _ in first })
        for (key, report) in delivered {
            #expect(placed[key].map { $0 == (report.topicPartition, report.offset) } == true, "\(key) was reported delivered but is not in the log")
        }
    }
}
