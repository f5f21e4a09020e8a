"""Issue 10, end to end: `almanac audit runs|state|verify`, `export` and `import` on a scripted
simulated morning (a pause with reason and actor, an edit, a ticker outage, a failing job with
retries), a New York fall-back night, injected faults, and an archive imported into a fresh
embedded cluster that must give the same answers."""
import datetime as dt
import json
import re
import signal
import subprocess
import time

from confluent_kafka import Producer

from conftest import ROOT, Dev, almanac_bin, by_type
from test_ticker_downtime import parse, sim_now, wait_until_sim
from test_ticker_failover import start_run, stop
from test_ticker_scenarios import control

EST = dt.timezone(dt.timedelta(hours=-5))  # 2026-03-02 is EST

APPS = {
    "audited": """app: audited
account: acct
jobs:
  - name: five
    schedule: '*:*/5'
    command: ['/bin/true']
  - name: flaky
    schedule: '*:*/10'
    command: ['/bin/false']
    retries: 2
""",
    "edited": "app: edited\naccount: acct\njobs:\n  - name: report\n    schedule: '{schedule}'\n    command: ['/bin/true']\n",
    "outage": """app: outage
account: acct
jobs:
  - name: minutely
    schedule: '*:*'
    command: ['/bin/true']
    catchUpWindowSeconds: 300
""",
}


def at(hh: int, mm: int, ss: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 2, hh, mm, ss, tzinfo=EST)


def iso(t: dt.datetime) -> str:
    return t.isoformat()


