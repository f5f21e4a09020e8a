"""The benchmarks of ops/bench, one function each.

To add one: write a function that takes the Context, runs the Almanac side and its baseline in the
same run (ctx.almanac / ctx.c_baseline / ctx.python, or ctx.interleaved for alternating
repetitions), and returns Rows; register it with @benchmark("area.name"). Sizes differ for
--quick (ctx.quick); say so in the row's note.
"""
from __future__ import annotations

import os

from harness import BenchError, Context, Row, benchmark, pick


def reps(ctx: Context) -> int:
    """Issue 8: every figure is the median of at least 5 repetitions, --quick included (with 3, one
    slow repetition of a noisy row moved the median past a goal)."""
    return 5


def kafka_reps(ctx: Context) -> int:
    """The embedded cluster now and then stalls a fetch for ~0.5 s: more repetitions steady the median."""
    return 5 if ctx.quick else 7


@benchmark("calendar.next")
def calendar_next(ctx: Context) -> list[Row]:
    schedules = 1_000_000
    sample = 2_000 if ctx.quick else 10_000
    sample_file = os.path.join(ctx.tmp, "calendar-sample.jsonl")
    almanac = pick(ctx.almanac("calendar-next", "--schedules", str(schedules), "--reps", str(reps(ctx)),
                               "--sample-out", sample_file, "--sample", str(sample)), "almanac")
    cronsim = pick(ctx.python("ops/benchmarks/cronsim_next.py", sample_file, "--reps", str(reps(ctx))), "cronsim")
    ratio = almanac.value / cronsim.value
    mismatches = int(cronsim.extra.get("mismatches", 0))
    note = (f"{schedules:,} distinct schedules, {almanac.extra['ns_per_call']:.0f} ns/call "
            f"(Date API {almanac.extra['date_api_ns_per_call']:.0f} ns); cronsim measured on {sample:,} of them "
            f"and scaled per call, {cronsim.extra['ns_per_call'] / 1000:.1f} us/call, disagrees on {mismatches}")
    return [
        Row("calendar.next", almanac.value, "calls/s", ">= 50x cronsim", ratio >= 50, cronsim.value, ratio,
            almanac.min, almanac.max, almanac.peak_rss_bytes, note),
        Row("calendar.next.bytes_per_schedule", almanac.extra["bytes_per_schedule"], "B/schedule", "report", None,
            peak_rss_bytes=almanac.peak_rss_bytes,
            note=f"RSS growth while compiling {schedules:,} schedules / schedules (CompiledSchedule stride "
                 f"{almanac.extra['compiled_schedule_stride_bytes']:.0f} B + expression text)"),
    ]


@benchmark("calendar.due_index")
def due_index(ctx: Context) -> list[Row]:
    jobs, due = 1_000_000, 10_000
    results = ctx.almanac("due-index", "--jobs", str(jobs), "--due", str(due), "--reps", str(reps(ctx)))
    index, naive = pick(results, "almanac"), pick(results, "naive-scan")
    ratio = naive.value / index.value
    rss = index.extra["rss_bytes_per_job"]
    estimate = index.extra["estimated_bytes_per_job"]
    return [
        Row("calendar.due_index", index.value, "ms", "<= 20 ms", index.value <= 20, naive.value, ratio,
            index.min, index.max, index.peak_rss_bytes,
            f"{due:,} due among {jobs:,} jobs, {int(index.extra['distinct_schedules']):,} distinct calendars; "
            f"baseline: scan of every schedule with the fast next; ratio = baseline / almanac"),
        Row("calendar.due_index.bytes_per_job", rss, "B/job", "<= 200 B/job", rss <= 200, None, None,
            peak_rss_bytes=index.peak_rss_bytes,
            note=f"RSS growth while building the index / jobs; DueIndex.estimatedMemoryBytes says {estimate:.0f} B/job"),
    ]


def kafka_sizes(ctx: Context) -> tuple[int, int]:
    """Messages and partitions: at most ~3.5 MiB per partition (the embedded cluster keeps ~5 MiB).
    --quick keeps the full size: 200,000 messages take C ~0.1 s, and a median of such short runs
    swung from 0.6x to 1.0x between quick runs of the same code. It drops the informational
    prototype side instead."""
    return (1_000_000, 64)


def kafka_sides(ctx: Context, sides: dict) -> dict:
    """The sides to alternate: without the informational prototype under --quick."""
    return {name: run for name, run in sides.items() if not (ctx.quick and name == "prototype")}


