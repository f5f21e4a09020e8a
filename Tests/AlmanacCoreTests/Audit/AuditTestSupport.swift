import AlmanacCore
import Foundation

/// Builds an ``AuditLog`` from events written at given instants, as a replay would read them.
struct AuditLogBuilder {
    var log = AuditLog()
    private var offset: Int64 = 0
    static let key = JobKey(account: "acct", app: "app", job: "job")

    static func at(_ text: String) -> Date { RFC3339.parse(text)! }

    /// An event with where a replay read it.
    typealias Entry = (envelope: EventEnvelope, position: LogPosition)

    /// Events placed on partitions of their topics (`almanac.<topic>`), each partition's offsets
    /// counting from 0: the input of tests that split a log into parts by partition.
    struct PositionedEntries {
        private(set) var list: [Entry] = []
        private var offsets: [String: Int64] = [:]

        mutating func add(_ event: AlmanacEvent, _ time: Date, partition: Int32) {
            let topic = "almanac." + event.kind.topic
            let key = "\(topic)/\(partition)"
            list.append((EventEnvelope(source: "t", time: time, event: event),
                         LogPosition(topic: topic, partition: partition, offset: offsets[key, default: 0])))
            offsets[key, default: 0] += 1
        }
    }

    mutating func add(_ time: String, _ event: AlmanacEvent) {
        offset += 1
        log.add(EventEnvelope(source: "test", time: Self.at(time), event: event),
                at: LogPosition(topic: "almanac." + event.kind.topic, partition: 0, offset: offset))
    }

    mutating func configure(_ time: String, schedule: String, zone: String = "America/New_York", timeout: Int = 600, complexity: Int = 1) {
        add(time, .appConfigured(AppConfigured(config: AppConfiguration(app: "app", account: "acct", timeZone: zone, jobs: [
            JobConfiguration(name: "job", schedule: schedule, command: ["/bin/true"], complexity: complexity, timeoutSeconds: timeout),
        ]))))
    }

    /// `tick.completed(minute)` written at `written`.
    mutating func tick(_ minute: String, written: String) {
        add(written, .tickCompleted(TickCompleted(minute: Self.at(minute), triggered: 1, skipped: 0, ticker: "t")))
    }

    static func id(_ minute: String, attempt: Int = 1) -> TriggerID {
        let id = TriggerID.scheduled(key, at: at(minute))
        return attempt == 1 ? id : id.retry(attempt: attempt)
    }

    mutating func trigger(_ minute: String, written: String, attempt: Int = 1, id: TriggerID? = nil, source: TriggerSource? = nil) {
        let triggerId = id ?? Self.id(minute, attempt: attempt)
        add(written, .jobTriggered(JobTriggered(triggerId: triggerId, job: Self.key, scheduledFor: Self.at(minute),
                                                source: source ?? (attempt == 1 ? .scheduled : .retry), attempt: attempt)))
    }

    /// A completion and (unless `charge` is false) its charge at the standard price.
    mutating func complete(_ id: TriggerID, status: RunStatus = .succeeded, at time: String, attempt: Int = 1, charge: Bool = true, complexity: Int = 1) {
        let finished = Self.at(time)
        let completed = JobCompleted(triggerId: id, executionId: "e-\(id)", job: Self.key, status: status, attempt: attempt, exitCode: 0,
                                     startedAt: finished.addingTimeInterval(-2), finishedAt: finished, usage: RunUsage(emails: 1))
        add(time, .jobCompleted(completed))
        if charge { add(time, .creditsCharged(Pricer.charge(for: completed, complexity: complexity, table: .standard))) }
    }

    mutating func skip(_ minute: String, written: String, reason: SkipReason, detail: String? = nil) {
        add(written, .jobSkipped(JobSkipped(triggerId: Self.id(minute), job: Self.key, scheduledFor: Self.at(minute), reason: reason, detail: detail)))
    }

    /// Everything for one ordinary successful scheduled run of `minute`.
    mutating func ran(_ minute: String, written: String, finished: String) {
        tick(minute, written: written)
        trigger(minute, written: written)
        complete(Self.id(minute), at: finished)
    }

    func runs(from: String, to: String) -> AuditRunsReport {
        AuditReconciler(log).runs(app: "app", from: Self.at(from), to: Self.at(to))
    }
}
