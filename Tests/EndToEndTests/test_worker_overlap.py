"""Overlap policies (issue 6, test 4), each proven with a job that runs longer than its interval:
three apps with the same every-minute job (it sleeps 2.5 minutes of dev time) under `skip`,
`queue` and `allow`, ticked by a real ticker and run by a real worker (`almanac run --roles
ticker,worker`) on the embedded broker, the dev clock at 60x (a minute per second)."""
import collections

import pytest

from test_worker_support import Cluster, seconds

SPEED = 60
MINUTES = 14


def app(policy: str) -> str:
    return (f"app: overlap-{policy}\naccount: acct-{policy}\njobs:\n"
            f"  - name: long\n    schedule: '*:*'\n    overlap: {policy}\n    command: ['/bin/sleep', '2.5']\n")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{policy: {"runs": [(trigger id, scheduledFor, startedAt, finishedAt)], "skipped": [(trigger id, scheduledFor, time)],
    "triggered": [...] }} for the triggers that ended before the worker stopped."""
    tmp = tmp_path_factory.mktemp("overlap")
    cluster = Cluster(tmp, {f"{p}.yaml": app(p) for p in ("skip", "queue", "allow")}, speed=SPEED)
    try:
        proc = cluster.worker(roles="ticker,worker")
        log = cluster.log
        log.wait(lambda: len(log.of("almanac.tick.completed")) >= MINUTES, 60 + MINUTES * 2, f"{MINUTES} ticks", procs=[proc])
        cluster.stop([proc])  # graceful: running jobs finish, queued ones are left
        events = log.snapshot()
    finally:
        cluster.close()
    result = {}
    for policy in ("skip", "queue", "allow"):
        mine = [e for e in events if isinstance(e["value"], dict) and e["key"] == f"acct-{policy}/overlap-{policy}/long"]
        of = lambda t: [(e["value"]["data"], e["value"]["time"]) for e in mine if e["value"]["type"] == t]
        started = {d["triggerId"]: d["startedAt"] for d, _ in of("almanac.job.started")}
        triggered = {d["triggerId"]: d["scheduledFor"] for d, _ in of("almanac.job.triggered")}
        result[policy] = {
            "triggered": triggered,
            "runs": sorted((d["triggerId"], triggered[d["triggerId"]], started[d["triggerId"]], d["finishedAt"])
                           for d, _ in of("almanac.job.completed")),
            "skipped": [(d["triggerId"], d["scheduledFor"], d["reason"], time) for d, time in of("almanac.job.skipped")],
        }
    return result


def overlapping(runs) -> int:
    """Most runs going at once."""
    edges = sorted([(r[2], 1) for r in runs] + [(r[3], -1) for r in runs])
    level = peak = 0
    for _, step in edges:
        level += step
        peak = max(peak, level)
    return peak


def test_skip_drops_triggers_due_while_the_previous_run_is_going(runs):
    r = runs["skip"]
    assert len(r["runs"]) >= 3 and len(r["skipped"]) >= 5
    assert overlapping(r["runs"]) == 1
    assert {s[2] for s in r["skipped"]} == {"overlap"}
    # Each skip happened while a run was going, and each run started at its own minute (nothing waited).
    for _, _, _, at in r["skipped"]:
        assert any(start <= at <= end for _, _, start, end in r["runs"]), at
    for _, due, start, _ in r["runs"]:
        assert 0 <= seconds(due, start) < 0.7 * SPEED, (due, start)


def test_queue_keeps_one_trigger_waiting_and_runs_it_when_the_previous_ends(runs):
    r = runs["queue"]
    assert len(r["runs"]) >= 3 and len(r["skipped"]) >= 3
    assert overlapping(r["runs"]) == 1
    ordered = sorted(r["runs"], key=lambda run: run[2])
    waited = 0
    for previous, run in zip(ordered, ordered[1:]):
        # A run that waited starts right after the previous one ends (within 0.5 s of real time).
        if seconds(run[1], run[2]) > 0.7 * SPEED:
            waited += 1
            assert 0 <= seconds(previous[3], run[2]) < 0.5 * SPEED, (previous, run)
        # Per-job order: runs start in the order they were due.
        assert run[1] > previous[1]
    assert waited >= 2
    # Never more than one waiting: a trigger is skipped only when one is running and one waits.
    for trigger_id, due, _, at in r["skipped"]:
        waiting = [run for run in r["runs"] if run[1] < due and run[2] > at]
        going = [run for run in r["runs"] if run[2] <= at <= run[3]]
        assert len(waiting) == 1 and len(going) == 1, (trigger_id, waiting, going)


def test_allow_runs_them_concurrently(runs):
    r = runs["allow"]
    assert not r["skipped"]
    assert overlapping(r["runs"]) >= 2
    for _, due, start, _ in r["runs"]:
        assert 0 <= seconds(due, start) < 0.7 * SPEED