def kafka_rows(ctx: Context, name: str, sides: dict, messages: int, partitions: int, api_note: str) -> list[Row]:
    almanac, c = sides["almanac"], sides["c"]
    ratio = almanac.value / c.value
    size_note = f"{messages:,} x 200 B, {partitions} partitions, 1 embedded broker; {len(almanac.samples)} interleaved repetitions"
    rows = [
        Row(name, almanac.value, "msg/s", ">= 0.8x C", ratio >= 0.8, c.value, ratio, almanac.min, almanac.max,
            almanac.peak_rss_bytes, f"{api_note}; baseline: ops/benchmarks/rdkafka_baseline.c; {size_note}"),
    ]
    if "prototype" not in sides:
        return rows
    prototype = sides["prototype"]
    return rows + [
        Row(f"{name}.prototype", prototype.value, "msg/s", "info (suggested fix)", None, c.value,
            prototype.value / c.value, prototype.min, prototype.max, prototype.peak_rss_bytes,
            "Sources/AlmanacBench/KafkaPrototypes.swift: the path BENCHMARKS.md suggests for Sources/Kafka"),
    ]


@benchmark("kafka.produce")
def kafka_produce(ctx: Context) -> list[Row]:
    messages, partitions = kafka_sizes(ctx)
    common = ["--messages", str(messages), "--partitions", str(partitions), "--reps", "1"]
    sides = ctx.interleaved(kafka_reps(ctx), kafka_sides(ctx, {
        "almanac": lambda: ctx.almanac("kafka-produce", *common, "--api", "batch", "--chunk", "10000", "--inflight", "10"),
        "c": lambda: ctx.c_baseline("produce", *common),
        "prototype": lambda: ctx.almanac("kafka-produce", *common, "--api", "prototype", "--chunk", "10000", "--inflight", "10"),
    }))
    return kafka_rows(ctx, "kafka.produce", sides, messages, partitions,
                      "KafkaProducer.send(contentsOf:) in chunks of 10,000, 10 in flight (100,000 = queue.buffering.max.messages)")


@benchmark("kafka.consume")
def kafka_consume(ctx: Context) -> list[Row]:
    messages, partitions = kafka_sizes(ctx)
    common = ["--messages", str(messages), "--partitions", str(partitions), "--reps", "1", "--batch", "5000"]
    sides = ctx.interleaved(kafka_reps(ctx), kafka_sides(ctx, {
        "almanac": lambda: ctx.almanac("kafka-consume", *common),
        "c": lambda: ctx.c_baseline("consume", *common),
        "prototype": lambda: ctx.almanac("kafka-consume", *common, "--api", "prototype"),
    }))
    return kafka_rows(ctx, "kafka.consume", sides, messages, partitions,
                      "KafkaConsumer.assign + poll(maxMessages: 5000), messages produced beforehand; timed from the first "
                      f"message to the last (waits for the first: almanac {sides['almanac'].extra.get('first_message_ms', 0):.0f} ms, "
                      f"C {sides['c'].extra.get('first_message_ms', 0):.0f} ms, mean of the last repetition)")


__all__ = ["BenchError"]


@benchmark("projector.rebuild")
def projector_rebuild(ctx: Context) -> list[Row]:
    events = 100_000 if ctx.quick else 1_000_000
    results = ctx.almanac("projector-rebuild", "--events", str(events), "--reps", str(reps(ctx)))
    fold, decode = pick(results, "almanac"), pick(results, "decode-only")
    ratio = fold.value / decode.value
    return [Row("projector.rebuild", fold.value, "events/s", "report", None, decode.value, ratio,
                fold.min, fold.max, fold.peak_rss_bytes,
                f"{events:,} config/control/execution events (~{fold.extra['bytes_per_event']:.0f} B) folded from offset 0; "
                f"baseline: the same consumer only decoding (the fetch + decode floor)")]


