#!/usr/bin/env python3
"""The calendar.next baseline of ops/bench: cronsim (PyPI, the reference calendar of docs/design.md §4)
computing `next` for a sample of the same schedules Almanac's benchmark used.

    python3 ops/benchmarks/cronsim_next.py SAMPLE.jsonl [--reps N]

SAMPLE.jsonl comes from `almanac-bench calendar-next --sample-out`: one schedule per line with its
cron spelling (cronsim does not read the platform form), its zone, the instant `next` is asked
after (epoch minute) and Almanac's answer. Each repetition times `next()` on a fresh CronSim
iterator per schedule (construction, i.e. parsing, is outside the clock, as Almanac's compiled
schedules are). The rate is per call, so it stands for the full set: projected seconds for N
schedules = N / rate. Also counts the schedules where cronsim's answer differs from Almanac's
(docs/design.md §4 deviates from cronsim on purpose in a few DST cases; see ops/differential/).

Prints one JSON line in almanac-bench's result shape, side "cronsim".
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from cronsim import CronSim


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("sample")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    with open(args.sample, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    if not rows:
        print("cronsim_next: empty sample", file=sys.stderr)
        return 2
    zones = {row["zone"]: ZoneInfo(row["zone"]) for row in rows}
    starts = [datetime.fromtimestamp(row["after"] * 60, tz=zones[row["zone"]]) for row in rows]

    samples = []
    answers: list[int | None] = []
    for rep in range(args.reps):
        iterators = [CronSim(row["cron"], start) for row, start in zip(rows, starts)]
        results = []
        begin = time.perf_counter()
        for it in iterators:
            try:
                results.append(next(it))
            except StopIteration:
                results.append(None)
        seconds = time.perf_counter() - begin
        samples.append(len(rows) / seconds)
        answers = [None if r is None else int(r.astimezone(timezone.utc).timestamp()) // 60 for r in results]
        print(f"[cronsim_next] rep {rep + 1}/{args.reps}: {samples[-1]:.0f} calls/s", file=sys.stderr)

    mismatches = [row for row, answer in zip(rows, answers) if answer != row["next"]]
    for row in mismatches[:5]:
        print(f"[cronsim_next] differs: {row['text']!r} ({row['cron']!r}) in {row['zone']} after minute {row['after']}", file=sys.stderr)
    median = statistics.median(samples)
    result = {
        "name": "calendar.next", "side": "cronsim", "unit": "calls/s",
        "value": median, "min": min(samples), "max": max(samples), "samples": samples,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "extra": {"sample": len(rows), "ns_per_call": 1e9 / median, "mismatches": len(mismatches)},
        "notes": {"scaled": f"measured on {len(rows)} of the schedules; calls/s is per call, so it scales to the full set"},
    }
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
