"""Projection snapshots (docs/snapshots.md): a projector started from a snapshot reaches the state of a
replay from offset 0; a corrupt snapshot, a newer major version and a snapshot behind the log's head are
each reported and skipped, falling back to the older snapshot, then to a full replay."""
import json
import os
import pathlib
import re
import signal
import subprocess
import threading
import time

import jsonschema
import pytest
import referencing
import referencing.jsonschema
from confluent_kafka import Consumer, Producer, TopicPartition

from conftest import ROOT, almanac_bin
from http_support import Client, prometheus_samples, sample

PROJECTION = "config+control+ticks+executions"
APP = """app: snap
account: acct
timeZone: UTC
jobs:
  - {name: every-minute, schedule: "*:*", command: ["/bin/true"], complexity: 2}
  - {name: hourly, schedule: "*:00", command: ["/bin/true"]}
"""


TOKEN = "snapshot-test-token"


def start_projector(dev, *args):
    """`almanac run --roles projector,http`; stderr lines collect in `proc.log`."""
    proc = subprocess.Popen([almanac_bin(), "run", "--roles", "projector,http", "--http-port", "0", "--state-directory", str(dev.state),
                             "--snapshot-every-messages", "0", "--snapshot-interval", "0", *args],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "ALMANAC_ADMIN_TOKEN": TOKEN})
    proc.log = []
    threading.Thread(target=lambda: proc.log.extend(proc.stderr), daemon=True).start()
    deadline = time.monotonic() + 60
    while not (urls := [m.group(1) for line in list(proc.log) if (m := re.search(r"http listening on (\S+?)/?$", line.strip()))]):
        assert proc.poll() is None and time.monotonic() < deadline, "".join(proc.log)
        time.sleep(0.05)
    proc.api = Client(urls[0], token=TOKEN)
    proc.api.wait_for("/readyz", lambda _: True, 60, "the projector to be ready")
    return proc


def stop(proc) -> str:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0, "".join(proc.log)
    time.sleep(0.2)
    return "".join(proc.log)


def stored_snapshots(brokers: str) -> dict[str, bytes]:
    """The snapshots topic as compaction leaves it: key -> newest value."""
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": "snapshot-test", "enable.auto.commit": False})
    low, high = consumer.get_watermark_offsets(TopicPartition("almanac.snapshots", 0), timeout=10)
    consumer.assign([TopicPartition("almanac.snapshots", 0, low)])
    latest, offset = {}, low
    while offset < high:
        message = consumer.poll(5)
        assert message is not None and message.error() is None, message and message.error()
        latest[message.key().decode()] = message.value()
        offset = message.offset() + 1
    consumer.close()
    return latest


def equal_but_recent_runs(code: int, report: dict) -> bool:
    """The audit found the snapshot equal to the replay, or different only in a job's recentRuns:
    the replay from offset 0 folds partitions in no fixed order across them while the dev keeps
    writing, and has disagreed there in ops/test (known, issue 24's note); nothing else may differ."""
    others = [d for d in report.get("differences", []) if ".recentRuns: " not in d]
    return (code == 0 and report["equal"]) or (code == 1 and report.get("differences") and not others)


