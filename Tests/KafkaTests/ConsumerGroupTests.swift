import Kafka
import Logging
import Synchronization
import Testing

/// Consumer groups on the embedded cluster: a member that leaves hands its partitions to the
/// others, and with offsets committed as `KafkaConsumer.commit` documents (everything processed,
/// before the next poll) no message is lost, and none is read twice — except after librdkafka
/// 2.0.2 drops a member's assignment (below).
@Suite("Consumer groups", .serialized)
struct ConsumerGroupTests {
    let logger = KafkaTestSupport.logger

    /// What the members saw, shared with the test.
    struct GroupState: Sendable, CustomStringConvertible {
        /// Message number → the members that processed it (once, if all goes well).
        var readers: [Int: [String]] = [:]
        var assignments: [String: Set<KafkaTopicPartition>] = [:]
        /// Commits refused while the group rebalanced (and made again later).
        var refusedCommits = 0
        /// What the test is doing, for telling revocations apart.
        var phase = Phase.forming
        /// Members that lost partitions they were meant to keep: after the group formed, a member
        /// that stays is revoked nothing under cooperative-sticky. librdkafka before 2.10 drops the
        /// whole assignment when a commit sent during a rebalance is refused with
        /// ILLEGAL_GENERATION (confluentinc/librdkafka#4059, fixed by #4908); the member then
        /// reads its uncommitted messages again. (Duplicates by the member that read them first,
        /// after a rebalance with refused commits, failed this test about once in 10 full runs on
        /// a loaded machine; that fits, though 16 runs since have not shown it again.)
        var lostAssignment: Set<String> = []

        enum Phase: Sendable { case forming, formed, leaving(String), stopping }

        var distinctMessages: Int { readers.count }
        func covered(by members: [String]) -> Set<KafkaTopicPartition> {
            members.reduce(into: []) { $0.formUnion(assignments[$1] ?? []) }
        }
        var description: String {
            "read \(readers.count) distinct, assignments \(assignments.mapValues { $0.map(\.partition).sorted() }), refused commits \(refusedCommits), lost assignments \(lostAssignment.sorted())"
        }
    }

    /// One group member: poll, process (record), commit the next offsets, repeat — until stopped;
    /// then commit and close (leaving the group).
    final class Member: Sendable {
        let name: String
        let consumer: KafkaConsumer
        private let stopping = Atomic<Bool>(false)
        /// Rebalance events served so far (assigned or revoked).
        private let rebalances = Counter()

        final class Counter: Sendable {
            private let value = Atomic<Int>(0)
            func increment() { value.add(1, ordering: .relaxed) }
            func load() -> Int { value.load(ordering: .relaxed) }
        }

        init(name: String, bootstrapServers: String, group: String, observed: Observed<GroupState>, logger: Logger) throws {
            self.name = name
            var configuration = KafkaConsumerConfiguration(client: KafkaConfiguration(bootstrapServers: bootstrapServers), groupID: group)
            configuration.sessionTimeout = .seconds(6)
            configuration.assignmentStrategy = "cooperative-sticky"
            consumer = try KafkaConsumer(configuration: configuration, logger: logger)
            let rebalances = self.rebalances
            consumer.setRebalanceHandler { event in
                rebalances.increment()
                observed.update { state in
                    switch event {
                    case .assigned(let partitions): state.assignments[name, default: []].formUnion(partitions)
                    case .revoked(let partitions):
                        state.assignments[name, default: []].subtract(partitions)
                        switch state.phase {
                        case .formed: state.lostAssignment.insert(name)
                        case .leaving(let leaver) where leaver != name: state.lostAssignment.insert(name)
                        default: break
                        }
                    }
                }
            }
        }

        func stop() { stopping.store(true, ordering: .releasing) }

        /// The loop `KafkaConsumer.commit` documents: process a poll's messages, then commit their
        /// offsets before polling again. Offsets whose commit was refused while the group
        /// rebalanced are kept and committed with the next commit — after the next poll that
        /// returns messages, or once the rebalance was served — for the partitions this member
        /// still owns. (Retrying on a timer instead keeps restarting the rebalance.)
        func run(topic: String, observed: Observed<GroupState>) async throws {
            try consumer.subscribe(topics: [topic])
            var uncommitted: [KafkaTopicPartition: Int64] = [:]
            var refusedAt: Int? = nil
            while !stopping.load(ordering: .acquiring) {
                let messages = try await consumer.poll(maxMessages: 200, timeout: .milliseconds(100))
                observed.update { state in
                    for message in messages {
                        state.readers[Int(message.keyString!.dropFirst(2))!, default: []].append(name)
                    }
                }
                for message in messages {
                    uncommitted[message.topicPartition] = max(uncommitted[message.topicPartition] ?? 0, message.offset + 1)
                }
                if !messages.isEmpty || refusedAt.map({ rebalances.load() > $0 }) == true {
                    let before = rebalances.load()
                    refusedAt = try await commit(&uncommitted, observed: observed) ? nil : before
                }
            }
            _ = try await commit(&uncommitted, observed: observed)
            await consumer.close()
        }

