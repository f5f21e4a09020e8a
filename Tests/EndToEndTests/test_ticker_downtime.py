"""Ticker downtime and catch-up (issue 11, tests 2 and 3): a ticker process is stopped and
restarted later against a running broker with a simulated clock."""
import collections
import datetime as dt
import signal
import time

from conftest import by_type
from test_ticker_failover import kill, start_run

APPS = """app: downtime
account: acct
jobs:
  - name: every-minute
    schedule: '*:*'
    command: ['/bin/true']
  - name: quarter-past
    schedule: '*:15'
    command: ['/bin/true']
  - name: twenty-to
    schedule: '*:40'
    command: ['/bin/true']
"""


def parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def sim_now(dev) -> dt.datetime:
    import json
    state = json.loads((dev.state / "dev.json").read_text())
    return parse(state["clockStart"]) + dt.timedelta(seconds=(time.time() - state["realAnchor"]) * state["speed"])


def wait_until_sim(dev, when: dt.datetime):
    while sim_now(dev) < when:
        assert dev.proc.poll() is None, dev.stderr[-2000:]
        time.sleep(0.05)


def run_with_outage(dev_factory, tmp_path, speed: int, down_after_runs: int, down_for: dt.timedelta, run_for: str):
    """Runs a ticker until it has triggered `down_after_runs` every-minute runs, stops it for
    `down_for` of simulated time, starts another one, and lets dev finish. Returns the export and
    the simulated instant of the restart."""
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "downtime.yaml").write_text(APPS)
    dev = dev_factory(["--roles", "none", "--apps", str(apps), "--start", "2026-03-02T10:00:00-05:00",
                       "--speed", str(speed), "--run-for", run_for, "--no-wait-for-runs"])
    dev.wait_for(lambda: any("clock is running" in line for line in dev.lines), 30, "dev clock")
    worker = start_run(dev, "--roles", "worker")
    ticker = start_run(dev, "--roles", "ticker")
    try:
        dev.wait_for(lambda: sum("trigger" in line and "every-minute" in line for line in dev.lines) >= down_after_runs,
                     60, "the first ticker's runs")
        ticker.send_signal(signal.SIGTERM)
        ticker.wait(timeout=30)
        wait_until_sim(dev, sim_now(dev) + down_for)
        restarted_at = sim_now(dev)
        ticker = start_run(dev, "--roles", "ticker")
        assert dev.finish(timeout=600) == 0, dev.stderr[-3000:]
    finally:
        kill([worker, ticker])
    return dev.events(), restarted_at


def outcome_by_minute(events, job: str) -> dict[dt.datetime, list[str]]:
    """What the ticker decided per fire time: triggered, or skipped (paused / missed). Overlap skips
    are the worker's decision about a trigger, not the ticker's, and are left out."""
    result = collections.defaultdict(list)
    for t in by_type(events, "almanac.job.triggered"):
        if t["data"]["job"]["job"] == job:
            result[parse(t["data"]["scheduledFor"])].append("triggered")
    for s in by_type(events, "almanac.job.skipped"):
        if s["data"]["job"]["job"] == job and s["data"]["reason"] != "overlap":
            result[parse(s["data"]["scheduledFor"])].append("skipped:" + s["data"]["reason"])
    return result