def audit(state_dir, *args, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run([almanac_bin(), *args, "--state-directory", str(state_dir), "--quiet"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, (args, proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def runs(state_dir, app: str, start: dt.datetime, end: dt.datetime) -> dict:
    return json.loads(audit(state_dir, "audit", "runs", app, "--from", iso(start), "--to", iso(end), "--json").stdout)


def expected_code(events, trigger_id: str) -> str:
    """What the raw log says became of a scheduled trigger id (ground truth for the audit)."""
    for s in by_type(events, "almanac.job.skipped"):
        if s["data"]["triggerId"] == trigger_id:
            return "skipped_" + s["data"]["reason"]
    completions = {c["data"]["triggerId"]: c["data"] for c in by_type(events, "almanac.job.completed")}
    chain = [trigger_id] + [f"{trigger_id}~{n}" for n in range(2, 10)]
    done = [completions[t] for t in chain if t in completions]
    return done[-1]["status"] if done else "missing"


def fresh_cluster(tmp_path, name: str) -> Dev:
    """An empty embedded cluster (`almanac dev --roles none` with no apps) with its own state folder."""
    folder = tmp_path / name
    (folder / "apps").mkdir(parents=True)
    dev = Dev(folder, ["--roles", "none", "--apps", str(folder / "apps"), "--quiet"])
    dev.wait_for(lambda: any("clock is running" in line for line in dev.lines), 30, f"{name} cluster")
    return dev


def test_audit_explains_a_scripted_morning_and_an_archive_replays_to_the_same_answers(tmp_path):
    apps = tmp_path / "apps"
    apps.mkdir()
    for name, text in APPS.items():
        (apps / f"{name}.yaml").write_text(text.format(schedule="*:00"))
    dev = Dev(tmp_path, ["--roles", "none", "--apps", str(apps), "--start", "2026-03-02T09:52:00-05:00", "--speed", "60"])
    started = [dev]
    procs = []
    try:
        dev.wait_for(lambda: any("clock is running" in line for line in dev.lines), 30, "dev clock")
        worker = start_run(dev, "--roles", "worker")
        ticker = start_run(dev, "--roles", "ticker")
        procs += [worker, ticker]
        # The ticker starts at the minute it first leads; the audit calls earlier slots "before the first tick".
        dev.wait_for(lambda: any("trigger" in line and "outage/minutely" in line for line in dev.lines), 60, "the first tick")
        assert sim_now(dev) < at(9, 59), "the ticker took too long to start; the script's times are off"
        state = json.loads((dev.state / "dev.json").read_text())
        producer = Producer({"bootstrap.servers": state["brokers"], "partitioner": "murmur2_random", "enable.idempotence": True})

        wait_until_sim(dev, at(10, 3, 28))
        control(producer, "paused", "audited", at(10, 3, 30), "maintenance")
        wait_until_sim(dev, at(10, 10))
        (apps / "edited.yaml").write_text(APPS["edited"].format(schedule="*:30"))
        applied = dev.cli("apply", str(apps / "edited.yaml"))
        assert applied.returncode == 0, applied.stderr
        edited_at = sim_now(dev)
        wait_until_sim(dev, at(10, 12, 8))
        control(producer, "resumed", "audited", at(10, 12, 10), "done")
        # The ticker outage: stopped after 10:14 is ticked, restarted 22 simulated minutes later.
        wait_until_sim(dev, at(10, 14, 40))
        ticker.send_signal(signal.SIGTERM)
        ticker.wait(timeout=30)
        down_at = sim_now(dev)
        wait_until_sim(dev, at(10, 36))
        restarted_at = sim_now(dev)
        ticker = start_run(dev, "--roles", "ticker")
        procs.append(ticker)
        wait_until_sim(dev, at(10, 46))
        # A loaded machine can make the new ticker's group join slow: let it have ticked 10:45
        # (its catch-up included) before it stops, rather than trusting the simulated clock alone.
        ticked_by = lambda: max((parse(t["data"]["minute"]) for t in by_type(dev.events(), "almanac.tick.completed")), default=None)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (ticked_by() is None or ticked_by() < at(10, 45)):
            time.sleep(0.5)
        stop([ticker])
        # Let the worker finish what the ticker wrote, then freeze the log.
        deadline = time.monotonic() + 60
        previous = -1
        while time.monotonic() < deadline:
            events = dev.events()
            triggered = {t["data"]["triggerId"] for t in by_type(events, "almanac.job.triggered")}
            finished = {e["data"]["triggerId"] for e in by_type(events, "almanac.job.completed") + by_type(events, "almanac.job.skipped")}
            if triggered <= finished and len(events) == previous:
                break
            previous = len(events)
            time.sleep(1)
        time.sleep(2)
        stop([worker])
        events = dev.events()
        assert edited_at < at(10, 12), f"the edit landed late ({edited_at})"
        assert down_at < at(10, 16) and restarted_at >= at(10, 36)

        window = (at(10, 0), at(10, 45))
        audited = runs(dev.state, "audited", *window)
        rows = {(r["job"], r["scheduledForLocal"]): r for r in audited["rows"]}
        assert audited["discrepancies"] == [], audited["discrepancies"]
        # The pause: 10:05 and 10:10 of `five`, 10:10 of `flaky`, each with who paused, when and why.
        for job, minute in (("five", 5), ("five", 10), ("flaky", 10)):
            row = rows[(job, iso(at(10, minute)))]
            assert row["outcome"] == "skipped_paused", row
            assert row["outcomeText"] == 'skipped: paused by ops-test at 2026-03-02T10:03:30-05:00 ("maintenance")', row
        assert rows[("five", iso(at(10, 0)))]["outcome"] == "succeeded"
        assert rows[("five", iso(at(10, 0)))]["attempts"] == 1 and rows[("five", iso(at(10, 0)))]["millicredits"] > 0
        # The failing job: three attempts (two retries), all failed, all charged.
        flaky = rows[("flaky", iso(at(10, 0)))]
        assert (flaky["outcome"], flaky["attempts"]) == ("failed", 3), flaky
        charges = {c["data"]["chargeId"]: c["data"]["total"] for c in by_type(events, "almanac.credits.charged")}
        assert flaky["millicredits"] == sum(v for k, v in charges.items() if k.startswith(flaky["triggerId"]))
        # Every fire time of the window has a row, and each row agrees with the raw log.
        assert [r["scheduledForLocal"] for r in audited["rows"] if r["job"] == "five"] == [iso(at(10, m)) for m in range(0, 45, 5)]
        for r in audited["rows"]:
            assert r["outcome"] == expected_code(events, r["triggerId"]), r

        # The edit: `*:00` ran at 10:00, the new `*:30` at 10:30 (late, after the outage), nothing else.
        edited = runs(dev.state, "edited", at(9, 58), at(10, 46))
        assert [(r["scheduledForLocal"], r["outcome"]) for r in edited["rows"]] == [(iso(at(10, 0)), "succeeded"), (iso(at(10, 30)), "succeeded")]

        # The outage: slots older than the 5-minute catch-up window are missed, with the outage named.
        outage = runs(dev.state, "outage", at(10, 0), at(10, 45))
        assert outage["discrepancies"] == [], outage["discrepancies"]
        assert len(outage["rows"]) == 45
        missed = [r for r in outage["rows"] if r["outcome"] == "skipped_missed"]
        assert len(missed) >= 12
        for r in missed:
            m = re.fullmatch(r"skipped: missed \(ticker down from (\S+) to (\S+)\)", r["outcomeText"])
            assert m, r["outcomeText"]
            down_from, down_to = dt.datetime.fromisoformat(m[1]), dt.datetime.fromisoformat(m[2])
            slot = dt.datetime.fromisoformat(r["scheduledForLocal"])
            assert down_from < slot < down_to and down_from <= at(10, 15, 30) and down_to >= restarted_at - dt.timedelta(seconds=5), r
        for r in outage["rows"]:
            assert r["outcome"] == expected_code(events, r["triggerId"]), r
        assert {r["outcome"] for r in outage["rows"]} <= {"succeeded", "skipped_missed", "skipped_overlap"}

        # State at an instant: paused (since, by whom, why) during the pause, not after; the edit.
        during = json.loads(audit(dev.state, "audit", "state", "--at", iso(at(10, 8)), "--app", "audited", "--json").stdout)
        assert during["apps"][0]["paused"] == {"since": "2026-03-02T15:03:30.000Z", "reason": "maintenance", "actor": "ops-test"}
        after = json.loads(audit(dev.state, "audit", "state", "--at", iso(at(10, 13)), "--json").stdout)
        by_app = {a["app"]: a for a in after["apps"]}
        assert by_app["audited"].get("paused") is None
        assert by_app["edited"]["jobs"][0]["schedule"] == "*:30"
        before = json.loads(audit(dev.state, "audit", "state", "--at", iso(at(10, 9)), "--app", "edited", "--json").stdout)
        assert before["apps"][0]["jobs"][0]["schedule"] == "*:00"

        verify = audit(dev.state, "audit", "verify")
        assert "identity holds" in verify.stdout and "no discrepancies" in verify.stdout, verify.stdout

        # Window reads (issue 24): each answer agrees row for row with the whole log's restricted to
        # the window, while reading only the window's triggers, executions and charges.
        for app, (start, end) in (("audited", (at(10, 0), at(10, 45))), ("outage", (at(10, 20), at(10, 40))),
                                  ("edited", (at(9, 58), at(10, 46))), ("audited", (at(10, 31), at(10, 32)))):
            args = ("audit", "runs", app, "--from", iso(start), "--to", iso(end), "--json")
            windowed, whole = json.loads(audit(dev.state, *args).stdout), json.loads(audit(dev.state, *args, "--whole-log").stdout)
            assert windowed["rows"] == whole["rows"] and windowed["discrepancies"] == whole["discrepancies"], (app, start)
        for start, end in ((at(10, 0), at(10, 30)), (at(10, 30), at(10, 45))):
            args = ("audit", "verify", "--from", iso(start), "--to", iso(end), "--json")
            windowed, whole = json.loads(audit(dev.state, *args).stdout), json.loads(audit(dev.state, *args, "--whole-log").stdout)
            for field in ("runs", "apps", "billing", "discrepancies"):
                assert windowed[field] == whole[field], (field, windowed[field], whole[field])
            assert windowed["log"]["messages"] < whole["log"]["messages"], (windowed["log"], whole["log"])
            args = ("billing", "report", "--from", iso(start), "--to", iso(end), "--json")
            windowed, whole = json.loads(audit(dev.state, *args).stdout), json.loads(audit(dev.state, *args, "--whole-log").stdout)
            assert windowed["total"] == whole["total"] and windowed["accounts"] == whole["accounts"], (windowed, whole)
        seeking = subprocess.run([almanac_bin(), "audit", "runs", "audited", "--from", iso(at(10, 0)), "--to", iso(at(10, 10)),
                                  "--state-directory", str(dev.state)], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert seeking.returncode == 0 and re.search(r"read \d+ message\(s\) of the window", seeking.stderr), seeking.stderr

        # Bad input: exit code 2 with the option named.
        bad = audit(dev.state, "audit", "runs", "audited", "--from", "yesterday", "--to", iso(at(11, 0)), check=False)
        assert bad.returncode == 2 and "--from" in bad.stderr
        unknown = audit(dev.state, "audit", "runs", "nope", "--from", iso(at(10, 0)), "--to", iso(at(11, 0)), check=False)
        assert unknown.returncode == 2 and "nope" in unknown.stderr

        # Export → import into a fresh embedded cluster → the same answers.
        archive = tmp_path / "archive.jsonl"
        with open(archive, "w") as f:
            exported = subprocess.run([almanac_bin(), "export", "--state-directory", str(dev.state), "--quiet"], cwd=ROOT,
                                      stdout=f, stderr=subprocess.PIPE, text=True, timeout=120)
        assert exported.returncode == 0, exported.stderr
        lines = archive.read_text().splitlines()
        assert len(lines) == len(events)
        copy = fresh_cluster(tmp_path, "copy")
        started.append(copy)
        audit(copy.state, "import", str(archive))
        for app, window in (("audited", (at(10, 0), at(10, 45))), ("edited", (at(9, 58), at(10, 46))), ("outage", (at(10, 0), at(10, 45)))):
            original = audit(dev.state, "audit", "runs", app, "--from", iso(window[0]), "--to", iso(window[1])).stdout
            assert audit(copy.state, "audit", "runs", app, "--from", iso(window[0]), "--to", iso(window[1])).stdout == original
        assert audit(copy.state, "audit", "verify", "--json").stdout == audit(dev.state, "audit", "verify", "--json").stdout

        # Injected faults, in a third cluster: a charge removed and a trigger dropped from the
        # archive, then a completion duplicated by another producer.
        values = [json.loads(line) for line in lines]
        def find(type_, pred):
            return next(i for i, v in enumerate(values) if isinstance(v.get("value"), dict) and v["value"]["type"] == type_ and pred(v["value"]["data"]))
        five_0 = f"acct/audited/five@{at(10, 0).astimezone(dt.timezone.utc):%Y-%m-%dT%H:%MZ}"
        five_40 = f"acct/audited/five@{at(10, 40).astimezone(dt.timezone.utc):%Y-%m-%dT%H:%MZ}"
        edited_0 = f"acct/edited/report@{at(10, 0).astimezone(dt.timezone.utc):%Y-%m-%dT%H:%MZ}"
        drop = {find("almanac.credits.charged", lambda d: d["chargeId"] == five_0),
                find("almanac.job.triggered", lambda d: d["triggerId"] == five_40)}
        duplicate = values[find("almanac.job.completed", lambda d: d["triggerId"] == edited_0)]
        faulty = tmp_path / "faulty.jsonl"
        faulty.write_text("".join(line + "\n" for i, line in enumerate(lines) if i not in drop))
        broken = fresh_cluster(tmp_path, "broken")
        started.append(broken)
        audit(broken.state, "import", str(faulty))
        brokers = json.loads((broken.state / "dev.json").read_text())["brokers"]
        p = Producer({"bootstrap.servers": brokers})
        p.produce(duplicate["topic"], key=duplicate["key"].encode(), value=json.dumps(duplicate["value"]).encode(),
                  partition=duplicate["partition"])
        assert p.flush(10) == 0
        result = audit(broken.state, "audit", "verify", check=False)
        assert result.returncode == 1, result.stdout
        found = set(re.findall(r"^  (\S+) (\S+):", result.stdout, re.M))
        assert ("no_charge", five_0) in found, result.stdout
        assert ("completion_without_trigger", five_40) in found, result.stdout
        assert ("duplicate_completion", edited_0) in found, result.stdout
        assert "IDENTITY BROKEN" in result.stdout
        assert len(found) == 3, result.stdout
    finally:
        stop(procs)
        for d in started:
            if d.proc.poll() is None:
                d.proc.send_signal(signal.SIGINT)
                try:
                    d.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    d.proc.kill()


def test_audit_runs_across_the_new_york_fall_back_night(tmp_path):
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "dst.yaml").write_text("app: dst\naccount: acct\njobs:\n"
                                   "  - name: half\n    schedule: '*:30'\n    command: ['/bin/true']\n"
                                   "  - name: fixed\n    schedule: '1:30'\n    command: ['/bin/true']\n")
    dev = Dev(tmp_path, ["--apps", str(apps), "--start", "2026-11-01T01:20:00-04:00", "--speed", "600", "--quiet"])
    try:
        dev.wait_for(lambda: any("clock is running" in line for line in dev.lines), 30, "dev clock")
        wait_until_sim(dev, parse("2026-11-01T08:38:00Z"))
        report = runs(dev.state, "dst", parse("2026-11-01T05:20:00Z"), parse("2026-11-01T08:35:00Z"))
        got = [(r["job"], r["scheduledForLocal"], r["outcome"]) for r in report["rows"]]
        assert got == [
            ("fixed", "2026-11-01T01:30:00-04:00", "succeeded"),
            ("half", "2026-11-01T01:30:00-04:00", "succeeded"),
            ("half", "2026-11-01T01:30:00-05:00", "succeeded"),
            ("half", "2026-11-01T02:30:00-05:00", "succeeded"),
            ("half", "2026-11-01T03:30:00-05:00", "succeeded"),
        ], got
        assert report["discrepancies"] == []
    finally:
        if dev.proc.poll() is None:
            dev.proc.send_signal(signal.SIGINT)
            dev.finish(timeout=60)
