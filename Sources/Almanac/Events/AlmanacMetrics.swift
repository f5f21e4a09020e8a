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
    ///
    /// Counts are added up per call (a worker publishes hundreds of events at once), so each
    /// metric object is looked up once per label value and call, not once per event.
    static func published(_ events: [AlmanacEvent]) {
        var counts = [Int](repeating: 0, count: AlmanacEvent.Kind.allCases.count)
        var triggers: [TriggerSource: Int] = [:]
        var skips: [SkipReason: Int] = [:]
        var runsInProgress = 0
        var completions: [RunStatus: [Int64]] = [:]
        var millicredits: [String: Millicredits] = [:]
        for event in events {
            counts[event.kind.ordinal] += 1
            switch event {
            case .jobTriggered(let trigger):
                triggers[trigger.source, default: 0] += 1
            case .jobSkipped(let skipped):
                skips[skipped.reason, default: 0] += 1
            case .jobStarted:
                runsInProgress += 1
            case .jobCompleted(let completed):
                runsInProgress -= 1
                completions[completed.status, default: []].append(completed.durationMilliseconds)
            case .creditsCharged(let charge):
                // Saturating: a batch of the largest charges the pricing limits allow passes 64 bits.
                millicredits[charge.account, default: .zero].addSaturating(charge.total)
            default:
                break
            }
        }
        for (reason, count) in skips {
            Counter(label: "almanac_skips_total", dimensions: [("reason", reason.rawValue)]).increment(by: count)
        }
        if runsInProgress > 0 {
            Meter(label: "almanac_runs_in_progress").increment(by: Double(runsInProgress))
        } else if runsInProgress < 0 {
            Meter(label: "almanac_runs_in_progress").decrement(by: Double(-runsInProgress))
        }
        for (status, durations) in completions {
            Counter(label: "almanac_runs_total", dimensions: [("status", status.rawValue)]).increment(by: durations.count)
            let timer = Timer(label: "almanac_run_duration_seconds", dimensions: [("status", status.rawValue)])
            for milliseconds in durations { timer.recordMilliseconds(milliseconds) }
        }
        for (account, total) in millicredits {
            Counter(label: "almanac_credits_charged_millicredits_total", dimensions: [("account", account)]).increment(by: Int(total.rawValue))
        }
        for kind in AlmanacEvent.Kind.allCases where counts[kind.ordinal] > 0 {
            Counter(label: "almanac_events_published_total", dimensions: [("type", kind.rawValue)]).increment(by: counts[kind.ordinal])
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

    /// `almanac_snapshot_rejected_total{reason}`: stored projection snapshots a starting
    /// projector passed over (``SnapshotSelection/Reason``).
    static func snapshotRejected(_ reason: SnapshotSelection.Reason) {
        Counter(label: "almanac_snapshot_rejected_total", dimensions: [("reason", reason.rawValue)]).increment()
    }

    /// `almanac_snapshots_written_total`: projection snapshots this process wrote.
    static func snapshotWritten() {
        Counter(label: "almanac_snapshots_written_total").increment()
    }
}
