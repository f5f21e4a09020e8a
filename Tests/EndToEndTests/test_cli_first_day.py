"""The CLI on a newcomer's first day (issue 23, items 8-11), on one running `almanac dev`: settings
from variables and a settings file instead of flags, `--version`, did-you-mean for unknown apps
(the CLI and the kcat recipes), `almanac remove` and ops/kcat/remove-app.sh stopping an app's jobs,
and a stale .almanac after dev exits: a clear message at once instead of a 10 s hang."""
import json
import os
import re
import subprocess
import time

from conftest import ROOT, almanac_bin

START = "2026-03-02T07:58:00-05:00"


def run(*args, env=None, timeout=60):
    return subprocess.run([almanac_bin(), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_settings_did_you_mean_remove_and_a_stale_dev(dev_factory, example_apps, tmp_path):
    version = run("--version")
    assert version.returncode == 0 and re.fullmatch(r"\d+\.\d+\.\d+ \(librdkafka \d+\.\d+\.\d+\)\n", version.stdout), version

    dev = dev_factory(["--apps", str(example_apps), "--start", START, "--speed", "120"])
    dev.wait_for(lambda: any("trigger   helpdesk-co/support-queue/triage-tickets" in l for l in dev.lines), 120, "a support-queue run")
    brokers = json.loads((dev.state / "dev.json").read_text())["brokers"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    # Settings without flags: flag > ALMANAC_* variable > settings file > default.
    def apps_seen(result):
        assert result.returncode == 0, result.stderr
        return sorted(a["app"] for a in json.loads(result.stdout)["apps"])
    four = ["clinic-reminders", "csv-import", "inventory-sync", "support-queue"]
    assert apps_seen(run("status", "--json", env={"ALMANAC_STATE_DIR": str(dev.state)})) == four
    assert apps_seen(run("status", "--json", env={"ALMANAC_BROKERS": brokers, "ALMANAC_STATE_DIR": str(elsewhere)})) == four
    settings = tmp_path / "almanac.conf"
    settings.write_text(f"# settings of the first-day test\nstate-directory = {dev.state}\n")
    assert apps_seen(run("status", "--json", env={"ALMANAC_CONFIG": str(settings)})) == four
    flag_wins = run("status", "--json", "--state-directory", str(elsewhere), env={"ALMANAC_CONFIG": str(settings)})
    assert flag_wins.returncode == 2 and "no broker" in flag_wins.stderr, flag_wins.stderr
    settings.write_text("brokers: localhost:9092\n")
    bad = run("status", env={"ALMANAC_CONFIG": str(settings)})
    assert bad.returncode == 2 and f"{settings}:1: expected key = value" in bad.stderr, bad.stderr
    missing = run("status", env={"ALMANAC_CONFIG": str(tmp_path / "nope.conf")})
    assert missing.returncode == 2 and "nope.conf, which cannot be read" in missing.stderr, missing.stderr

    # Unknown apps: the closest names, never every name.
    typo = dev.cli("pause", "suport-queue")
    assert typo.returncode == 2 and 'app "suport-queue" is not configured; did you mean "support-queue"?' in typo.stderr, typo.stderr
    job_typo = dev.cli("trigger", "support-queue", "triage")
    assert job_typo.returncode == 2 and 'has no job "triage"; did you mean "triage-tickets"?' in job_typo.stderr, job_typo.stderr
    kcat_env = {**os.environ, "ALMANAC_STATE_DIR": str(dev.state)}
    kcat_pause = subprocess.run([str(ROOT / "ops/kcat/pause-app.sh"), "app-99999"], cwd=ROOT, env=kcat_env,
                                capture_output=True, text=True, timeout=30)
    assert kcat_pause.returncode == 2 and 'app "app-99999" is not configured (4 apps are configured' in kcat_pause.stderr, kcat_pause
    assert "paused" not in kcat_pause.stdout

    # almanac remove: app.removed; the ticker triggers none of its jobs after it.
    removed = dev.cli("remove", "support-queue", "--json")
    assert removed.returncode == 0, removed.stderr
    landed = json.loads(removed.stdout)
    assert landed["type"] == "almanac.app.removed" and landed["topic"] == "almanac.config"
    removed_at = landed["time"]
    dev.wait_for(lambda: any(l.endswith("removed   support-queue") for l in dev.lines), 30, "the removal line")
    # The dev's clock is simulated: wait until the ticker has ticked 15 simulated minutes past the removal.
    def last_tick_minute():
        ticks = dev.cli("tail", "--topic", "ticks", "--lines", "1", "--json")
        assert ticks.returncode == 0, ticks.stderr
        minutes = [json.loads(l)["data"]["minute"] for l in ticks.stdout.splitlines() if l.strip()]
        return max(minutes) if minutes else ""
    target = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(_epoch(removed_at) + 15 * 60))
    deadline = time.monotonic() + 60
    while last_tick_minute() < target:
        assert time.monotonic() < deadline, f"no tick past {target}"
        time.sleep(0.5)
    exported = dev.events()
    late = [m for m in exported if m["topic"] == "almanac.triggers" and "support-queue" in (m["key"] or "")
            and m["value"]["data"]["scheduledFor"] > removed_at and m["value"]["data"]["source"] == "scheduled"]
    assert late == [], late
    assert "support-queue" not in apps_seen(run("status", "--json", env={"ALMANAC_STATE_DIR": str(dev.state)}))
    again = dev.cli("remove", "support-queue")
    assert again.returncode == 2 and 'app "support-queue" is not configured' in again.stderr

    # The kcat recipe does the same for another app; an unknown one is refused.
    kcat_remove = subprocess.run([str(ROOT / "ops/kcat/remove-app.sh"), "clinic-reminders"], cwd=ROOT, env=kcat_env,
                                 capture_output=True, text=True, timeout=30)
    assert kcat_remove.returncode == 0 and "removed clinic-reminders (account acme-clinics)" in kcat_remove.stdout, kcat_remove
    dev.wait_for(lambda: any(l.endswith("removed   clinic-reminders") for l in dev.lines), 30, "the kcat removal line")
    assert not any("REJECTED" in l for l in dev.lines), [l for l in dev.lines if "REJECTED" in l]
    gone = subprocess.run([str(ROOT / "ops/kcat/remove-app.sh"), "clinic-reminders"], cwd=ROOT, env=kcat_env,
                          capture_output=True, text=True, timeout=30)
    assert gone.returncode == 2 and 'app "clinic-reminders" is not configured' in gone.stderr, gone

    # billing report --month: the month's window in --tz; the same charges as --from/--to.
    month = dev.cli("billing", "report", "--month", "2026-03", "--tz", "America/New_York", "--json", "--quiet")
    assert month.returncode == 0, month.stderr
    report = json.loads(month.stdout)
    assert (report["query"]["from"], report["query"]["to"]) == ("2026-03-01T05:00:00.000Z", "2026-04-01T04:00:00.000Z")
    assert report["total"]["charges"] >= 1
    explicit = json.loads(dev.cli("billing", "report", "--from", "2026-03-01T05:00:00Z", "--to", "2026-04-01T04:00:00Z",
                                  "--tz", "America/New_York", "--json", "--quiet").stdout)
    assert explicit["total"]["charges"] >= report["total"]["charges"]
    # tail --app: only that app's events.
    only = dev.cli("tail", "--app", "inventory-sync", "--lines", "100", "--json")
    assert only.returncode == 0, only.stderr
    events = [json.loads(l) for l in only.stdout.splitlines() if l.strip()]
    assert events and {e["type"] for e in events} >= {"almanac.app.configured"}
    assert all("inventory-sync" in e["subject"] or e["data"].get("app") == "inventory-sync" for e in events), events

    # A stale .almanac: dev has exited, its dev.json remains. The CLI says so at once.
    dev.stop()
    began = time.monotonic()
    stale = dev.cli("status")
    assert stale.returncode == 2, stale
    assert re.search(r"the almanac dev recorded in \S+ \(pid \d+\) is not running; pass --brokers", stale.stderr), stale.stderr
    assert time.monotonic() - began < 5
    # An explicit broker nobody listens on: a readable error, no Swift debug description.
    unreachable = run("status", "--brokers", "127.0.0.1:1", "--state-directory", str(elsewhere), timeout=90)
    assert unreachable.returncode == 1, unreachable
    assert "cannot reach Kafka" in unreachable.stderr or "Kafka did not answer" in unreachable.stderr, unreachable.stderr
    assert "KafkaError(" not in unreachable.stderr and "rd_kafka code" not in unreachable.stderr, unreachable.stderr


def _epoch(rfc3339: str) -> float:
    from datetime import datetime
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


def test_estimate_refuses_credits_past_10_and_counts_declared_follow_ups():
    refused = run("estimate", "*:00", "--credits", "11")
    assert refused.returncode == 2 and "--credits 11 is outside 1-10" in refused.stderr, refused
    csv_import = run("estimate", "--app", "examples/apps/csv-import.yaml", "--date", "2026-03-02", "--json")
    assert csv_import.returncode == 0, csv_import.stderr
    job = json.loads(csv_import.stdout)["jobs"][0]
    assert (job["job"], job["runsPerDay"], job["followUpRunsPerDay"], job["counted"]) == ("import-customers", 20, 19, True)
    month = run("billing", "report", "--month", "2026-13")
    assert month.returncode == 2 and '--month "2026-13" is not a month YYYY-MM' in month.stderr, month


def test_apply_reports_every_problem_of_a_file_with_lines_and_json_objects(tmp_path):
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "good.yaml").write_text('app: good\naccount: acme\njobs:\n  - name: ping\n    handler: almanac.noop\n    schedule: "*:00"\n')
    (apps / "bad.yaml").write_text("app: bad\naccount: acme\ntimeZone: Europe/Pariss\njobs:\n  - name: send\n"
                                   "    command: python3 job.py\n    overlap: never\n    schedual: \"8:00\"\n")
    (apps / "broken.yaml").write_text("app: broken\naccount: acme\njobs:\n  - name: x\n    command: [\"/bin/true\"\n")
    text = run("apply", str(apps), "--dry-run", "--state-directory", str(tmp_path / "state"))
    assert text.returncode == 2
    assert 'bad.yaml: jobs[0].command: command is an argv list, e.g. ["python3", "job.py"], got "python3 job.py" (line 6, column 14)' in text.stderr, text.stderr
    assert 'bad.yaml: jobs[0].overlap: overlap must be skip, queue or allow, got "never" (line 7, column 14)' in text.stderr
    assert 'bad.yaml: jobs[0].schedual: unknown key "schedual"; did you mean "schedule"?' in text.stderr
    assert "Cannot initialize" not in text.stderr and "expected Sequence" not in text.stderr and "YamlError" not in text.stderr
    assert re.search(r"broken\.yaml: \(file\): YAML syntax: .* \(line \d+, column \d+\)", text.stderr), text.stderr
    assert "valid good (1 jobs)" in text.stdout
    as_json = run("apply", str(apps), "--dry-run", "--json", "--state-directory", str(tmp_path / "state"))
    assert as_json.returncode == 2
    document = json.loads(as_json.stdout)
    assert [a["app"] for a in document["apps"]] == ["good"]
    refused = document["refused"]
    assert all(set(r) == {"file", "field", "line", "column", "reason"} for r in refused), refused
    overlap = next(r for r in refused if r["field"] == "jobs[0].overlap")
    assert (overlap["file"].endswith("bad.yaml"), overlap["line"], overlap["reason"]) == \
        (True, 7, 'overlap must be skip, queue or allow, got "never"')
    assert {r["field"] for r in refused if r["file"].endswith("bad.yaml")} == {"jobs[0].command", "jobs[0].overlap", "jobs[0].schedual"}
    syntax = next(r for r in refused if r["file"].endswith("broken.yaml"))
    assert syntax["field"] == "(file)" and isinstance(syntax["line"], int)