@benchmark("history.projector_start")
def history_projector_start(ctx: Context) -> list[Row]:
    """A projector started after 100,000 and after 1,000,000 history events over the same 1,000 apps (a
    snapshot at their end, then 1,000 more events): messages read and time until it has read every partition to its end.
    Goal: 1M/100k <= 1.5 for both. The full replay from offset 0 is the informational baseline."""
    sizes = {events: ctx.almanac("history-projector-start", "--events", str(events), "--reps", "3")
             for events in (100_000, 1_000_000)}
    start = {events: pick(results, "almanac") for events, results in sizes.items()}
    replay = {events: pick(results, "full-replay") for events, results in sizes.items()}
    small, large = start[100_000], start[1_000_000]
    time_ratio = large.value / small.value
    messages_ratio = large.extra["messages_read"] / small.extra["messages_read"]
    rss = {events: result.extra["rss_growth_bytes"] / 2**20 for events, result in start.items()}
    return [
        Row("history.projector_start", large.value, "s", "1M/100k <= 1.5", time_ratio <= 1.5, small.value, time_ratio,
            large.min, large.max, large.peak_rss_bytes,
            f"time until ready after 1M history events (baseline: after 100k; ratio 1M/100k = {time_ratio:.2f}); "
            f"projection RSS growth {rss[1_000_000]:.0f} MiB after 1M, {rss[100_000]:.0f} MiB after 100k "
            f"(peak RSS includes the embedded broker holding the log)"),
        Row("history.projector_start.messages", large.extra["messages_read"], "messages", "1M/100k <= 1.5", messages_ratio <= 1.5,
            small.extra["messages_read"], messages_ratio, None, None, None,
            "messages read until ready (snapshot chunks + manifests + the 1,000-event tail): after 1M (baseline: after 100k)"),
        Row("history.projector_start.full_replay", replay[1_000_000].value, "s", "report", None, replay[100_000].value,
            replay[1_000_000].value / replay[100_000].value, replay[1_000_000].min, replay[1_000_000].max, replay[1_000_000].peak_rss_bytes,
            f"the same start from offset 0 (no snapshot): {replay[1_000_000].extra['messages_read']:,.0f} messages after 1M, "
            f"{replay[100_000].extra['messages_read']:,.0f} after 100k (baseline: after 100k)"),
    ]


@benchmark("audit.replay")
def audit_replay(ctx: Context) -> list[Row]:
    events = 100_000 if ctx.quick else 1_000_000
    results = ctx.almanac("audit-replay", "--events", str(events), "--reps", str(reps(ctx)))
    audit, decode = pick(results, "almanac"), pick(results, "decode-only")
    ratio = audit.value / decode.value
    return [Row("audit.replay", audit.value, "events/s", ">= 300,000 events/s", audit.value >= 300_000, decode.value, ratio,
                audit.min, audit.max, audit.peak_rss_bytes,
                f"{events:,} trigger/completion/charge/tick events (~{audit.extra['bytes_per_event']:.0f} B) replayed from offset 0 "
                f"into an AuditLog and verified (almanac audit verify); baseline: the same lanes of consumers (values lent in place) "
                f"only decoding (strict EventCodec)")]


@benchmark("ticker.tick_latency")
def tick_latency(ctx: Context) -> list[Row]:
    jobs = 100_000 if ctx.quick else 1_000_000
    results = ctx.almanac("tick-latency", "--jobs", str(jobs), "--due", "10000", "--reps", str(reps(ctx)))
    fast, scan = pick(results, "almanac"), pick(results, "scan")
    p99 = fast.extra["p99_ms"]
    return [Row("ticker.tick_latency", fast.value, "ms", "p99 <= 250 ms", p99 <= 250, scan.value, scan.value / fast.value,
                fast.min, fast.max, fast.peak_rss_bytes,
                f"{jobs:,} scheduled jobs, 10,000 due in the minute: end offsets + due set + plan + 10,000 triggers and the "
                f"tick acknowledged; p99 (max of {reps(ctx)} minutes) {p99:.0f} ms; baseline plans by scanning every "
                f"schedule; ratio = baseline / almanac")]


def worker_runs(ctx: Context) -> dict[str, int]:
    """Runs per repetition. The embedded broker keeps ~5 MiB per partition: 10,000 runs write
    ~1.2 MiB to each of the 12 executions partitions, so a process does at most 3 such repetitions,
    the untimed warm-up minute (as many runs) included."""
    return {"noop": 5_000 if ctx.quick else 10_000, "spawn": 1_000 if ctx.quick else 2_000, "latency": 10_000}


@benchmark("worker.e2e_noop")
def worker_e2e_noop(ctx: Context) -> list[Row]:
    runs = worker_runs(ctx)["noop"]
    size = {"bytes": 600}  # the C side moves messages of the Almanac side's mean size (trigger, started, completed, charge)

    def almanac() -> list:
        results = ctx.almanac("worker", "--mode", "noop", "--runs", str(runs), "--reps", "1")
        size["bytes"] = round(pick(results, "almanac").extra["mean_message_bytes"])
        return results

    sides = ctx.interleaved(reps(ctx), {
        "almanac": almanac,
        "c": lambda: ctx.c_baseline("move", "--messages", str(4 * runs), "--size", str(size["bytes"]), "--partitions", "12", "--reps", "3"),
    })
    almanac_side, c = sides["almanac"], sides["c"]
    baseline = c.value / 4  # 4 messages per run
    ratio = almanac_side.value / baseline
    return [Row("worker.e2e_noop", almanac_side.value, "runs/s", ">= 0.3x C", ratio >= 0.3, baseline, ratio,
                almanac_side.min, almanac_side.max, almanac_side.peak_rss_bytes,
                f"{runs:,} runs of almanac.noop per repetition (one minute of triggers, one publish, after an untimed warm-up minute as large), 2 WorkerServices with "
                f"their projectors, 12 partitions, 200 accounts; timed from the publish to the last completion and charge read "
                f"back; {almanac_side.extra['cpu_cores']:.2f} cores busy; baseline: rdkafka_baseline move, {4 * runs:,} x "
                f"{size['bytes']} B produced by one thread and consumed by another, runs/s = msg/s / 4, 3 clusters per repetition "
                f"({c.value / 1e3:.0f} k msg/s); {len(almanac_side.samples)} interleaved repetitions, a new process and cluster each")]


