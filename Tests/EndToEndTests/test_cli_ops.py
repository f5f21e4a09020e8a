"""The operator commands of issue 9 on a running `almanac dev`: `status` (the panel's views from a
replay, the same shapes as the http API), `tail` (one line per event, --follow until SIGINT) and
`topics create` (idempotent, partitions and replication as asked)."""
import json
import os
import re
import signal
import subprocess
import threading
import time

from conftest import ROOT, almanac_bin
from http_support import Client

START = "2026-03-02T07:58:00-05:00"


def test_status_tail_and_topics_on_a_running_dev(dev_factory, example_apps):
    dev = dev_factory(["--apps", str(example_apps), "--start", START, "--speed", "120"])
    dev.wait_for(lambda: sum(" charge " in line for line in dev.lines) >= 3, 120, "three charges")
    paused = dev.cli("pause", "support-queue", "--reason", "status test", "--json")
    assert paused.returncode == 0, paused.stderr
    landed = json.loads(paused.stdout)
    assert landed["type"] == "almanac.schedule.paused" and landed["topic"] == "almanac.control" and landed["offset"] >= 0
    for args, message in ((["pause", "no-such-app"], 'app "no-such-app" is not configured'),
                          (["resume", "support-queue", "--job", "nope"], 'app "support-queue" has no job "nope"')):
        refused = dev.cli(*args)
        assert refused.returncode == 2 and message in refused.stderr, (args, refused.stderr)
    api = Client(dev.http_url(), token=dev.token())

    # status --json: the API's shapes, from a replay — the pause, its reason, the jobs, their runs.
    def status(*args):
        result = dev.cli("status", *args)
        assert result.returncode == 0, result.stderr
        return result
    deadline = time.monotonic() + 30
    while True:
        listed = json.loads(status("--json").stdout)
        queue = next(a for a in listed["apps"] if a["app"] == "support-queue")
        if queue["paused"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert queue["paused"]["reason"] == "status test" and queue["enabled"] is False
    assert {a["app"] for a in listed["apps"]} == {"clinic-reminders", "inventory-sync", "support-queue", "csv-import"}
    from_api = api.get("/v1/apps").json
    assert [(a["app"], a["account"], a["zone"], [j["name"] for j in a["jobs"]], [j["schedule"] for j in a["jobs"]])
            for a in listed["apps"]] == \
           [(a["app"], a["account"], a["zone"], [j["name"] for j in a["jobs"]], [j["schedule"] for j in a["jobs"]])
            for a in from_api["apps"]]
    assert {a["account"] for a in listed["accounts"]} == {a["account"] for a in from_api["accounts"]}
    inventory = next(a for a in listed["apps"] if a["app"] == "inventory-sync")
    assert inventory["jobs"][0]["lastRuns"] and inventory["jobs"][0]["lastRuns"][0]["status"] == "succeeded"
    assert len(inventory["jobs"][0]["nextRuns"]) == 5 and inventory["jobs"][0]["nextRuns"][0]["local"].endswith(":00:00-05:00")
    one = json.loads(status("support-queue", "--json").stdout)
    assert one["app"] == "support-queue" and one["paused"]["reason"] == "status test"
    text = status("support-queue").stdout
    assert re.search(r"support-queue\s+account helpdesk-co .*PAUSED since .*\"status test\"", text), text
    unknown = dev.cli("status", "no-such-app")
    assert unknown.returncode == 2 and 'app "no-such-app" is not configured' in unknown.stderr

    # tail: the last charges, one line each; --follow prints a new trigger, and SIGINT ends it with 0.
    tail = dev.cli("tail", "--topic", "charges", "--lines", "2")
    assert tail.returncode == 0, tail.stderr
    lines = tail.stdout.splitlines()
    assert 3 <= len(lines) <= 24 and all(re.match(r"^2026-03-02 \d\d:\d\d  charge    \S+  \d+\.\d+ credits", l) for l in lines), lines
    follower = subprocess.Popen([almanac_bin(), "tail", "--topic", "triggers", "--lines", "0", "--follow", "--state-directory", str(dev.state)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out: list[str] = []
    threading.Thread(target=lambda: out.extend(follower.stdout), daemon=True).start()
    try:
        time.sleep(3)  # the follower reaches the end of the triggers topic
        manual = dev.cli("trigger", "inventory-sync", "sync-stock", "--json")
        assert manual.returncode == 0, manual.stderr
        assert json.loads(manual.stdout)["topic"] == "almanac.triggers" and json.loads(manual.stdout)["triggerId"]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any("northwind/inventory-sync/sync-stock" in l for l in list(out)):
            time.sleep(0.2)
        seen = "".join(out)
        assert re.search(r"trigger   northwind/inventory-sync/sync-stock  for \d\d:\d\d \(manual\)", seen), seen
    finally:
        follower.send_signal(signal.SIGINT)
        code = follower.wait(timeout=15)
    assert code == 0, follower.stderr.read()[-2000:]

    # topics create: the dev's topics exist already and are reported as they are (partition
    # counts are never changed: a different --partitions is pointed out). The embedded cluster does
    # not serve CreateTopics (librdkafka's mock), so creating new ones there fails clearly.
    existing = dev.cli("topics", "create", "--replication", "1", "--json")
    assert existing.returncode == 0, existing.stderr
    topics = {t["topic"]: t for t in json.loads(existing.stdout)["topics"]}
    assert set(topics) == {f"almanac.{n}" for n in ("config", "control", "triggers", "ticks", "executions", "charges", "dlq", "snapshots")}
    assert {t["state"] for t in topics.values()} == {"exists"}
    assert [topics[f"almanac.{n}"]["partitions"] for n in ("triggers", "executions", "charges", "config", "ticks")] == [12, 12, 12, 6, 1]
    other = dev.cli("topics", "create", "--replication", "1", "--partitions", "4")
    assert other.returncode == 0 and "some existing topics have other partition counts" in other.stderr
    assert re.search(r"^exists\talmanac\.triggers\t12 partitions\treplication 1\tretention\.ms 1209600000  \(wanted 4", other.stdout, re.M), other.stdout
    fresh = dev.cli("topics", "create", "--replication", "1", "--topic-prefix", "other.")
    assert fresh.returncode == 1 and "does not serve CreateTopics" in fresh.stderr, fresh.stderr
    # The kcat recipes (ops/kcat): a trigger published with kcat runs and is charged; tail-charges
    # prints it.
    env = {**os.environ, "ALMANAC_STATE_DIR": str(dev.state)}
    kcat = subprocess.run([str(ROOT / "ops" / "kcat" / "trigger-job.sh"), "helpdesk-co", "support-queue", "triage-tickets"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert kcat.returncode == 0, kcat.stderr
    trigger_id = re.search(r"trigger id (\S+)\)", kcat.stdout).group(1)
    deadline = time.monotonic() + 60
    charges = ""
    while trigger_id not in charges and time.monotonic() < deadline:
        charges = subprocess.run([str(ROOT / "ops" / "kcat" / "tail-charges.sh"), "-e"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=30).stdout
        time.sleep(1)
    assert re.search(rf"helpdesk-co  support-queue/triage-tickets  [0-9.]+ credits  {trigger_id}$", charges, re.M), charges[-2000:]

    # apply publishes only what changed: the files dev applied at start are unchanged (nothing is
    # written to config); an edited one is published once.
    def config_end():
        result = dev.cli("tail", "--topic", "config", "--lines", "1000", "--json")
        return len(result.stdout.splitlines())
    before = config_end()
    same = dev.cli("apply", str(example_apps), "--json")
    assert same.returncode == 0, same.stderr
    assert {a["state"] for a in json.loads(same.stdout)["apps"]} == {"unchanged"}
    assert config_end() == before
    edited = example_apps / "inventory-sync.yaml"
    assert "complexity: 2" in edited.read_text()
    edited.write_text(edited.read_text().replace("complexity: 2", "complexity: 3"))
    changed = dev.cli("apply", str(example_apps))
    assert changed.returncode == 0, changed.stderr
    assert re.search(r"^applied \(changed\) inventory-sync", changed.stdout, re.M) and changed.stdout.count("unchanged ") == 3, changed.stdout
    assert config_end() == before + 1
    dry = dev.cli("apply", str(example_apps), "--dry-run")
    assert dry.returncode == 0 and "would be unchanged inventory-sync" in dry.stdout, dry.stdout

    bad = dev.cli("topics", "create", "--partitions", "0")
    assert bad.returncode == 2 and "--partitions 0 is outside 1-10000" in bad.stderr
    dev.stop()
