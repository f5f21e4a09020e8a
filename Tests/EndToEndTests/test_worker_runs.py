"""How a worker runs one job (issue 6, tests 5-7 and the runners): timeouts kill the whole process
group, retries count attempts and charge each one, a job cannot see the worker's environment, a
trigger of a job no longer configured is not run, and in-process handlers are selected by name.

One embedded broker and one real worker process serve every test of this file (dev clock at 10x,
so the retry backoff of 10 clock seconds is 1 s)."""
import datetime as dt
import json
import os
import pathlib
import subprocess

import pytest

from conftest import ROOT, almanac_bin
from test_worker_support import Cluster, probe_app, seconds, utc

SPEED = 10


def app(tmp: pathlib.Path) -> str:
    pids = tmp / "pids"
    pids.mkdir()
    script = tmp / "not-executable.sh"
    script.write_text("#!/bin/sh\necho never\n")
    # Timeouts are real seconds whatever the clock's speed (`almanac dev --speed`): the clock decides
    # when runs are due, not how long a process may take.
    return f"""app: runs
account: acme
jobs:
  - name: forks
    command: ['/bin/sh', '-c', 'sleep 300 & echo $! > {pids}/forks.grandchild; echo $$ > {pids}/forks.child; sleep 300']
    timeoutSeconds: 2
  - name: ignores-term
    command: ['/bin/sh', '-c', 'trap "" TERM; sleep 300 & echo $! > {pids}/stubborn.grandchild; echo $$ > {pids}/stubborn.child; sleep 300']
    timeoutSeconds: 2
    complexity: 4
  - name: thrice
    command: ['/bin/sh', '-c', 'echo "attempt $ALMANAC_ATTEMPT"; [ "$ALMANAC_ATTEMPT" -ge 3 ]']
    retries: 2
    complexity: 3
  - name: env
    command: ['/usr/bin/env']
    env: {{GREETING: hello}}
  - name: noop
    handler: almanac.noop
  - name: slow-handler
    handler: almanac.sleep
    params: {{seconds: 30}}
    timeoutSeconds: 1
  - name: longer-than-its-timeout-on-the-clock
    command: ['/bin/sleep', '1.5']
    timeoutSeconds: 3
  - name: no-such-handler
    command: ['handler:does-not-exist']
  - name: missing-command
    command: ['/nonexistent/almanac-job']
    retries: 1
    complexity: 5
  - name: not-executable
    command: ['{script}']
  - name: bad-report
    command: ['/bin/sh', '-c', 'echo not-json >&3']
"""


BATCH_ACCOUNTS = ["b1", "b2", "b3", "b4", "b5"]


