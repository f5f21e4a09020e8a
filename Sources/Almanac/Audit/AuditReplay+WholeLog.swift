import AlmanacCore
import Foundation
import Kafka

extension AuditReplay {
    /// `audit verify` of the whole log, read window by window so that memory follows one window
    /// (about `eventsPerWindow` events of triggers, executions and charges, plus its margin and
    /// lookahead, ``AuditWindow``) and the config, control and ticks, never the whole log.
    ///
    /// The log's span — from the first config or control event to the newest event — is cut into
    /// windows of equal duration, as many as `eventsPerWindow` asks for the topics' size. Each
    /// window is read (``read(from:to:margin:lookahead:seeker:startState:progress:)``) and verified
    /// on its own; the last one reads to the end offsets and ends, as a whole-log verify does, one
    /// minute after the newest event. Every run belongs to the one window its fire or request time
    /// falls in, so the parts add up (``AuditVerification/combining(_:apps:counts:)``) to the
    /// whole-log answer, except for a run that finished more than the lookahead after its window
    /// (reported as not finished; `--whole-log` reads it).
    ///
    /// - Parameter eventsPerWindow: events per window (default 100,000; about 270 MB of audit state).
    /// - Returns: the verification and how many windows it took.
    /// - Throws: ``ChargeLogReaderError``, ``KafkaError``.
    public func verifyByWindows(pricing: PricingSchedule, eventsPerWindow: Int = 100_000, margin: TimeInterval = AuditWindow.defaultMargin,
                                lookahead: TimeInterval? = nil, progress: (LogSnapshotReader.Progress) -> Void = { _ in })
        async throws -> (verification: AuditVerification, windows: Int, seek: EventTimeSeeker.Stats)
    {
        let state = try await readStartState(progress: progress)
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let described = try await admin.describeTopics()
        let partitions = [topics.triggers, topics.executions, topics.charges].flatMap { topic in
            (0..<(described[topic] ?? 0)).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
        }
        let ends = try await admin.endOffsets(partitions)
        let low = try await admin.startOffsets(partitions)
        let total = partitions.reduce(Int64(0)) { $0 + max(0, (ends[$1] ?? 0) - (low[$1] ?? 0)) }
        let seeker = EventTimeSeeker(kafka: kafka, logger: logger)
        let newest = try await seeker.lastTimes(low: low, ends: ends).values.max()
        let first = state.orderedChanges.first?.time ?? newest ?? Date(timeIntervalSince1970: 0)
        let last = max(newest ?? first, state.latestTime ?? first)
        let count = max(1, Int((Double(total) / Double(max(1, eventsPerWindow))).rounded(.up)))
        let step = last.timeIntervalSince(first) / Double(count)
        var parts: [AuditVerification] = []
        var apps = Set<String>()
        var counts = state.counts
        var seek = EventTimeSeeker.Stats()
        for index in 0..<count {
            let from = first.addingTimeInterval(step * Double(index))
            let isLast = index == count - 1
            let to = isLast ? Date.distantFuture : first.addingTimeInterval(step * Double(index + 1))
            let read = try await self.read(from: from, to: to, margin: margin, lookahead: lookahead, seeker: seeker, startState: state, progress: progress)
            let reconciler = AuditReconciler(read.log)
            apps.formUnion(reconciler.apps)
            parts.append(reconciler.verify(from: from, to: isLast ? nil : to, pricing: pricing))
            seek.rounds += read.seek.rounds
            seek.probes += read.seek.probes
            let windowCounts = read.log.counts
            counts.messages += windowCounts.messages - state.counts.messages
            counts.undecodable += windowCounts.undecodable - state.counts.undecodable
            for (type, n) in windowCounts.byType { counts.byType[type, default: 0] += n - (state.counts.byType[type] ?? 0) }
        }
        return (AuditVerification.combining(parts, apps: apps.count, counts: counts), count, seek)
    }
}
