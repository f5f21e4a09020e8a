import Almanac
import AlmanacCore
import Foundation
import Kafka

/// The projector benchmarks' log: `apps` apps of five jobs configured first (projector.rebuild:
/// max(10, events / 200)), then, per 100 events, two pauses or resumes and 98 completions (one per second of
/// simulated time from 2026-03-02T13:00:00Z), each event stamped 1 ms after the previous.
enum HistoryCorpus {
    static let start = Date(timeIntervalSince1970: 1_772_456_400)  // 2026-03-02T13:00:00Z

    /// Partition counts such that no partition passes the embedded broker's ~5 MiB limit with
    /// 1,000,000 events (~400 B each).
    static func topics(prefix: String) -> AlmanacTopics {
        var topics = AlmanacTopics(prefix: prefix)
        topics.partitions = ["config": 16, "control": 16, "ticks": 1, "executions": 512, "triggers": 12, "charges": 12, "dlq": 1, "snapshots": 1]
        return topics
    }

    static func apps(events: Int) -> Int { max(10, events / 200) }

    /// Publishes events `range` of the corpus for a log of `apps` apps.
    /// - Returns: the bytes of the values written.
    static func produce(_ range: Range<Int>, apps: Int, publisher: EventPublisher) async throws -> Int {
        var batch: [KafkaProducerRecord] = []
        var bytes = 0
        for i in range {
            let event: AlmanacEvent
            let app = "app-\(i % apps)"
            // The first `apps` events configure every app; pauses and resumes follow them in the log.
            let key = JobKey(account: "acct-\(i % apps % 97)", app: app, job: "job-\(i % 5)")
            switch i < apps ? 0 : 3 + i % 100 {
            case 0:
                event = .appConfigured(AppConfigured(config: AppConfiguration(app: app, account: key.account, jobs: (0..<5).map {
                    JobConfiguration(name: "job-\($0)", schedule: ["*:*/5", "9:00", "*:00", "0 */2 * * *", "mon-fri 8-18:*/15"][$0], command: ["/bin/true"])
                })))
            case 4, 5:
                event = i % 2 == 0 ? .schedulePaused(ScheduleToggled(app: app, reason: "bench")) : .scheduleResumed(ScheduleToggled(app: app))
            default:
                let at = start.addingTimeInterval(Double(i))
                event = .jobCompleted(JobCompleted(triggerId: TriggerID.scheduled(key, at: at), executionId: "e\(i)", job: key, status: .succeeded,
                                                   attempt: 1, exitCode: 0, startedAt: at, finishedAt: at.addingTimeInterval(0.2),
                                                   usage: RunUsage(emails: 1), stdoutTail: "ok\n"))
            }
            let record = try publisher.record(EventEnvelope(source: "bench", time: start.addingTimeInterval(Double(i) / 1000), event: event))
            bytes += record.value.count
            batch.append(record)
            if batch.count == 10_000 {
                try await publisher.producer.sendAll(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try await publisher.producer.sendAll(batch)
        return bytes
    }
}
