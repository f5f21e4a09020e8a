"""Issue 11, tests 4, 5 and 8, end to end: one `almanac dev` (embedded broker, simulated clock at
60× real time) with a ticker and a worker, control events published by an ops tool that is not
Almanac (confluent-kafka, as kcat would) with exact event times, and an edit applied with
`almanac apply` mid-run. What ran is read from the export."""
import datetime as dt
import json
import time
import uuid

from confluent_kafka import Producer

from conftest import by_type
from test_ticker_downtime import parse, sim_now, wait_until_sim

NY = dt.timezone(dt.timedelta(hours=-5))  # 2026-03-02 is EST

APPS = {
    # Test 4: paused at 10:07:30, resumed at 10:20:10.
    "fively": "app: fively\naccount: acct\njobs:\n  - name: five\n    schedule: '*:*/5'\n    command: ['/bin/true']\n",
    # Test 5: `*:00` edited to `*:30` at 10:10.
    "hourly": "app: hourly\naccount: acct\njobs:\n  - name: report\n    schedule: '{schedule}'\n    command: ['/bin/true']\n",
    # Test 8: paused 1 s before the 10:05 boundary, and 1 s after it.
    "before": "app: before\naccount: acct\njobs:\n  - name: tick\n    schedule: '*:*'\n    command: ['/bin/true']\n",
    "after": "app: after\naccount: acct\njobs:\n  - name: tick\n    schedule: '*:*'\n    command: ['/bin/true']\n",
}


def at(hh: int, mm: int, ss: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 2, hh, mm, ss, tzinfo=NY)


def control(producer: Producer, kind: str, app: str, when: dt.datetime, reason: str):
    """Publishes `almanac.schedule.<kind>` stamped `when` (the instant docs/design.md §5 judges by)."""
    event = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "ops-test", "type": f"almanac.schedule.{kind}",
             "subject": app, "time": when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
             "datacontenttype": "application/json", "dataschema": f"https://almanac.dev/schemas/schedule.{kind}/v1",
             "data": {"app": app, "reason": reason, "actor": "ops-test"}}
    producer.produce("almanac.control", key=app.encode(), value=json.dumps(event).encode())
    assert producer.flush(10) == 0


def outcomes(events, app: str) -> dict[dt.datetime, str]:
    """Fire time (New York) → `triggered` or `skipped:<reason>`, for the app's scheduled runs."""
    result = {}
    for t in by_type(events, "almanac.job.triggered"):
        if t["data"]["job"]["app"] == app and t["data"]["source"] == "scheduled":
            result.setdefault(parse(t["data"]["scheduledFor"]).astimezone(NY), "triggered")
    for s in by_type(events, "almanac.job.skipped"):
        if s["data"]["job"]["app"] == app:
            result.setdefault(parse(s["data"]["scheduledFor"]).astimezone(NY), "skipped:" + s["data"]["reason"])
    return dict(sorted(result.items()))


def test_pause_resume_edit_and_boundary_pauses_decide_exactly_the_runs_that_happen(dev_factory, tmp_path):
    apps = tmp_path / "apps"
    apps.mkdir()
    for name, text in APPS.items():
        (apps / f"{name}.yaml").write_text(text.format(schedule="*:00"))
    dev = dev_factory(["--apps", str(apps), "--start", "2026-03-02T09:58:00-05:00", "--speed", "60", "--run-for", "75m"])
    dev.wait_for(lambda: any("clock is running" in line for line in dev.lines), 30, "dev clock")
    state = json.loads((dev.state / "dev.json").read_text())
    producer = Producer({"bootstrap.servers": state["brokers"], "partitioner": "murmur2_random", "enable.idempotence": True})

    # Each event is published a moment before its stamp, so it is in the log when the next
    # boundary is planned whatever the scheduling noise.
    wait_until_sim(dev, at(10, 4, 58))
    control(producer, "paused", "before", at(10, 4, 59), "1 s before 10:05")
    control(producer, "paused", "after", at(10, 5, 1), "1 s after 10:05")
    wait_until_sim(dev, at(10, 7, 29))
    control(producer, "paused", "fively", at(10, 7, 30), "maintenance")
    wait_until_sim(dev, at(10, 10))
    (apps / "hourly.yaml").write_text(APPS["hourly"].format(schedule="*:30"))
    applied = dev.cli("apply", str(apps / "hourly.yaml"))
    assert applied.returncode == 0, applied.stderr
    edited_at = sim_now(dev)
    wait_until_sim(dev, at(10, 20, 9))
    control(producer, "resumed", "fively", at(10, 20, 10), "done")
    assert dev.finish(timeout=300) == 0, dev.stderr[-3000:]
    events = dev.events()
    assert edited_at < at(10, 12), f"the edit landed late ({edited_at}); the test's timing is off"

    # Test 4: no runs for 10:10, 10:15, 10:20 (recorded as paused); the next run is 10:25, no burst.
    fively = outcomes(events, "fively")
    assert fively[at(10, 0)] == fively[at(10, 5)] == "triggered"
    assert [fively[at(10, m)] for m in (10, 15, 20)] == ["skipped:paused"] * 3
    assert all(fively[at(h, m)] == "triggered" for h, m in ((10, 25), (10, 30), (10, 35), (11, 0), (11, 10)))
    assert len({t for t, o in fively.items() if o == "triggered" and at(10, 20) < t <= at(10, 25)}) == 1

    # Test 5: the old schedule ran at 10:00; after the edit at 10:10 the next run is 10:30, nothing
    # ran at 10:10 and nothing at 11:00.
    hourly = outcomes(events, "hourly")
    assert hourly == {at(10, 0): "triggered", at(10, 30): "triggered"}, hourly

    # Test 8: a pause stamped 1 s before the 10:05 boundary stops 10:05; one stamped 1 s after
    # it does not (10:05 runs, 10:06 is the first paused minute).
    before, after = outcomes(events, "before"), outcomes(events, "after")
    assert before[at(10, 4)] == "triggered" and before[at(10, 5)] == "skipped:paused"
    assert after[at(10, 5)] == "triggered" and after[at(10, 6)] == "skipped:paused"
    assert {o for t, o in before.items() if t >= at(10, 5)} == {"skipped:paused"}
    assert {o for t, o in after.items() if t >= at(10, 6)} == {"skipped:paused"}
    # Every triggered run completed (the worker ran them; nothing lost between ticker and worker).
    completed = {c["data"]["triggerId"] for c in by_type(events, "almanac.job.completed")}
    triggered = {t["data"]["triggerId"] for t in by_type(events, "almanac.job.triggered")}
    assert triggered <= completed
