"""Ticker leader election and failover (issue 11, tests 6 and 7) with real processes: an embedded
broker (`almanac dev --roles none`), tickers and a worker as separate `almanac run` processes."""
import collections
import datetime as dt
import json
import random
import signal
import threading
import subprocess
import time

import pytest

from conftest import ROOT, almanac_bin, by_type

APP = "app: minutely\naccount: acct\njobs:\n  - name: beat\n    schedule: '*:*'\n    overlap: allow\n    command: ['/bin/true']\n"


def start_run(dev, *args):
    """An `almanac run` process whose stderr lines collect in `proc.log`."""
    proc = subprocess.Popen([almanac_bin(), "run", "--state-directory", str(dev.state), *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    proc.log = []
    threading.Thread(target=lambda: proc.log.extend(proc.stderr), daemon=True).start()
    return proc


def leads(proc) -> bool:
    """Whether the process leads now: its last leadership line says it became the leader."""
    changes = [line for line in list(proc.log) if "became the leader" in line or "lost leadership" in line]
    return bool(changes) and "became the leader" in changes[-1]


def stop(procs):
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def kill(procs):
    """Ends `almanac run` processes once the dev, and with it the broker, is gone (or the test
    failed): SIGTERM would only wait out their Kafka timeouts for a broker that is not coming back."""
    for p in procs:
        if p.poll() is None:
            p.kill()
    for p in procs:
        p.wait()


def minute_checks(events):
    ticks = [e["data"] for e in by_type(events, "almanac.tick.completed")]
    minutes = sorted(t["minute"] for t in ticks)
    triggers = collections.Counter(t["data"]["triggerId"] for t in by_type(events, "almanac.job.triggered"))
    completed = collections.Counter(c["data"]["triggerId"] for c in by_type(events, "almanac.job.completed"))
    charged = collections.Counter(c["data"]["chargeId"] for c in by_type(events, "almanac.credits.charged"))
    return ticks, minutes, triggers, completed, charged


TRIALS = 10


def sim_now(dev) -> dt.datetime:
    state = json.loads((dev.state / "dev.json").read_text())
    start = dt.datetime.fromisoformat(state["clockStart"].replace("Z", "+00:00"))
    return start + dt.timedelta(seconds=(time.time() - state["realAnchor"]) * state["speed"])


# Alone: starved of CPU (two busy loops beside it, or the other tests under pytest-xdist), its
# leaders can write no tick for minutes on end (each hangs in its first transactional write or in
# initTransactions; seen in 2 of 3 runs beside two busy loops, none alone).
@pytest.mark.alone
def test_leader_killed_at_random_seconds_ten_times_no_minute_lost_or_doubled(dev_factory, tmp_path):
    """Issue 11, test 7: ten times, the leading ticker is killed with SIGKILL at a random second of
    a simulated minute and replaced by a new standby; over the whole run (about an hour of
    simulated time around the kills) every minute is ticked once, and every trigger runs and is
    charged once."""
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "m.yaml").write_text(APP)
    speed = 30
    dev = dev_factory(["--roles", "none", "--apps", str(apps), "--start", "2026-03-02T10:00:00-05:00",
                       "--speed", str(speed), "--run-for", "100m", "--quiet"])
    dev.wait_for(lambda: any("clock is running" in line for line in dev.lines), 30, "dev clock")
    tickers = [start_run(dev, "--roles", "ticker"), start_run(dev, "--roles", "ticker")]
    worker = start_run(dev, "--roles", "worker")
    procs = [*tickers, worker]
    takeovers = []

    def leader_among(candidates, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            leading = [p for p in candidates if p.poll() is None and leads(p)]
            if leading:
                return leading[0]
            time.sleep(0.05)
        return None

    try:
        leader = leader_among(tickers, 30)
        assert leader is not None, "no ticker became the leader"
        for trial in range(TRIALS):
            # Let the leader tick a minute or two, then kill it at a random second of a minute.
            time.sleep(rng.uniform(2, 4))
            now = sim_now(dev)
            second = rng.randrange(60)
            kill_at = now.replace(second=second, microsecond=0)
            if kill_at <= now:
                kill_at += dt.timedelta(minutes=1)
            time.sleep((kill_at - now).total_seconds() / speed)
            leader = leader_among(tickers, 30)  # leadership may have moved to the last new standby
            assert leader is not None, f"trial {trial}: no leader (seed {seed})"
            standby = [p for p in tickers if p is not leader and p.poll() is None]
            leader.send_signal(signal.SIGKILL)
            leader.wait()
            killed = time.monotonic()
            leader = leader_among(standby, 30)
            assert leader is not None, f"trial {trial}: the standby never took over (seed {seed})"
            takeovers.append(round(time.monotonic() - killed, 1))
            # A new standby joins; the rebalance it causes may hand leadership over (gracefully).
            replacement = start_run(dev, "--roles", "ticker")
            procs.append(replacement)
            tickers = [*standby, replacement]
        assert dev.finish(timeout=400) == 0, dev.stderr[-3000:]
    finally:
        kill(procs)
    print(f"seed {seed}: takeovers after {takeovers} s")
    # The standby leads within the session timeout (6 s) plus a rebalance.
    assert max(takeovers) <= 15, (takeovers, seed)

    ticks, minutes, triggers, completed, charged = minute_checks(dev.events())
    context = f"(seed {seed})"
    assert len(minutes) == len(set(minutes)), f"a minute was ticked twice {context}"
    parse = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    first_minute, last_minute = parse(minutes[0]), parse(minutes[-1])
    assert last_minute - first_minute >= dt.timedelta(minutes=60), context
    span = int((last_minute - first_minute).total_seconds() // 60) + 1
    assert len(minutes) == span, f"a minute was lost across a failover {context}"
    # Leadership moved: at least one ticker per kill that ticked before it (a leader killed before
    # its first tick, or one the rebalance of a new standby replaced, may have written none).
    assert len({t["ticker"] for t in ticks}) >= TRIALS // 2, f"leaders: {collections.Counter(t['ticker'] for t in ticks)} {context}"
    # Every ticked minute triggered the job once; every trigger ran exactly once and was charged once.
    expected = {f"acct/minutely/beat@{parse(m).strftime('%Y-%m-%dT%H:%MZ')}" for m in minutes}
    assert set(triggers) == expected, context
    assert set(completed) == expected and max(completed.values()) == 1, context
    assert set(charged) == expected and max(charged.values()) == 1, context


def test_two_tickers_both_ticking_never_run_a_trigger_twice(dev_factory, tmp_path):
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "m.yaml").write_text(APP)
    dev = dev_factory(["--roles", "none", "--apps", str(apps), "--start", "2026-03-02T10:00:00-05:00",
                       "--speed", "30", "--run-for", "15m", "--quiet"])
    dev.wait_for(lambda: any("clock is running" in line for line in dev.lines), 30, "dev clock")
    # Forced split brain: each ticker in its own group, so both lead.
    procs = [start_run(dev, "--roles", "ticker", "--ticker-group", "split-a"),
             start_run(dev, "--roles", "ticker", "--ticker-group", "split-b"),
             start_run(dev, "--roles", "worker")]
    try:
        assert dev.finish(timeout=200) == 0, dev.stderr[-3000:]
    finally:
        kill(procs)
    ticks, minutes, triggers, completed, charged = minute_checks(dev.events())
    assert len({t["ticker"] for t in ticks}) == 2
    assert max(triggers.values()) == 2, "both tickers should have written the same trigger ids"
    assert set(completed) == set(triggers) and max(completed.values()) == 1, "a trigger ran twice"
    assert max(charged.values()) == 1