def audit(dev) -> tuple[int, dict]:
    result = dev.cli("audit", "snapshot", "--json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


# Alone: it times a dev's snapshots and replays, which the other tests' load only slows down.
@pytest.mark.alone
def test_snapshots_start_equal_a_replay_and_bad_ones_fall_back(dev_factory, tmp_path):
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "snap.yaml").write_text(APP)
    dev = dev_factory(["--apps", str(apps), "--start", "2026-03-02T09:50:00Z", "--speed", "120", "--quiet"])
    dev.wait_for(lambda: any("clock is running" in line.lower() for line in dev.lines), 60, "the dev clock")
    brokers = json.loads((dev.state / "dev.json").read_text())["brokers"]
    producer = Producer({"bootstrap.servers": brokers})
    time.sleep(3)  # a few simulated minutes of ticks, triggers and completions

    # Two projectors in turn: the first replays from the beginning, each writes a snapshot at shutdown.
    first = start_projector(dev)
    assert "from snapshot" not in stop(first)
    second = start_projector(dev)
    second_log = stop(second)
    assert f"from snapshot {PROJECTION}/1 #1" in second_log, second_log
    stored = stored_snapshots(brokers)
    assert {f"{PROJECTION}/0", f"{PROJECTION}/1"} <= stored.keys()

    # The stored shapes follow schemas/snapshot.v1.json.
    schema = json.loads((ROOT / "schemas" / "snapshot.v1.json").read_text())
    app_config = json.loads((ROOT / "schemas" / "app-config.v1.json").read_text())
    registry = referencing.Registry().with_resources([
        (schema["$id"], referencing.Resource.from_contents(schema, default_specification=referencing.jsonschema.DRAFT202012)),
        (app_config["$id"], referencing.Resource.from_contents(app_config, default_specification=referencing.jsonschema.DRAFT202012))])
    newest = json.loads(stored[f"{PROJECTION}/0"])
    assert newest["sequence"] == 2 and newest["version"] == "1.0" and newest["projection"] == PROJECTION
    document = json.loads(b"".join(stored[f"{PROJECTION}/0/{i}"] for i in range(newest["chunks"])))
    for value, part in ((newest, "manifest"), (document, "document")):
        jsonschema.Draft202012Validator({"$ref": f"{schema['$id']}#/$defs/{part}"}, registry=registry).validate(value)
    assert [a["config"]["app"] for a in document["apps"]] == ["snap"]

    # Started from the snapshot = replayed from offset 0 (the dev keeps writing meanwhile).
    code, report = audit(dev)
    assert equal_but_recent_runs(code, report) and report["snapshot"]["key"] == f"{PROJECTION}/0", report
    assert report["replayedMessages"] > report["tailMessages"], report

    # A corrupt newest snapshot: reported (log, metric, dlq) and skipped for the older one.
    producer.produce("almanac.snapshots", key=f"{PROJECTION}/0", value=b"{not json", partition=0)
    producer.flush(10)
    third = start_projector(dev, "--no-snapshot-write")
    metrics = prometheus_samples(third.api.get("/metrics").text)
    third_log = stop(third)
    assert f"snapshot {PROJECTION}/0 rejected (corrupt)" in third_log, third_log
    assert f"falling back to the older snapshot {PROJECTION}/1 #1" in third_log, third_log
    assert sample(metrics, "almanac_snapshot_rejected_total", reason="corrupt") == 1
    dev.wait_for(lambda: any(e["topic"] == "almanac.dlq" and e["value"]["data"]["topic"] == "almanac.snapshots"
                             and e["value"]["data"]["reason"] == "not_json" for e in dev.events()), 30, "the dlq record")
    code, report = audit(dev)
    assert equal_but_recent_runs(code, report) and report["snapshot"]["key"] == f"{PROJECTION}/1", report
    assert any("rejected (corrupt)" in line for line in report["rejected"]), report

    # A newer major version, then a snapshot whose offsets the log no longer has (before the low
    # watermark; the embedded broker never trims, so the crafted position is -1): each skipped.
    for change, reason in ((lambda m: m.update(version="2.0"), "unsupported_version"),
                           (lambda m: m["positions"][0].update(offset=-1), "offsets_gone")):
        crafted = dict(newest)
        crafted["positions"] = [dict(p) for p in newest["positions"]]
        change(crafted)
        producer.produce("almanac.snapshots", key=f"{PROJECTION}/0", value=json.dumps(crafted).encode(), partition=0)
        producer.flush(10)
        code, report = audit(dev)
        assert equal_but_recent_runs(code, report) and report["snapshot"]["key"] == f"{PROJECTION}/1", (reason, report)
        assert any(f"rejected ({reason})" in line for line in report["rejected"]), (reason, report)

    # No usable snapshot left: a full replay, and the audit says there is nothing to compare.
    producer.produce("almanac.snapshots", key=f"{PROJECTION}/1", value=b"\x00garbage", partition=0)
    producer.flush(10)
    fourth = start_projector(dev, "--no-snapshot-write")
    fourth_log = stop(fourth)
    assert "falling back to a full replay from the beginning" in fourth_log, fourth_log
    code, report = audit(dev)
    assert code == 1 and not report["equal"] and report["differences"] == ["no usable snapshot on almanac.snapshots"], report
    assert dev.stop() == 0
