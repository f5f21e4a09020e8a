import AlmanacCore
import Metrics

/// Almanac's metrics (swift-metrics; the process's metrics backend exports them, e.g. Prometheus).
/// Names follow Prometheus conventions: `_total` counters, base units.
enum AlmanacMetrics {
    /// `almanac_dlq_total{consumer, reason}`: messages rejected to the dlq.
    static func rejected(by consumer: String, reason: RejectionReason) {
        Counter(label: "almanac_dlq_total", dimensions: [("consumer", consumer), ("reason", reason.rawValue)]).increment()
    }

    /// `almanac_events_published_total{type}`: events this process appended, by CloudEvents type.
    static func published(_ events: [AlmanacEvent]) {
        var counts: [String: Int] = [:]
        for event in events { counts[event.type, default: 0] += 1 }
        for (type, count) in counts {
            Counter(label: "almanac_events_published_total", dimensions: [("type", type)]).increment(by: count)
        }
    }

    /// `almanac_ticks_total` and `almanac_triggers_total{source="scheduled"}`, `almanac_skips_total{reason}`.
    static func ticked(_ plans: [TickPlan]) {
        Counter(label: "almanac_ticks_total").increment(by: plans.count)
        let triggers = plans.reduce(0) { $0 + $1.triggers.count }
        if triggers > 0 { Counter(label: "almanac_triggers_total", dimensions: [("source", "scheduled")]).increment(by: triggers) }
        var skips: [SkipReason: Int] = [:]
        for plan in plans { for skip in plan.skipped { skips[skip.reason, default: 0] += 1 } }
        for (reason, count) in skips {
            Counter(label: "almanac_skips_total", dimensions: [("reason", reason.rawValue)]).increment(by: count)
        }
    }
}
