"""The walking skeleton (issue 2): the example apps run end to end on the embedded broker."""
import csv
import datetime as dt
import pathlib
from collections import Counter
from zoneinfo import ZoneInfo

from cronsim import CronSim

from conftest import ROOT, by_type

NY = ZoneInfo("America/New_York")
START = dt.datetime(2026, 3, 2, 7, 55, tzinfo=NY)

# The example schedules, written independently as standard cron for the oracle (cronsim),
# not derived from Almanac's own calendar code.
ORACLE = {
    "acme-clinics/clinic-reminders/send-reminders": "0 8 * * *",      # 8:00
    "northwind/inventory-sync/sync-stock": "0 * * * *",               # *:00
    "helpdesk-co/support-queue/triage-tickets": "*/5 8-18 * * *",     # 8-18:*/5
}


def oracle_count(cron: str, start: dt.datetime, end: dt.datetime) -> int:
    """Fire times t with start <= t < end."""
    count = 0
    for t in CronSim(cron, start - dt.timedelta(minutes=1)):
        if t >= end:
            return count
        count += 1


def test_examples_over_three_simulated_hours_run_complete_and_charge_exactly_once(dev_factory, example_apps, tmp_path):
    dev = dev_factory(["--apps", str(example_apps), "--start", START.isoformat(), "--speed", "240", "--run-for", "3h", "--quiet"])
    assert dev.finish(timeout=400) == 0, dev.stderr[-3000:]
    events = dev.events()

    triggers = by_type(events, "almanac.job.triggered")
    completions = by_type(events, "almanac.job.completed")
    skips = by_type(events, "almanac.job.skipped")
    charges = by_type(events, "almanac.credits.charged")

    runs = Counter(t["subject"] for t in triggers)
    for job, cron in ORACLE.items():
        assert runs[job] == oracle_count(cron, START, START + dt.timedelta(hours=3)), job
    assert set(runs) == set(ORACLE)

    trigger_ids = Counter(t["data"]["triggerId"] for t in triggers)
    assert max(trigger_ids.values()) == 1, "a trigger id was written twice"
    # Every trigger ends exactly once: completed, or skipped because its previous run was still going.
    ends = Counter(c["data"]["triggerId"] for c in completions) + Counter(s["data"]["triggerId"] for s in skips)
    assert ends == Counter(trigger_ids), "trigger without exactly one completion or skip"
    assert all(s["data"]["reason"] == "overlap" for s in skips)
    # Every completion has exactly one charge, chargeId = triggerId, with at least the base credits.
    charged = Counter(c["data"]["chargeId"] for c in charges)
    assert charged == Counter(c["data"]["triggerId"] for c in completions)
    base = {"acme-clinics": 3000, "northwind": 2000, "helpdesk-co": 4000}
    for c in charges:
        assert c["data"]["total"] >= base[c["data"]["account"]]
        assert c["data"]["total"] == sum(item["amount"] for item in c["data"]["lineItems"])
    assert all(c["data"]["status"] == "succeeded" for c in completions), [c["data"].get("error") for c in completions]

    # The reminder job did real work: one message per appointment tomorrow (2026-03-03).
    with open(ROOT / "examples" / "data" / "appointments.csv", newline="") as f:
        expected = [r for r in csv.DictReader(f)
                    if dt.datetime.fromisoformat(r["starts_at"]).astimezone(NY).date() == dt.date(2026, 3, 3)
                    and (r["phone"] or r["email"])]
    # Under the dev's state directory (ALMANAC_OUTPUT_DIR), not in the checkout.
    outbox = (dev.state / "out" / "clinic-reminders" / "2026-03-03.txt").read_text().splitlines()
    assert len(outbox) == len(expected) > 0
    reminder_charge = next(c for c in charges if c["data"]["account"] == "acme-clinics")
    items = {i["item"]: i["quantity"] for i in reminder_charge["data"]["lineItems"]}
    assert items.get("sms", 0) + items.get("email", 0) == len(expected)

    # The summary table is printed at exit.
    assert any("Runs per job" in line for line in dev.lines)
    assert any(line.startswith("helpdesk-co/support-queue/triage-tickets") for line in dev.lines)