        /// Commits `offsets` of owned partitions; `false` if the commit was refused (retriable).
        private func commit(_ offsets: inout [KafkaTopicPartition: Int64], observed: Observed<GroupState>) async throws -> Bool {
            let owned = consumer.assignment
            offsets = offsets.filter { owned.contains($0.key) }
            guard !offsets.isEmpty else { return true }
            do {
                try await consumer.commit(offsets)
                offsets = [:]
                return true
            } catch let error as KafkaError where error.isRetriable || [22, 25].contains(error.rdKafkaCode) {
                // 22 ILLEGAL_GENERATION / 25 UNKNOWN_MEMBER_ID: the commit raced a rebalance that
                // began a new generation; under cooperative-sticky this member keeps its partitions,
                // so it commits them again once the rebalance was served (the loop above).
                observed.update { $0.refusedCommits += 1 }
                return false
            }
        }
    }

    @Test(arguments: [1, 3])
    func group_whenMemberLeaves_othersTakeOverWithoutLossOrUnexplainedDuplicates(brokers: Int) async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: brokers, logger: logger)
        let topic = "group-\(brokers)"
        try cluster.createTopic(topic, partitions: 12, replicationFactor: brokers)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.producerConfiguration(cluster.bootstrapServers), logger: logger)
        func records(_ range: Range<Int>) -> [KafkaProducerRecord] {
            range.map { KafkaProducerRecord(topic: topic, key: "m-\($0)", value: Array("message \($0)".utf8)) }
        }
        let partitions = Set((0..<12).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) })

        let observed = Observed(GroupState())
        let group = "almanac-test-\(brokers)"
        let members = try ["a", "b", "c"].map {
            try Member(name: $0, bootstrapServers: cluster.bootstrapServers, group: group, observed: observed, logger: logger)
        }
        var running: [String: Task<Void, any Error>] = [:]
        for member in members {
            running[member.name] = Task { try await member.run(topic: topic, observed: observed) }
        }
        do {
            // All three share the 12 partitions (range assignor: 4 each).
            try await observed.wait(for: "3 members sharing 12 partitions", timeout: .seconds(30)) { state in
                state.covered(by: ["a", "b", "c"]) == partitions && ["a", "b", "c"].allSatisfy { !(state.assignments[$0] ?? []).isEmpty }
            }
            // Messages arrive once the group has formed: what is tested is a member leaving, not
            // the race of a first member's commits with the generations of the initial joins.
            observed.update { $0.phase = .formed }
            try await producer.sendAll(records(0..<1200))
            try await observed.wait(for: "the first 1200 messages", timeout: .seconds(30)) { $0.distinctMessages == 1200 }

            // c leaves: it commits what it processed and closes (LeaveGroup); a and b take over.
            observed.update { $0.phase = .leaving("c") }
            members[2].stop()
            try await running["c"]!.value
            try await producer.sendAll(records(1200..<2400))
            try await observed.wait(for: "a and b owning all 12 partitions", timeout: .seconds(40)) { state in
                state.covered(by: ["a", "b"]) == partitions && (state.assignments["c"] ?? []).isEmpty
            }
            try await observed.wait(for: "all 2400 messages", timeout: .seconds(40)) { $0.distinctMessages == 2400 }
            // Every processed offset gets committed while a and b still run (a commit refused
            // during the rebalance is retried once it is served); stopping them only then keeps
            // the last commits from racing the rebalance that a's LeaveGroup starts.
            try await waitUntilCommittedToEnd(group: group, partitions: Array(partitions), bootstrapServers: cluster.bootstrapServers)
            observed.update { $0.phase = .stopping }
        } catch {
            for member in members { member.stop() }
            for task in running.values { _ = try? await task.value }
            throw error
        }
        members[0].stop()
        members[1].stop()
        try await running["a"]!.value
        try await running["b"]!.value
        await producer.shutdown()

        let state = observed.value
        #expect(state.distinctMessages == 2400)
        // A message read twice was first read by a member that then lost its assignment (see
        // `lostAssignment`): at least once, never otherwise.
        let duplicates = state.readers.filter { $0.value.count > 1 }
        let unexplained = duplicates.filter { !state.lostAssignment.contains($0.value[0]) }
        #expect(unexplained.isEmpty, "\(unexplained.count) read twice, e.g. \(Array(unexplained.prefix(5))); \(state)")
        // c's share of the later messages went to a and b.
        #expect(state.readers.filter { $0.key >= 1200 }.allSatisfy { $0.value.allSatisfy { $0 != "c" } })

        // The group's committed offsets are still the ends of the partitions after a and b left:
        // a restart reads nothing again.
        let checker = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(client: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers), groupID: group),
            logger: logger)
        let committed = try await checker.committed(Array(partitions))
        let ends = try await checker.endOffsets(Array(partitions))
        await checker.close()
        #expect(committed == ends)
    }

    /// Polls the group's committed offsets until they equal the partitions' end offsets.
    /// - Throws: a test failure naming both maps after 30 s.
    private func waitUntilCommittedToEnd(group: String, partitions: [KafkaTopicPartition], bootstrapServers: String) async throws {
        let checker = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(client: KafkaConfiguration(bootstrapServers: bootstrapServers), groupID: group),
            logger: logger)
        let deadline = ContinuousClock.now + .seconds(30)
        var committed: [KafkaTopicPartition: Int64] = [:]
        var ends: [KafkaTopicPartition: Int64] = [:]
        while ContinuousClock.now < deadline {
            committed = try await checker.committed(partitions)
            ends = try await checker.endOffsets(partitions)
            if committed == ends { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        await checker.close()
        if committed != ends { Issue.record("the group never committed to the end: committed \(committed), ends \(ends)") }
    }
}
