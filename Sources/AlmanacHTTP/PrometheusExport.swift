import Metrics
import Prometheus

/// The process's swift-metrics backend: a Prometheus registry that `/metrics` serves, so every
/// `Counter`, `Meter` and `Timer` Almanac records (AlmanacMetrics) shows up there.
public enum PrometheusExport {
    /// Bucket bounds of `almanac_run_duration_seconds` (jobs run from milliseconds to the
    /// default 600 s timeout and beyond).
    static let runDurationBuckets: [Duration] = [
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
        .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(600), .seconds(1800),
    ]

    /// Creates the registry and bootstraps `MetricsSystem` with it.
    /// - Important: call once per process, before anything records a metric (swift-metrics
    ///   allows one bootstrap).
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["almanac_run_duration_seconds"] = runDurationBuckets
        MetricsSystem.bootstrap(factory)
        return registry
    }
}
