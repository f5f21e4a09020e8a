"""Seven simulated days across the New York fall-back night, 200 jobs of mixed forms (issue 11,
test 1): the runs the ticker triggers per job equal an independent oracle, cronsim, fed with the
same schedules written as standard cron by hand (not by Almanac's calendar code)."""
import collections
import datetime as dt
import random
from zoneinfo import ZoneInfo

from cronsim import CronSim

from conftest import by_type

# (Almanac expression, the same schedule as standard cron for the oracle)
FORMS = [
    ("*:00", "0 * * * *"), ("*:30", "30 * * * *"), ("9:00", "0 9 * * *"), ("1:30", "30 1 * * *"),
    ("2:30", "30 2 * * *"), ("8-19:00", "0 8-19 * * *"), ("8-18:*/15", "*/15 8-18 * * *"),
    ("mon-fri 8-18:*/20", "*/20 8-18 * * 1-5"), ("sat,sun 10:00", "0 10 * * 0,6"), ("*:*/10", "*/10 * * * *"),
    ("1:*/5", "*/5 1 * * *"), ("0,12:45", "45 0,12 * * *"), ("*/4:05", "5 */4 * * *"),
    ("0 */2 * * *", "0 */2 * * *"), ("*/30 1 * * *", "*/30 1 * * *"), ("15 3 * * MON-FRI", "15 3 * * 1-5"),
    ("@hourly", "0 * * * *"), ("@daily", "0 0 * * *"), ("0 12 1 * MON", "0 12 1 * 1"), ("0 0 L * *", "0 0 L * *"),
    ("30 1 * * SUN", "30 1 * * 0"), ("0 1-3 * * *", "0 1-3 * * *"),
]
ZONES = ["America/New_York", "Europe/Berlin"]
START = dt.datetime(2026, 10, 29, 0, 0, tzinfo=ZoneInfo("America/New_York"))
DAYS = 7


def test_seven_days_across_fall_back_trigger_exactly_what_cronsim_counts(dev_factory, tmp_path):
    rng = random.Random(11)
    apps = tmp_path / "apps"
    apps.mkdir()
    expected: dict[str, int] = {}
    for a in range(20):
        zone = ZONES[a % 2]
        lines = [f"app: week-{a:02d}", "account: acct", f"timeZone: {zone}", "jobs:"]
        for j in range(10):
            expression, cron = rng.choice(FORMS)
            name = f"j{j}"
            lines += [f"  - name: {name}", f"    schedule: '{expression}'", "    command: ['/bin/true']",
                      "    catchUpWindowSeconds: 604800"]
            start = START.astimezone(ZoneInfo(zone))
            # --run-for is elapsed time: 168 real hours (aware-datetime + timedelta would add wall time).
            end = (START.astimezone(dt.timezone.utc) + dt.timedelta(hours=DAYS * 24)).astimezone(ZoneInfo(zone))
            count = 0
            for t in CronSim(cron, start - dt.timedelta(minutes=1)):
                if t >= end:
                    break
                count += 1
            expected[f"acct/week-{a:02d}/{name}"] = count
        (apps / f"week-{a:02d}.yaml").write_text("\n".join(lines) + "\n")

    dev = dev_factory(["--roles", "projector,ticker", "--apps", str(apps), "--start", START.isoformat(),
                       "--speed", "20000", "--run-for", f"{DAYS}d", "--quiet", "--no-wait-for-runs"])
    assert dev.finish(timeout=600) == 0, dev.stderr[-3000:]
    events = dev.events()
    ticks = sorted(t["data"]["minute"] for t in by_type(events, "almanac.tick.completed"))
    assert len(ticks) == len(set(ticks)) == DAYS * 24 * 60
    runs = collections.Counter(t["subject"] for t in by_type(events, "almanac.job.triggered"))
    assert not by_type(events, "almanac.job.skipped")
    mismatches = {job: (runs.get(job, 0), n) for job, n in expected.items() if runs.get(job, 0) != n}
    assert not mismatches, f"(almanac, cronsim) per job: {mismatches}"
    assert sum(expected.values()) > 10_000
