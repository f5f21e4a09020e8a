"""A pause and queued follow-ups (docs/design.md §5: "Follow-up jobs already queued keep running (config
says whether a pause also holds them)"): a follow-up of a job with `pauseHoldsFollowUps: true`
waits while its app is paused and starts once resumed; one without the flag runs during the pause.
A real `almanac run --roles worker` on the embedded broker; the pause and resume are published by
a client that is not Almanac, stamped with the worker's clock."""
import datetime as dt
import json
import time
import uuid

from test_worker_support import Cluster, probe_app

PARENT = r"""sleep 1.5; printf '{"type":"followUp","job":"held"}\n{"type":"followUp","job":"free"}\n' >&3"""
APP = ("app: holds\naccount: acct\njobs:\n"
       f"  - name: parent\n    command: ['/bin/sh', '-c', {json.dumps(PARENT)}]\n"
       "  - name: held\n    command: ['/bin/true']\n    pauseHoldsFollowUps: true\n"
       "  - name: free\n    command: ['/bin/true']\n")


def toggle(cluster: Cluster, kind: str, when: dt.datetime):
    event = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "ops-test", "type": f"almanac.schedule.{kind}",
             "subject": "holds", "time": when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
             "datacontenttype": "application/json", "dataschema": f"https://almanac.dev/schemas/schedule.{kind}/v1",
             "data": {"app": "holds", "reason": "hold test", "actor": "ops-test"}}
    cluster.producer.produce("almanac.control", key=b"holds", value=json.dumps(event).encode())
    assert cluster.producer.flush(10) == 0


def test_pause_holds_follow_ups_of_jobs_that_ask_for_it_and_releases_them_on_resume(tmp_path):
    probe, probe_jobs = probe_app()
    cluster = Cluster(tmp_path, {"holds.yaml": APP, "probe.yaml": probe})
    try:
        worker = cluster.worker()
        cluster.await_ready("probe", "probe", probe_jobs)
        log = cluster.log
        started = lambda job: [d for d in log.data("almanac.job.started") if d["job"]["app"] == "holds" and d["job"]["job"] == job]
        completed = lambda job: [d for d in log.data("almanac.job.completed") if d["job"]["app"] == "holds" and d["job"]["job"] == job]

        cluster.trigger("acct", "holds", "parent")
        log.wait(lambda: started("parent"), 20, "the parent to start", procs=[worker])
        toggle(cluster, "paused", cluster.now())   # the parent is already running: it finishes
        log.wait(lambda: completed("parent"), 20, "the parent to finish", procs=[worker])
        assert len(completed("parent")[0]["followUps"]) == 2
        log.wait(lambda: completed("free"), 20, "the follow-up without the flag to run during the pause", procs=[worker])
        time.sleep(3)
        assert not started("held"), "a follow-up of a job with pauseHoldsFollowUps started while its app was paused"

        resumed_at = cluster.now()
        toggle(cluster, "resumed", resumed_at)
        log.wait(lambda: completed("held"), 20, "the held follow-up to run after the resume", procs=[worker])
        held_start = dt.datetime.fromisoformat(started("held")[0]["startedAt"].replace("Z", "+00:00"))
        assert held_start >= resumed_at - dt.timedelta(seconds=1)
        assert completed("held")[0]["status"] == "succeeded"
        assert len(started("held")) == 1
    finally:
        cluster.close()