def batch_app(account: str) -> str:
    """Handler jobs of one account, for the batched handler runs test."""
    return f"""app: batch-{account}
account: {account}
jobs:
  - name: noop
    handler: almanac.noop
    complexity: 2
  - name: fails
    handler: almanac.fail
    retries: 1
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runs")
    probe, probe_jobs = probe_app()
    apps = {"runs.yaml": app(tmp), "probe.yaml": probe} | {f"batch-{a}.yaml": batch_app(a) for a in BATCH_ACCOUNTS}
    c = Cluster(tmp, apps, speed=SPEED)
    c.pids = tmp / "pids"
    # A secret in the worker's own environment, as a broker password would be.
    c.worker_proc = c.worker(env={"BROKER_PASSWORD": "hunter2", "ALMANAC_SASL_PASSWORD": "hunter3"})
    c.await_ready("probe", "probe", probe_jobs)
    yield c
    c.close()


def completion(cluster, trigger_id: str, timeout: float = 30) -> dict:
    log = cluster.log
    return log.wait(lambda: next((d for d in log.data("almanac.job.completed") if d["triggerId"] == trigger_id), None),
                    timeout, f"the completion of {trigger_id}", procs=[cluster.worker_proc])


def gone(pid: int) -> bool:
    """The process no longer runs (a zombie waiting for its reaper counts as gone)."""
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


@pytest.mark.parametrize("job, kill", [("forks", "SIGTERM"), ("ignores-term", "SIGTERM then SIGKILL")])
def test_timeout_kills_the_whole_process_group_grandchild_included(cluster, job, kill):
    trigger_id = cluster.trigger("acme", "runs", job)
    done = completion(cluster, trigger_id)
    assert done["status"] == "timed_out"
    assert kill in done["error"], done["error"]
    assert "timed out after 2 s of real time" in done["error"], done["error"]
    # 2 s of real time, plus the 5 s grace before SIGKILL when TERM is ignored.
    real = done["durationMilliseconds"] / 1000 / SPEED
    assert (1.9 <= real <= 3.5) if kill == "SIGTERM" else (6.9 <= real <= 8.5), real
    name = "forks" if job == "forks" else "stubborn"
    child, grandchild = (int((cluster.pids / f"{name}.{who}").read_text()) for who in ("child", "grandchild"))
    cluster.log.wait(lambda: gone(child) and gone(grandchild), 5, "the job's processes to be gone")
    # A timed-out run is charged its base like any run.
    charge = cluster.log.wait(lambda: next((d for d in cluster.log.data("almanac.credits.charged") if d["chargeId"] == trigger_id), None),
                              10, "the charge")
    assert charge["status"] == "timed_out" and charge["lineItems"][0]["item"] == "base"


def test_timeout_under_a_fast_clock_is_real_seconds_and_durations_are_clock_time(cluster):
    """Issue 23, item 1: at 10x a 3 s timeout used to give the job 0.3 s; 1.5 s of sleep now finishes."""
    done = completion(cluster, cluster.trigger("acme", "runs", "longer-than-its-timeout-on-the-clock"))
    assert done["status"] == "succeeded", done.get("error")
    # durationMilliseconds is on the writer's clock (the events' times): 1.5 s real is ~15 s here.
    assert 1.4 <= done["durationMilliseconds"] / 1000 / SPEED <= 3.0, done["durationMilliseconds"]


def test_retries_fail_twice_then_succeed_with_attempt_3_and_a_charge_per_attempt(cluster):
    first = cluster.trigger("acme", "runs", "thrice")
    final = completion(cluster, first + "~3", timeout=60)
    runs = {d["triggerId"]: d for d in cluster.log.data("almanac.job.completed") if d["triggerId"].startswith(first)}
    assert {t: (d["status"], d["attempt"]) for t, d in runs.items()} == {
        first: ("failed", 1), first + "~2": ("failed", 2), first + "~3": ("succeeded", 3)}
    assert final["stdoutTail"] == "attempt 3\n"
    triggers = {d["triggerId"]: d for d in cluster.log.data("almanac.job.triggered") if d["triggerId"].startswith(first)}
    for attempt, parent in ((2, first), (3, first + "~2")):
        retry = triggers[f"{first}~{attempt}"]
        assert (retry["source"], retry["attempt"], retry["parentTriggerId"]) == ("retry", attempt, parent)
        # Exponential backoff with ±20 % jitter: 10 then 20 clock seconds.
        backoff = seconds(runs[parent]["finishedAt"], retry["notBefore"])
        assert 8 * 2 ** (attempt - 2) <= backoff <= 12 * 2 ** (attempt - 2), backoff
        assert seconds(retry["notBefore"], runs[retry["triggerId"]]["startedAt"]) >= 0
    # One charge per attempt, each its base (complexity 3), chargeId = the attempt's trigger id.
    log = cluster.log
    charges = log.wait(lambda: (c := [d for d in log.data("almanac.credits.charged") if d["chargeId"].startswith(first)]) and len(c) >= 3 and c,
                       10, "three charges")
    assert sorted((c["chargeId"], c["status"], c["total"]) for c in charges) == [
        (first, "failed", 3000), (first + "~2", "failed", 3000), (first + "~3", "succeeded", 3000)]


def test_environment_a_job_cannot_read_the_workers_own_variables(cluster):
    assert os.environ.get("BROKER_PASSWORD") is None  # set only in the worker's environment
    done = completion(cluster, cluster.trigger("acme", "runs", "env"))
    env = dict(line.split("=", 1) for line in done["stdoutTail"].splitlines())
    assert "hunter2" not in done["stdoutTail"] and "hunter3" not in done["stdoutTail"]
    assert "BROKER_PASSWORD" not in env and "ALMANAC_SASL_PASSWORD" not in env
    allowed = {"PATH", "LANG", "HOME", "GREETING", "ALMANAC_ACCOUNT_ID", "ALMANAC_APP_ID", "ALMANAC_JOB", "ALMANAC_TRIGGER_ID",
               "ALMANAC_SCHEDULED_FOR", "ALMANAC_ATTEMPT", "ALMANAC_REPORT_FD", "ALMANAC_OUTPUT_DIR"}
    assert set(env) <= allowed | {"PWD"}, set(env) - allowed  # PWD: some env(1) builds add it
    assert env["GREETING"] == "hello" and env["ALMANAC_JOB"] == "env" and env["ALMANAC_REPORT_FD"] == "3"
    assert env["ALMANAC_TRIGGER_ID"] == done["triggerId"]
    # The app's output folder under the worker's --state-directory (issue 23 item 14).
    assert env["ALMANAC_OUTPUT_DIR"] == str(cluster.state / "out" / "runs")


def test_trigger_of_a_job_no_longer_configured_is_not_run_or_charged(cluster):
    trigger_id = cluster.trigger("acme", "runs", "deleted-job")
    log = cluster.log
    ends = lambda: [e for e in log.data("almanac.job.skipped") + log.data("almanac.job.completed") if e["triggerId"] == trigger_id]
    end = log.wait(ends, 30, "the trigger's end")[0]
    if "reason" in end:
        assert end["reason"] == "removed"
    else:  # until SkipReason has `removed` (docs/workers.md): a failed completion
        assert end["status"] == "failed" and "not configured" in end["error"]
    assert not [d for d in log.data("almanac.job.started") if d["triggerId"] == trigger_id]
    log.wait(cluster.committed_everything, 10, "the offset to be committed")
    assert not [d for d in log.data("almanac.credits.charged") if d["chargeId"] == trigger_id]


def cli(cluster, *args) -> dict:
    result = subprocess.run([almanac_bin(), *args, "--state-directory", str(cluster.state)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_run_whose_report_lines_were_refused_is_marked_so_not_plain_succeeded(cluster):
    """Issue 23, item 7: the completion counts the refused lines; status (the panel's view) flags it."""
    done = completion(cluster, cluster.trigger("acme", "runs", "bad-report"))
    assert done["status"] == "succeeded" and done["refusedReportLines"] == 1 and "report line 1" in done["error"]
    last = {j["name"]: j for j in cli(cluster, "status", "runs", "--json")["jobs"]}["bad-report"]["lastRuns"][0]
    assert (last["status"], last["needsAttention"], last["refusedReportLines"]) == ("succeeded", True, 1)
    assert "report line 1" in last["error"]


def test_a_run_that_cannot_start_is_recorded_not_started_retried_and_never_charged(cluster):
    """Issue 23, item 2: a missing or non-executable command is `failure: notStarted`, without an exit
    code; it is retried like any failure (the code may arrive later) and no attempt is charged."""
    first = cluster.trigger("acme", "runs", "missing-command")
    retry = completion(cluster, first + "~2", timeout=60)
    done = completion(cluster, first)
    for run in (done, retry):
        assert (run["status"], run.get("failure"), run.get("exitCode")) == ("failed", "notStarted", None), run
        assert "cannot start /nonexistent/almanac-job: No such file or directory" in run["error"], run["error"]
    not_executable = completion(cluster, cluster.trigger("acme", "runs", "not-executable"))
    assert not_executable.get("failure") == "notStarted" and "Permission denied" in not_executable["error"]
    missing_handler = completion(cluster, cluster.trigger("acme", "runs", "no-such-handler"))
    assert missing_handler.get("failure") == "notStarted"
    cluster.log.wait(cluster.committed_everything, 10, "the offsets to be committed")
    ids = {first, first + "~2", not_executable["triggerId"], missing_handler["triggerId"]}
    assert not [d for d in cluster.log.data("almanac.credits.charged") if d["chargeId"] in ids]

    # Item 7: `status --json` and `audit runs --json` carry the error and say it never started.
    jobs = {j["name"]: j for j in cli(cluster, "status", "runs", "--json")["jobs"]}
    last = jobs["missing-command"]["lastRuns"][0]
    assert (last["status"], last["failure"]) == ("failed", "notStarted") and "No such file" in last["error"]
    window = ["--from", utc(cluster.now() - dt.timedelta(hours=1)), "--to", utc(cluster.now() + dt.timedelta(hours=1))]
    rows = {r["triggerId"]: r for r in cli(cluster, "audit", "runs", "runs", "--job", "missing-command", "--json", *window)["rows"]}
    assert rows[first]["failure"] == "notStarted" and "No such file" in rows[first]["error"] and rows[first]["millicredits"] == 0


def test_handlers_run_in_process_selected_by_name_with_timeout_by_cancellation(cluster):
    noop = completion(cluster, cluster.trigger("acme", "runs", "noop"))
    assert noop["status"] == "succeeded" and noop.get("exitCode") is None
    slow = completion(cluster, cluster.trigger("acme", "runs", "slow-handler", params={"seconds": 30}))
    assert slow["status"] == "timed_out" and "handler task cancelled" in slow["error"]
    assert slow["durationMilliseconds"] / 1000 / SPEED < 2.5  # 1 s of real time, not 30
    missing = completion(cluster, cluster.trigger("acme", "runs", "no-such-handler"))
    assert missing["status"] == "failed" and 'no handler "does-not-exist"' in missing["error"]
    assert "almanac.noop" in missing["error"]


def test_handler_runs_started_and_recorded_in_batches_each_once_and_in_order(cluster):
    """In-process runs share their writes (docs/workers.md, "Handler runs in batches"): 400 no-op
    triggers over five accounts published at once, with two failing ones among them. Each trigger
    gets one `job.started` and one `job.completed` with the same executionId, the start before the
    completion in their `executions` partition, and one charge; a failure is retried once and
    charged per attempt; and the group's offsets reach the end of `triggers`."""
    log = cluster.log
    ids = [cluster.trigger(account, f"batch-{account}", "noop", flush=False) for _ in range(80) for account in BATCH_ACCOUNTS]
    failing = [cluster.trigger(account, f"batch-{account}", "fails", flush=False) for account in BATCH_ACCOUNTS[:2]]
    cluster.producer.flush(10)
    wanted = set(ids) | set(failing) | {f + "~2" for f in failing}

    def ended():
        done = [e for e in log.of("almanac.job.completed") if e["value"]["data"]["triggerId"] in wanted]
        return done if {e["value"]["data"]["triggerId"] for e in done} == wanted else None
    completions = log.wait(ended, 60, "every batched run to complete", procs=[cluster.worker_proc])
    by_trigger = {}
    for e in completions:
        by_trigger.setdefault(e["value"]["data"]["triggerId"], []).append(e)
    assert all(len(v) == 1 for v in by_trigger.values()), {t: len(v) for t, v in by_trigger.items() if len(v) > 1}
    starts = {}
    for e in log.of("almanac.job.started"):
        if e["value"]["data"]["triggerId"] in wanted:
            starts.setdefault(e["value"]["data"]["triggerId"], []).append(e)
    for trigger_id, [done] in by_trigger.items():
        [start] = starts[trigger_id]
        assert start["value"]["data"]["executionId"] == done["value"]["data"]["executionId"]
        # Keyed by the job, both land on one partition, the start first.
        assert start["partition"] == done["partition"] and start["offset"] < done["offset"], (trigger_id, start, done)
    statuses = {t: (v[0]["value"]["data"]["status"], v[0]["value"]["data"]["attempt"]) for t, v in by_trigger.items()}
    assert all(statuses[t] == ("succeeded", 1) for t in ids)
    for f in failing:
        assert statuses[f] == ("failed", 1) and statuses[f + "~2"] == ("failed", 2)
        assert "failed on purpose" in by_trigger[f][0]["value"]["data"]["error"]

    def charged():
        charges = [d for d in log.data("almanac.credits.charged") if d["chargeId"] in wanted]
        return charges if {d["chargeId"] for d in charges} == wanted else None
    charges = log.wait(charged, 30, "a charge per run")
    assert len(charges) == len(wanted), "one charge per trigger"
    assert all(d["total"] == 2000 for d in charges if d["chargeId"] in ids)
    log.wait(cluster.committed_everything, 20, "the offsets to be committed")


def test_trigger_with_a_malformed_key_is_rejected_as_malformed_not_skipped(cluster):
    # A job key whose part is not an id (as a hand-written kcat trigger may carry): the envelope is
    # well formed (subject = key), so only the worker's key rule can tell it from a removed job.
    trigger_id = cluster.trigger("acme", "runs", "env now")
    log = cluster.log
    rejected = log.wait(lambda: [d for d in log.data("almanac.event.rejected") if d.get("key") == "acme/runs/env now"], 30, "the rejection")[0]
    assert rejected["reason"] == "invalid_data" and rejected["rejectedBy"] == "worker"
    assert rejected["detail"].startswith('malformed key: data.job.job "env now" is not an id'), rejected
    log.wait(cluster.committed_everything, 10, "the offset to be committed")
    ends = [e for e in log.data("almanac.job.skipped") + log.data("almanac.job.started") + log.data("almanac.job.completed")
            if e["triggerId"] == trigger_id]
    assert ends == []
