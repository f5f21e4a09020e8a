"""Ticker leader election and failover (issue 11, tests 6 and 7) with real processes: an embedded
broker (`almanac dev --roles none`), tickers and a worker as separate `almanac run` processes."""
import collections
import signal
import threading
import subprocess
import time

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
    return any("became the leader" in line for line in list(proc.log))


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


def minute_checks(events):
    ticks = [e["data"] for e in by_type(events, "almanac.tick.completed")]
    minutes = sorted(t["minute"] for t in ticks)
    triggers = collections.Counter(t["data"]["triggerId"] for t in by_type(events, "almanac.job.triggered"))
    completed = collections.Counter(c["data"]["triggerId"] for c in by_type(events, "almanac.job.completed"))
    charged = collections.Counter(c["data"]["chargeId"] for c in by_type(events, "almanac.credits.charged"))
    return ticks, minutes, triggers, completed, charged


def test_leader_killed_mid_minute_standby_takes_over_without_losing_or_doubling_a_minute(dev_factory, tmp_path):
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "m.yaml").write_text(APP)
    dev = dev_factory(["--roles", "none", "--apps", str(apps), "--start", "2026-03-02T10:00:00-05:00",
                       "--speed", "20", "--run-for", "25m", "--quiet"])
    dev.wait_for(lambda: any("clock is running" in line for line in dev.lines), 30, "dev clock")
    first = start_run(dev, "--roles", "ticker")
    second = start_run(dev, "--roles", "ticker")
    worker = start_run(dev, "--roles", "worker")
    procs = [first, second, worker]
    try:
        deadline = time.monotonic() + 30
        leader = None
        while leader is None and time.monotonic() < deadline:
            for p in (first, second):
                if leads(p):
                    leader = p
            time.sleep(0.1)
        assert leader is not None, "no ticker became the leader"
        standby = second if leader is first else first
        time.sleep(6.5)  # a few simulated minutes of ticking, then kill the leader mid-minute
        leader.send_signal(signal.SIGKILL)
        leader.wait()
        deadline = time.monotonic() + 30
        while not leads(standby) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert leads(standby), "the standby never took over"
        assert dev.finish(timeout=200) == 0, dev.stderr[-3000:]
    finally:
        stop(procs)

    ticks, minutes, triggers, completed, charged = minute_checks(dev.events())
    assert len(minutes) == len(set(minutes)), "a minute was ticked twice"
    first_minute, last_minute = minutes[0], minutes[-1]
    assert len(minutes) >= 15
    # Contiguous: no minute lost between the first and the last tick.
    import datetime as dt
    parse = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    span = int((parse(last_minute) - parse(first_minute)).total_seconds() // 60) + 1
    assert len(minutes) == span, "a minute was lost across the failover"
    tickers = collections.Counter(t["ticker"] for t in ticks)
    assert len(tickers) == 2, f"both tickers should have ticked: {tickers}"
    # Every ticked minute triggered the job; every trigger ran exactly once and was charged once.
    expected = {f"acct/minutely/beat@{parse(m).strftime('%Y-%m-%dT%H:%MZ')}" for m in minutes}
    assert set(triggers) == expected
    assert set(completed) == expected and max(completed.values()) == 1
    assert set(charged) == expected and max(charged.values()) == 1


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
        stop(procs)
    ticks, minutes, triggers, completed, charged = minute_checks(dev.events())
    assert len({t["ticker"] for t in ticks}) == 2
    assert max(triggers.values()) == 2, "both tickers should have written the same trigger ids"
    assert set(completed) == set(triggers) and max(completed.values()) == 1, "a trigger ran twice"
    assert max(charged.values()) == 1