def test_ticker_down_40_minutes_runs_slots_inside_the_catch_up_window_late_and_records_older_ones_missed(dev_factory, tmp_path):
    events, restarted = run_with_outage(dev_factory, tmp_path, speed=60, down_after_runs=5,
                                        down_for=dt.timedelta(minutes=40), run_for="70m")
    ticks = sorted(parse(t["data"]["minute"]) for t in by_type(events, "almanac.tick.completed"))
    assert len(ticks) == len(set(ticks))
    assert ticks == [ticks[0] + dt.timedelta(minutes=i) for i in range(len(ticks))], "a minute was never ticked"

    minute = outcome_by_minute(events, "every-minute")
    window = dt.timedelta(minutes=15)
    # When the restarted ticker planned the missed minutes (it joins its group first): the time of
    # its first tick.completed.
    first_ticker = by_type(events, "almanac.tick.completed")[0]["data"]["ticker"]
    planned = min(parse(t["time"]) for t in by_type(events, "almanac.tick.completed") if t["data"]["ticker"] != first_ticker)
    assert planned >= restarted
    last_before = max(parse(t["data"]["minute"]) for t in by_type(events, "almanac.tick.completed") if t["data"]["ticker"] == first_ticker)
    gap = [m for m in sorted(minute) if last_before < m <= planned - dt.timedelta(minutes=1)]
    assert len(gap) >= 35
    for m in gap:
        outcomes = minute[m]
        assert len(outcomes) == 1, (m, outcomes)
        # The rule: late by more than the window (plus the minute it takes to be on time) = missed.
        if planned - m > window + dt.timedelta(minutes=2):
            assert outcomes == ["skipped:missed"], (m, outcomes, planned)
        elif planned - m < window:
            assert outcomes == ["triggered"], (m, outcomes, planned)
    late = [m for m in gap if minute[m] == ["triggered"]]
    assert 13 <= len(late) <= 17
    # No burst: the late every-minute runs never overlap one another (overlap policy `skip` drops a
    # trigger that arrives while the previous run is going); each late slot ran at most once.
    runs = sorted((parse(c["data"]["startedAt"]), parse(c["data"]["finishedAt"]), c["data"]["triggerId"])
                  for c in by_type(events, "almanac.job.completed") if c["data"]["job"]["job"] == "every-minute")
    for (s1, f1, a), (s2, f2, b) in zip(runs, runs[1:]):
        assert f1 <= s2, f"runs {a} and {b} overlapped"
    assert len({r[2] for r in runs}) == len(runs)

    # Sparse jobs: a slot older than the window is missed, one inside it runs late with its original time.
    for job in ("quarter-past", "twenty-to"):
        for m, outcomes in outcome_by_minute(events, job).items():
            if last_before < m < planned - dt.timedelta(minutes=1):
                late_by = planned - m
                if late_by > window + dt.timedelta(minutes=2):
                    assert outcomes == ["skipped:missed"], (job, m)
                elif late_by < window:
                    assert outcomes == ["triggered"], (job, m)
                    trigger = next(t for t in by_type(events, "almanac.job.triggered") if t["data"]["job"]["job"] == job
                                   and parse(t["data"]["scheduledFor"]) == m)
                    assert parse(trigger["time"]) >= restarted, "a late run keeps its scheduledFor and is triggered after the restart"


def test_ticker_down_three_days_recovers_and_keeps_ticking(dev_factory, tmp_path):
    events, restarted = run_with_outage(dev_factory, tmp_path, speed=3600, down_after_runs=10,
                                        down_for=dt.timedelta(days=3), run_for="3d20h")
    ticks = sorted(parse(t["data"]["minute"]) for t in by_type(events, "almanac.tick.completed"))
    assert ticks == [ticks[0] + dt.timedelta(minutes=i) for i in range(len(ticks))], "a minute was never ticked"
    assert ticks[-1] >= restarted + dt.timedelta(minutes=30), "the ticker stopped for good after the outage"
    minute = outcome_by_minute(events, "every-minute")
    doubled = {m.isoformat(): o for m, o in minute.items() if len(o) != 1}
    assert not doubled, f"minutes decided more than once: {dict(list(doubled.items())[:10])}"
    missed = sum(1 for o in minute.values() if o == ["skipped:missed"])
    assert missed >= 3 * 24 * 60 - 60
    # After recovery (the new ticker joins its group, then replays three days of minutes, which at
    # 3600x simulated speed takes simulated hours), new minutes run on time again.
    caught_up = max(parse(s["time"]) for s in by_type(events, "almanac.job.skipped") if s["data"]["reason"] == "missed")
    after = [m for m, o in minute.items() if m > caught_up + dt.timedelta(minutes=5)]
    assert len(after) >= 60
    assert after and all(minute[m] == ["triggered"] for m in after)
