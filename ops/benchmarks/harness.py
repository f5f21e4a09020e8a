"""The machinery of ops/bench: build, run commands that print JSON result lines, combine
repetitions, judge goals, print the table, write .almanac/bench.json.

A benchmark is a function registered with @benchmark(NAME) in benchmarks.py: it gets a Context
(sizes for --quick or the full run, helpers to run almanac-bench, the C baseline and Python) and
returns one or more Rows. See benchmarks.py for the pattern.
"""
from __future__ import annotations

import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRATCH = os.path.join(ROOT, ".build-bench")


class BenchError(Exception):
    """A benchmark could not measure what it claims (crash, lost data, wrong answer)."""


@dataclass
class Row:
    """One line of the table and one entry of bench.json's results."""
    name: str
    value: float
    unit: str
    goal: str
    passed: bool | None  # None: informational, no goal
    baseline: float | None = None
    ratio: float | None = None
    min: float | None = None
    max: float | None = None
    peak_rss_bytes: int | None = None
    note: str = ""

    def json(self) -> dict:
        return {
            "name": self.name, "value": _round(self.value), "unit": self.unit,
            "baseline": _round(self.baseline), "ratio": _round(self.ratio, 3), "goal": self.goal,
            "pass": self.passed, "min": _round(self.min), "max": _round(self.max),
            "peak_rss_bytes": self.peak_rss_bytes,
        }


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


@dataclass
class Result:
    """What one side printed: the median of its samples, and everything else it said."""
    name: str
    side: str
    unit: str
    samples: list[float]
    peak_rss_bytes: int
    extra: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)

    @property
    def value(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    def merged(self, other: "Result") -> "Result":
        return Result(self.name, self.side, self.unit, self.samples + other.samples,
                      max(self.peak_rss_bytes, other.peak_rss_bytes), {**self.extra, **other.extra},
                      {**self.notes, **other.notes})


@dataclass
class Context:
    quick: bool
    bench_bin: str
    c_baseline_bin: str
    tmp: str
    log: Callable[[str], None]

    def run(self, argv: list[str], timeout: float = 900) -> list[Result]:
        """Runs a command that prints JSON result lines; returns them. Fails on a non-zero exit."""
        self.log("$ " + " ".join(shlex.quote(a) for a in argv))
        started = time.monotonic()
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise BenchError(f"{os.path.basename(argv[0])} {argv[1] if len(argv) > 1 else ''} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
        results = []
        for line in proc.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                d = json.loads(line)
                results.append(Result(d["name"], d.get("side", "almanac"), d["unit"], [float(s) for s in d["samples"]],
                                      int(d.get("peak_rss_bytes") or 0), d.get("extra", {}), d.get("notes", {})))
        if not results:
            raise BenchError(f"{argv[0]} printed no result")
        self.log(f"  ({time.monotonic() - started:.1f} s)")
        return results

    def almanac(self, *args: str) -> list[Result]:
        return self.run([self.bench_bin, *args])

    def c_baseline(self, *args: str) -> list[Result]:
        return self.run([self.c_baseline_bin, *args])

    def python(self, script: str, *args: str) -> list[Result]:
        return self.run([sys.executable, os.path.join(ROOT, script), *args])

    def interleaved(self, reps: int, commands: dict[str, Callable[[], list[Result]]]) -> dict[str, Result]:
        """Runs each command once per repetition, alternating between them (so that drift in the
        machine's load hits every side alike), and merges their samples per side."""
        merged: dict[str, Result] = {}
        for _ in range(reps):
            for side, command in commands.items():
                for result in command():
                    merged[side] = merged[side].merged(result) if side in merged else result
        return merged


def pick(results: list[Result], side: str) -> Result:
    for result in results:
        if result.side == side:
            return result
    raise BenchError(f"no result from side {side}")


REGISTRY: dict[str, Callable[[Context], list[Row]]] = {}


def selected(name: str, only: str | None) -> bool:
    """`--only NAME` runs NAME, and `--only AREA` every benchmark named AREA.something (`--only worker`)."""
    return only is None or name == only or name.startswith(only + ".")


def benchmark(name: str):
    """Registers a benchmark under the name `--only` selects it by."""
    def register(function: Callable[[Context], list[Row]]):
        REGISTRY[name] = function
        return function
    return register


def machine() -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu}


def human(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit in ("msg/s", "calls/s", "runs/s"):
        text = f"{value / 1e6:.2f} M" if value >= 1e6 else f"{value / 1e3:.1f} k" if value >= 1e3 else f"{value:.0f}"
        return f"{text} {unit}"
    if unit == "ms":
        return f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"
    if unit:
        return f"{value:.0f} {unit}"
    return f"{value:.2f}"


def table(rows: list[Row]) -> str:
    header = ["name", "almanac", "baseline", "ratio", "goal", "result"]
    lines = [[r.name, human(r.value, r.unit), human(r.baseline, r.unit), "-" if r.ratio is None else f"{r.ratio:.2f}x",
              r.goal, "info" if r.passed is None else ("PASS" if r.passed else "FAIL")] for r in rows]
    widths = [max([len(h)] + [len(l[i]) for l in lines]) for i, h in enumerate(header)]
    out = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |",
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for line in lines:
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths)) + " |")
    return "\n".join(out)


def details(rows: list[Row]) -> str:
    out = []
    for r in rows:
        spread = "" if r.min is None else f"min {human(r.min, r.unit)}, max {human(r.max, r.unit)}; "
        rss = "" if r.peak_rss_bytes is None else f"peak RSS {r.peak_rss_bytes / 2**20:.0f} MiB; "
        out.append(f"- {r.name}: {spread}{rss}{r.note}".rstrip("; "))
    return "\n".join(out)