@benchmark("worker.process_spawn")
def worker_process_spawn(ctx: Context) -> list[Row]:
    runs = worker_runs(ctx)["spawn"]
    results = ctx.almanac("worker", "--mode", "spawn", "--runs", str(runs), "--reps", str(reps(ctx)))
    worker, loop = pick(results, "almanac"), pick(results, "spawn-loop")
    ratio = worker.value / loop.value
    return [Row("worker.process_spawn", worker.value, "runs/s", ">= 0.6x spawn loop", ratio >= 0.6, loop.value, ratio,
                worker.min, worker.max, worker.peak_rss_bytes,
                f"{runs:,} runs of /bin/true per repetition through ProcessRunner (pipes, report fd, process group), "
                f"2 WorkerServices, 64 runs at once each; {worker.extra['cpu_cores']:.2f} cores busy; baseline: posix_spawn + "
                f"waitpid of /bin/true {runs:,} times in a plain loop, alternating with the worker in the same process")]


@benchmark("worker.dispatch_latency")
def worker_dispatch_latency(ctx: Context) -> list[Row]:
    runs = worker_runs(ctx)["latency"]
    results = [pick(ctx.almanac("worker", "--mode", "latency", "--runs", str(runs), "--reps", "1"), "almanac") for _ in range(reps(ctx))]
    merged = results[0]
    for result in results[1:]:
        merged = merged.merged(result)
    p50 = sorted(r.extra["p50_ms"] for r in results)[len(results) // 2]
    return [Row("worker.dispatch_latency", merged.value, "ms", "p99 <= 1000 ms", merged.value <= 1000, None, None,
                merged.min, merged.max, merged.peak_rss_bytes,
                f"p99 of scheduledFor -> handler start over {runs:,} in-process runs due in the same minute (triggers published "
                f"at the minute boundary of the worker clock, one publish), median of {len(results)} minutes; p50 {p50:.0f} ms; "
                f"2 WorkerServices, 12 partitions, 200 accounts; a new process and cluster per minute")]


@benchmark("history.audit")
def history_audit(ctx: Context) -> list[Row]:
    events = 100_000 if ctx.quick else 1_000_000
    apps = 30 if ctx.quick else 300
    results = ctx.almanac("history-audit", "--events", str(events), "--apps", str(apps), "--reps", str(min(3, reps(ctx))))
    decode = pick(results, "decode-only")
    window = next(r for r in results if r.name == "history.audit_window")
    full = next(r for r in results if r.name == "history.audit_full" and r.side == "almanac")
    allowed = 1.5 * window.extra["window_events"] + window.extra["start_state_messages"]
    growth = window.extra["rss_growth_bytes"]
    full_growth = full.extra["rss_growth_bytes"]
    ratio = full.value / decode.value
    return [
        Row("history.audit_window", window.value, "messages", "<= 1.5x window + start state, RSS growth <= 300 MiB",
            window.value <= allowed and growth <= 300 * 2**20, allowed, window.value / window.extra["window_events"],
            window.min, window.max, window.peak_rss_bytes,
            f"audit of a one-hour window out of {events:,} events ({apps} apps, one *:* job each, 600 s timeout): "
            f"{window.value:,.0f} messages read for {window.extra['window_events']:,.0f} in the window plus "
            f"{window.extra['start_state_messages']:,.0f} config/control/ticks read whole, {window.extra['probes']:.0f} probes to find it; "
            f"RSS growth {growth / 2**20:.0f} MiB; baseline = the allowed messages; ratio = read / window events"),
        Row("history.audit_full", full.value, "events/s", ">= 0.6x decode-only, RSS growth <= 500 MiB",
            ratio >= 0.6 and full_growth <= 500 * 2**20, decode.value, ratio, full.min, full.max, full.peak_rss_bytes,
            f"almanac audit verify of the whole log of {events:,} events, window by window "
            f"({full.extra['events_per_window']:,.0f} events each); RSS growth {full_growth / 2**20:.0f} MiB; "
            f"baseline: the same lanes only decoding every message"),
    ]