def test_pause_stops_triggers_from_the_next_minute_and_resume_restarts_without_burst(dev_factory, tmp_path):
    apps = tmp_path / "pause-apps"
    apps.mkdir()
    (apps / "ticker.yaml").write_text(
        "app: minutely\naccount: acct\njobs:\n  - name: beat\n    schedule: '*:*'\n    command: ['/bin/true']\n")
    (apps / "other.yaml").write_text(
        "app: other\naccount: acct2\njobs:\n  - name: beat\n    schedule: '*:*'\n    command: ['/bin/true']\n")
    dev = dev_factory(["--apps", str(apps), "--start", "2026-03-02T10:00:00-05:00", "--speed", "60", "--run-for", "40m"])

    def triggered(app: str) -> int:
        return sum(1 for line in dev.lines if "trigger" in line and f"/{app}/" in line)

    dev.wait_for(lambda: triggered("minutely") >= 3, 60, "three triggers")
    paused = dev.cli("pause", "minutely", "--reason", "test")
    assert paused.returncode == 0, paused.stderr
    dev.wait_for(lambda: sum("(paused)" in line and "minutely" in line for line in dev.lines) >= 5, 60, "paused skips")
    resumed = dev.cli("resume", "minutely")
    assert resumed.returncode == 0, resumed.stderr
    assert dev.finish(timeout=300) == 0, dev.stderr[-3000:]

    events = dev.events()
    pause_at = dt.datetime.fromisoformat(by_type(events, "almanac.schedule.paused")[0]["time"].replace("Z", "+00:00"))
    resume_at = dt.datetime.fromisoformat(by_type(events, "almanac.schedule.resumed")[0]["time"].replace("Z", "+00:00"))

    def minutes(type_: str, app: str) -> list[dt.datetime]:
        return sorted(dt.datetime.fromisoformat(e["data"]["scheduledFor"].replace("Z", "+00:00"))
                      for e in by_type(events, type_) if e["data"]["job"]["app"] == app)

    fired = minutes("almanac.job.triggered", "minutely")
    skipped = sorted(dt.datetime.fromisoformat(e["data"]["scheduledFor"].replace("Z", "+00:00"))
                     for e in by_type(events, "almanac.job.skipped") if e["data"]["job"]["app"] == "minutely" and e["data"]["reason"] == "paused")
    assert not [m for m in fired if pause_at < m <= resume_at], "a run fired while paused"
    expected_skips = [m for m in all_minutes(fired + skipped) if pause_at < m <= resume_at]
    assert skipped == expected_skips and len(skipped) >= 5
    after = [m for m in fired if m > resume_at]
    first_slot = resume_at.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    assert after and after[0] == first_slot, "resume must continue at the next slot"
    # No burst: one run per minute after the resume, none for the paused minutes.
    assert after == [first_slot + dt.timedelta(minutes=i) for i in range(len(after))]
    # The other app never paused.
    other = minutes("almanac.job.triggered", "other")
    assert len(other) == 40


def all_minutes(minutes: list[dt.datetime]) -> list[dt.datetime]:
    start, end = min(minutes), max(minutes)
    return [start + dt.timedelta(minutes=i) for i in range(int((end - start).total_seconds() // 60) + 1)]


def test_bad_app_files_are_refused_with_file_field_and_reason_and_the_rest_run(dev_factory, example_apps, tmp_path):
    (example_apps / "bad-schedule.yaml").write_text(
        "app: bad-schedule\naccount: acct\njobs:\n  - name: j\n    schedule: '8-25:00'\n    command: ['/bin/true']\n")
    (example_apps / "bad-key.yaml").write_text(
        "app: bad-key\naccount: acct\njobs:\n  - name: j\n    schedual: '8:00'\n    command: ['/bin/true']\n")
    dev = dev_factory(["--apps", str(example_apps), "--start", START.isoformat(), "--speed", "240", "--run-for", "10m", "--quiet"])
    assert dev.finish(timeout=200) == 0, dev.stderr[-3000:]
    err = dev.stderr
    assert "bad-schedule.yaml: jobs[0].schedule: \"8-25:00\": hour 25 is out of range 0-23 (column 3)" in err, err
    assert "bad-key.yaml: jobs[0].schedual: unknown key \"schedual\"" in err, err
    runs = Counter(t["subject"] for t in by_type(dev.events(), "almanac.job.triggered"))
    assert runs["northwind/inventory-sync/sync-stock"] == 1
    assert runs["helpdesk-co/support-queue/triage-tickets"] == 1
    assert not [s for s in runs if "bad-" in s]
