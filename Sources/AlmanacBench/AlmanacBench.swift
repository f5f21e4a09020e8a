import ArgumentParser

/// `almanac-bench`: the Swift side of `ops/bench`. Each subcommand prints one JSON object per
/// result on stdout (see ``BenchResult``) and progress on stderr.
@main
struct AlmanacBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "almanac-bench",
        abstract: "Almanac's benchmarks (driven by ops/bench; see BENCHMARKS.md).",
        subcommands: [
            CalendarNextBenchmark.self, DueIndexBenchmark.self,
            KafkaProduceBenchmark.self, KafkaConsumeBenchmark.self, ProjectorRebuildBenchmark.self, ProjectorStartBenchmark.self, TickLatencyBenchmark.self,
            WorkerBenchmark.self,
            AuditReplayBenchmark.self, EventCodecBenchmark.self, HistoryAuditBenchmark.self,
        ])
}
