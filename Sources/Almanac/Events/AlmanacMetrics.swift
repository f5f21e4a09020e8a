import AlmanacCore
import Metrics

/// Almanac's metrics (swift-metrics; the process's metrics backend exports them — the `http`
/// role serves them at `/metrics` through swift-prometheus). Names follow Prometheus
/// conventions: `_total` counters, base units. Each process counts what it did itself.
enum AlmanacMetrics {
    /// `almanac_dlq_total{consumer, reason}`: messages rejected to the dlq.
    static func rejected(by consumer: String, reason: RejectionReason) {
        Counter(label: "almanac_dlq_total", dimensions: [("consumer", consumer), ("reason", reason.rawValue)]).increment()
    }

    /// For every event this process appended:
    /// - `almanac_events_published_total{type}` by CloudEvents type;
    /// - `almanac_triggers_total{source}` (scheduled, manual, enqueue, retry);
    /// - `almanac_skips_total{reason}` (paused, missed, overlap, removed);
    /// - `almanac_runs_in_progress` (gauge: started here and not yet completed);
    /// - `almanac_runs_total{status}` and `almanac_run_duration_seconds{status}` (histogram);
    /// - `almanac_credits_charged_millicredits_total{account}`.
    static func published(_ events: [AlmanacEvent]) {
        var counts: [String: Int] = [:]
        var triggers: [TriggerSource: Int] = [:]
        for event in events {
            counts[event.type, default: 0] += 1
            switch event {
            case .jobTriggered(let trigger):
                triggers[trigger.source, default: 0] += 1
            case .jobSkipped(let skipped):
                Counter(label: "almanac_skips_total", dimensions: [("reason", skipped.reason.rawValue)]).increment()
            case .jobStarted:
                Meter(label: "almanac_runs_in_progress").increment()
            case .jobCompleted(let completed):
                Meter(label: "almanac_runs_in_progress").decrement()
                Counter(label: "almanac_runs_total", dimensions: [("status", completed.status.rawValue)]).increment()
                Timer(label: "almanac_run_duration_seconds", dimensions: [("status", completed.status.rawValue)])
                    .recordMilliseconds(completed.durationMilliseconds)
            case .creditsCharged(let charge):
                Counter(label: "almanac_credits_charged_millicredits_total", dimensions: [("account", charge.account)])
                    .increment(by: Int(charge.total.rawValue))
            default:
                break
            }
        }
        for (type, count) in counts {
            Counter(label: "almanac_events_published_total", dimensions: [("type", type)]).increment(by: count)
        }
        for (source, count) in triggers {
            Counter(label: "almanac_triggers_total", dimensions: [("source", source.rawValue)]).increment(by: count)
        }
    }

    /// `almanac_ticks_total`: minutes ticked (their triggers and skips are counted by
    /// ``published(_:)``).
    static func ticked(_ plans: [TickPlan]) {
        Counter(label: "almanac_ticks_total").increment(by: plans.count)
    }
}
