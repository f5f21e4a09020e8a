"""The event contract (issue 5): every message Almanac writes validates against schemas/; bad input
on config and control goes to the dlq with the right reason and changes nothing else; a v1 event
with an added field is applied and a v2 event is not; an operator can pause an app with kcat.

Two `almanac dev` runs on the embedded broker, one per module fixture, at 60 simulated seconds per
real second (a minute per second), both started from examples/apps:
- the contract run: the example apps run, then ops/kcat/pause-app.sh and resume-app.sh pause and
  resume support-queue; every message on every topic must validate (strictly: Almanac's own events
  carry no field the schemas do not name) and sit on the partition murmur2 gives its key;
- the bad-input run: a new app `contract-probe` (every minute) is configured, then the bad-input
  corpus (ops/contract/bad_inputs.py) is published in three parts with a confluent-kafka producer,
  between a pause of the probe (a v1 event with an added optional field), its resume, and finally its
  removal and a v2 pause.
Together they write all 11 event types.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
import yaml
from confluent_kafka import Consumer, Producer, TopicPartition
from jsonschema import Draft202012Validator

from conftest import ROOT, Dev, by_type

sys.path.insert(0, str(ROOT / "ops" / "contract"))
import bad_inputs  # noqa: E402
import validate_export  # noqa: E402

START = "2026-03-02T07:55:00-05:00"
SPEED = 60
PROBE = "contract-probe"
PROBE_ACCOUNT = "contract-co"
PROBE_KEY = f"{PROBE_ACCOUNT}/{PROBE}/probe"


# ---------------------------------------------------------------------------------------------
# Helpers

def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def copy_example_apps(tmp: pathlib.Path) -> pathlib.Path:
    """examples/apps with absolute paths (as conftest.example_apps)."""
    apps = tmp / "apps"
    apps.mkdir()
    for src in (ROOT / "examples" / "apps").glob("*.yaml"):
        text = src.read_text().replace("../jobs/", str(ROOT / "examples" / "jobs") + "/")
        text = text.replace("../data/", str(ROOT / "examples" / "data") + "/")
        (apps / src.name).write_text(text)
    return apps


class Export:
    """Follows `almanac dev --export` while it is written (whole lines only)."""

    def __init__(self, path: pathlib.Path):
        self.path = path
        self.messages: list[dict] = []
        self._offset = 0
        self._partial = b""

    def refresh(self) -> list[dict]:
        if self.path.exists():
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                chunk = f.read()
            self._offset += len(chunk)
            lines = (self._partial + chunk).split(b"\n")
            self._partial = lines.pop()
            self.messages += [json.loads(line) for line in lines if line.strip()]
        return self.messages

    def values(self, type_: str) -> list[dict]:
        return by_type(self.refresh(), type_)

    def wait_for(self, dev: Dev, predicate, what: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return
            if dev.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}; stderr: {dev.stderr[-2000:]}")


class Run:
    """A finished `almanac dev` run: its export and what the fixture did when."""

    def __init__(self, dev: Dev, export: list[dict], marks: dict, exit_code: int | None, seconds: float):
        self.dev = dev
        self.export = export
        self.marks = marks
        self.exit_code = exit_code
        self.seconds = seconds

    def values(self, type_: str) -> list[dict]:
        return by_type(self.export, type_)

    def scheduled(self, type_: str, job_key: str, reason: str | None = None) -> list[dt.datetime]:
        return sorted(utc(v["data"]["scheduledFor"]) for v in self.values(type_)
                      if v["subject"] == job_key and (reason is None or v["data"].get("reason") == reason))


def start_dev(tmp: pathlib.Path) -> tuple[Dev, Export]:
    dev = Dev(tmp, ["--apps", str(copy_example_apps(tmp)), "--start", START, "--speed", str(SPEED), "--quiet"])
    dev.wait_for(lambda: (dev.state / "dev.brokers").exists() and any("clock is running" in line.lower() for line in dev.lines),
                 60, "almanac dev to start its clock")
    return dev, Export(dev.export)


def stop_dev(dev: Dev) -> int | None:
    """SIGINT, then wait for the exit and the export; kill after 60 s (and say so)."""
    if dev.proc.poll() is None:
        dev.proc.send_signal(signal.SIGINT)
    try:
        return dev.finish(timeout=60)
    except subprocess.TimeoutExpired:
        dev.proc.kill()
        dev.proc.wait()
        return None


def now(dev: Dev) -> str:
    return bad_inputs.simulated_now(dev.state)


def brokers(dev: Dev) -> str:
    return (dev.state / "dev.brokers").read_text().strip()


def minute_after(instant: dt.datetime) -> dt.datetime:
    """The first whole minute strictly after `instant`: the first one an event stamped `instant` decides."""
    return instant.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


# ---------------------------------------------------------------------------------------------
# The contract run: the examples, plus a pause and a resume with kcat.

def kcat(dev: Dev, script: str, *args: str) -> str:
    env = {**os.environ, "ALMANAC_STATE_DIR": str(dev.state)}
    done = subprocess.run([str(ROOT / "ops" / "kcat" / script), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def kafka_headers(dev: Dev, topics: list[str]) -> list[dict]:
    """Every message of `topics` read back with kcat -J (key, headers, payload)."""
    out = []
    for topic in topics:
        done = subprocess.run(["kcat", "-C", "-b", brokers(dev), "-t", topic, "-o", "beginning", "-e", "-J", "-q"],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        out += [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return out


@pytest.fixture(scope="module")
def contract_run(tmp_path_factory):
    if shutil.which("kcat") is None or shutil.which("jq") is None:
        pytest.skip("kcat and jq are needed for the ops/kcat recipes")
    began = time.monotonic()
    tmp = tmp_path_factory.mktemp("contract")
    dev, export = start_dev(tmp)
    marks: dict = {}
    support = "helpdesk-co/support-queue/triage-tickets"
    try:
        # The 8:00 runs of all three example apps.
        export.wait_for(dev, lambda e: len(e.values("almanac.job.triggered")) >= 3, "the 8:00 triggers")
        marks["pause_out"] = kcat(dev, "pause-app.sh", "support-queue", "contract test")
        export.wait_for(dev, lambda e: any(v["data"]["reason"] == "paused" for v in e.values("almanac.job.skipped")),
                        "job.skipped(paused) of support-queue")
        marks["resume_out"] = kcat(dev, "resume-app.sh", "support-queue")
        resumed_at = utc(export.values("almanac.schedule.resumed")[0]["time"]) if export.values("almanac.schedule.resumed") else None

        def ran_after_resume(e: Export) -> bool:
            resumed = e.values("almanac.schedule.resumed")
            if not resumed:
                return False
            at = utc(resumed[0]["time"])
            fired = {v["data"]["triggerId"] for v in e.values("almanac.job.triggered")
                     if v["subject"] == support and utc(v["data"]["scheduledFor"]) > at}
            return bool(fired & {v["data"]["chargeId"] for v in e.values("almanac.credits.charged")})

        export.wait_for(dev, ran_after_resume, "a charged run of support-queue after the resume", timeout=40)
        marks["resumed_at"] = resumed_at
        marks["kafka"] = kafka_headers(dev, ["almanac.control", "almanac.triggers", "almanac.executions", "almanac.charges", "almanac.ticks"])
    finally:
        code = stop_dev(dev)
    yield Run(dev, dev.events(), marks, code, time.monotonic() - began)


def test_contract_every_message_of_an_end_to_end_run_validates(contract_run):
    report = validate_export.validate_exports([contract_run.dev.export], strict=True, partitions=validate_export.DEFAULT_PARTITIONS)
    assert report.errors == []
    assert report.messages == len(contract_run.export) >= 30
    assert {"almanac.app.configured", "almanac.job.triggered", "almanac.tick.completed", "almanac.job.started", "almanac.job.completed",
            "almanac.job.skipped", "almanac.credits.charged", "almanac.schedule.paused", "almanac.schedule.resumed"} <= set(report.types)
    print(f"\ncontract run: {report.messages} messages, {dict(report.types)}; {contract_run.seconds:.1f} s; exit {contract_run.exit_code}")


def test_contract_every_message_carries_ce_type_and_ce_id_headers(contract_run):
    messages = contract_run.marks["kafka"]
    assert len(messages) > 30
    for m in messages:
        headers = m.get("headers") or []
        pairs = dict(zip(headers[::2], headers[1::2]))
        body = json.loads(m["payload"])
        where = f"{m['topic']}[{m['partition']}]@{m['offset']}"
        assert pairs.get("ce_type") == body["type"], where
        assert pairs.get("ce_id") == body["id"], where
        assert m["key"] == body["subject"], where


def test_kcat_pause_skips_the_next_ticks_and_resume_restarts(contract_run):
    support = "helpdesk-co/support-queue/triage-tickets"
    paused = contract_run.values("almanac.schedule.paused")
    resumed = contract_run.values("almanac.schedule.resumed")
    assert len(paused) == 1 and len(resumed) == 1
    assert paused[0]["source"] == "kcat" and paused[0]["data"]["reason"] == "contract test"
    assert paused[0]["data"]["actor"].startswith("kcat:")
    paused_at, resumed_at = utc(paused[0]["time"]), utc(resumed[0]["time"])
    skipped = contract_run.scheduled("almanac.job.skipped", support, "paused")
    fired = contract_run.scheduled("almanac.job.triggered", support)
    # Every 5-minute slot after the pause and up to the resume is skipped, the first one being the
    # next slot after the pause; none is triggered; the next slot after the resume runs.
    slots = [m for m in (fired + skipped) if paused_at < m <= resumed_at]
    assert skipped and skipped == sorted(slots)
    assert skipped[0] - paused_at < dt.timedelta(minutes=5)
    assert not [m for m in fired if paused_at < m <= resumed_at]
    after = [m for m in fired if m > resumed_at]
    assert after and after[0] - resumed_at <= dt.timedelta(minutes=5)
    # The other apps were not paused.
    assert not [v for v in contract_run.values("almanac.job.skipped") if v["data"]["job"]["app"] != "support-queue"]
    # The event as kcat wrote it is on support-queue's partition (murmur2), in order with Almanac's own.
    control = [m for m in contract_run.export if m["topic"] == "almanac.control"]
    assert {m["partition"] for m in control} == {validate_export.partition_for("support-queue", 6)}


# ---------------------------------------------------------------------------------------------
# The bad-input run.

def probe_config(time_: str) -> bytes:
    return bad_inputs.encode(bad_inputs.config(PROBE, PROBE_ACCOUNT, [bad_inputs.job()], time_))


def free_control_partition(keys: list[bytes]) -> int:
    used = {validate_export.partition_for(k.decode("utf-8", "replace"), 6) for k in keys if k}
    free = [p for p in range(6) if p not in used]
    assert free, "every control partition carries a key of the run"
    return free[0]


def settle_after_big(producer, sent: list, big: bad_inputs.BadInput, partition: int, servers: str) -> bad_inputs.Delivered:
    """Sends small bad messages after the 10 MB one on its partition, one produce request each,
    until the broker keeps one: the embedded broker trims partitions over ~5 MiB and may drop the
    next message too. A kept message moves every reader past the hole (a hole at the end of a
    control partition would stop the ticker: it waits for the projector to reach the high watermark).
    Dropped ones are marked fate "broker"; the kept one must be rejected as not_json."""
    watermarks = Consumer({"bootstrap.servers": servers, "group.id": "contract-watermarks"})
    try:
        for attempt in range(10):
            item = bad_inputs.BadInput(f"after 10 MB #{attempt}", "control", b"still here", "not_json", big.key, "byte 0")
            delivered = bad_inputs.publish(producer, "almanac.", [(item, "control", item.key, item.value, partition)])[0]
            sent.append(delivered)
            low, _ = watermarks.get_watermark_offsets(TopicPartition("almanac.control", partition), timeout=10)
            if low <= delivered.offset:
                return delivered
            delivered.item = bad_inputs.BadInput(item.name, item.topic, item.value, item.reason, item.key, item.detail, fate="broker")
        raise AssertionError("the broker dropped every message after the 10 MB one")
    finally:
        watermarks.close()


@pytest.fixture(scope="module")
def bad_input_run(tmp_path_factory):
    began = time.monotonic()
    tmp = tmp_path_factory.mktemp("bad-inputs")
    dev, export = start_dev(tmp)
    marks: dict = {}
    producer = Producer(bad_inputs.producer_config(brokers(dev)))
    sent: list[bad_inputs.Delivered] = []

    def send(messages):
        delivered = bad_inputs.publish(producer, "almanac.", messages)
        sent.extend(delivered)
        return delivered

    def probe_runs(e: Export, type_: str, after: dt.datetime, reason: str | None = None) -> list[dt.datetime]:
        return [utc(v["data"]["scheduledFor"]) for v in e.values(type_)
                if v["subject"] == PROBE_KEY and utc(v["data"]["scheduledFor"]) > after and (reason is None or v["data"]["reason"] == reason)]

    try:
        cases = bad_inputs.corpus(now(dev))
        thirds = [cases[0::3], cases[1::3], cases[2::3]]
        assert set(c.name for part in thirds for c in part) == set(c.name for c in cases)

        # Before: a new app; then the first third of the corpus, with the 10 MB message first, on a
        # control partition no other key of this run uses (see settle_after_big).
        configured_at = now(dev)
        marks["configured_at"] = utc(configured_at)
        send([(None, "config", PROBE.encode(), probe_config(configured_at), None)])
        keys = [c.key for c in cases if c.topic == "control"] + [PROBE.encode()]
        big_partition = free_control_partition(keys)
        big = bad_inputs.ten_megabytes(now(dev), "support-queue")
        marks["big"] = send([(big, big.topic, big.key, big.value, big_partition)])[0]
        marks["after_big"] = settle_after_big(producer, sent, big, big_partition, brokers(dev))
        send([(c, c.topic, c.key, c.value, None) for c in thirds[0]])
        export.wait_for(dev, lambda e: probe_runs(e, "almanac.job.triggered", marks["configured_at"]), "a trigger of the new app")

        # Between: a pause of the probe that carries a field v1 does not know (schema evolution) and
        # a CloudEvents extension attribute; the second third.
        paused_at = now(dev)
        marks["paused_at"] = utc(paused_at)
        evolved = bad_inputs.pause(PROBE, paused_at, extra={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})
        evolved["data"]["ticket"] = "OPS-1234"
        evolved["data"]["until"] = {"when": "2026-03-03T00:00:00Z", "why": "maintenance"}
        marks["evolved"] = send([(None, "control", PROBE.encode(), bad_inputs.encode(evolved), None)])[0]
        send([(c, c.topic, c.key, c.value, None) for c in thirds[1]])
        export.wait_for(dev, lambda e: probe_runs(e, "almanac.job.skipped", marks["paused_at"], "paused"), "job.skipped(paused) of the probe")

        # Between: the resume; the last third.
        resumed_at = now(dev)
        marks["resumed_at"] = utc(resumed_at)
        resume = bad_inputs.event("almanac.schedule.resumed", {"app": PROBE, "actor": "contract-test"}, resumed_at, subject=PROBE)
        send([(None, "control", PROBE.encode(), bad_inputs.encode(resume), None)])
        send([(c, c.topic, c.key, c.value, None) for c in thirds[2]])
        export.wait_for(dev, lambda e: probe_runs(e, "almanac.job.triggered", marks["resumed_at"]), "a trigger of the probe after the resume")

        # After: a v2 pause of the running probe (must not apply), then the removal of the probe.
        v2 = bad_inputs.pause(PROBE, now(dev), dataschema="https://almanac.dev/schemas/schedule.paused/v2")
        marks["v2"] = send([(None, "control", PROBE.encode(), bad_inputs.encode(v2), None)])[0]
        export.wait_for(dev, lambda e: len(probe_runs(e, "almanac.job.triggered", utc(v2["time"]))) >= 2, "two probe runs after the v2 pause")
        marks["corpus_done_at"] = utc(now(dev))
        removed_at = now(dev)
        marks["removed_at"] = utc(removed_at)
        removal = bad_inputs.event("almanac.app.removed", {"app": PROBE, "account": PROBE_ACCOUNT}, removed_at, subject=PROBE)
        send([(None, "config", PROBE.encode(), bad_inputs.encode(removal), None)])

        # The dlq holds every rejection, and the ticker ticks on for three more minutes.
        expected = sum(1 for d in sent if d.item is not None and d.error is None and d.item.fate == "dlq") + 1  # + the v2 pause
        export.wait_for(dev, lambda e: len(e.values("almanac.event.rejected")) >= expected, f"{expected} rejections on the dlq")
        last = marks["removed_at"] + dt.timedelta(minutes=3)
        export.wait_for(dev, lambda e: any(utc(v["data"]["minute"]) >= last for v in e.values("almanac.tick.completed")),
                        "three more ticks after the removal")
        with_low = Consumer({"bootstrap.servers": brokers(dev), "group.id": "contract-watermarks"})
        big_delivery = marks["big"]
        if big_delivery.error is None:
            marks["big_watermarks"] = with_low.get_watermark_offsets(TopicPartition("almanac.control", big_delivery.partition), timeout=10)
        with_low.close()
    finally:
        producer.flush(10)
        del producer
        code = stop_dev(dev)
    yield Run(dev, dev.events(), {**marks, "sent": sent}, code, time.monotonic() - began)


def test_bad_inputs_each_land_in_the_dlq_with_reason_origin_and_raw_bytes(bad_input_run):
    sent = bad_input_run.marks["sent"]
    assert len([d for d in sent if d.item is not None]) >= 40
    dlq = bad_input_run.values("almanac.event.rejected")
    problems = bad_inputs.check_rejections(sent, dlq)
    assert problems == []
    # One rejection per bad message, and nothing else on the dlq (the v2 pause is the only extra).
    bad = {(d.topic, d.partition, d.offset) for d in sent if d.item is not None and d.error is None}
    v2 = bad_input_run.marks["v2"]
    rejected = Counter((v["data"]["topic"], v["data"]["partition"], v["data"]["offset"]) for v in dlq)
    assert set(rejected) <= bad | {(v2.topic, v2.partition, v2.offset)}
    assert max(rejected.values()) == 1
    reasons = Counter(v["data"]["reason"] for v in dlq)
    assert set(reasons) == {"too_large", "not_json", "not_cloudevent", "unknown_type", "unsupported_major_version",
                            "schema_violation", "invalid_data", "unknown_app", "wrong_topic"}
    # The dlq event is keyed by the original key and says so in its subject (absent for no key).
    for m in (m for m in bad_input_run.export if m["topic"] == "almanac.dlq"):
        assert m["key"] == m["value"].get("subject", "")
        assert m["key"] == (m["value"]["data"].get("key") or "")


def test_bad_inputs_projector_and_ticker_keep_running_and_valid_events_take_effect(bad_input_run):
    run, marks = bad_input_run, bad_input_run.marks
    # Before: the new app runs every minute from the minute after it was configured.
    fired = run.scheduled("almanac.job.triggered", PROBE_KEY)
    skipped = run.scheduled("almanac.job.skipped", PROBE_KEY, "paused")
    assert fired and fired[0] == minute_after(marks["configured_at"])
    # Between: paused minutes are skipped, not run; after the resume it runs again at the next minute.
    assert skipped and all(marks["paused_at"] < m <= marks["resumed_at"] for m in skipped)
    assert skipped[0] == minute_after(marks["paused_at"])
    assert not [m for m in fired if marks["paused_at"] < m <= marks["resumed_at"]]
    assert minute_after(marks["resumed_at"]) in fired
    # After: removed, it stops (allowing the minute being planned as the removal arrived).
    assert not [m for m in fired if m > marks["removed_at"] + dt.timedelta(minutes=1)]
    # Every minute from start to the end was ticked exactly once, after the corpus too.
    minutes = sorted(utc(v["data"]["minute"]) for v in run.values("almanac.tick.completed"))
    assert minutes == [minutes[0] + dt.timedelta(minutes=i) for i in range(len(minutes))]
    assert minutes[-1] >= marks["removed_at"] + dt.timedelta(minutes=3)
    # The probe's runs completed and were charged once each.
    charged = Counter(v["data"]["chargeId"] for v in run.values("almanac.credits.charged") if v["data"]["app"] == PROBE)
    assert charged and max(charged.values()) == 1
    # The example apps were never paused by any bad message (v2 pause, duplicate keys, wrong topic).
    assert not [v for v in run.values("almanac.job.skipped")
                if v["data"]["reason"] == "paused" and v["data"]["job"]["app"] != PROBE]
    # No app a bad message tried to configure ever ran.
    apps = {v["data"]["job"]["app"] for v in run.values("almanac.job.triggered")}
    assert apps <= {PROBE, "support-queue", "inventory-sync", "clinic-reminders"}


def test_bad_inputs_run_every_accepted_message_validates(bad_input_run):
    report = validate_export.validate_exports([bad_input_run.dev.export], skip_rejected=True, strict=True,
                                              partitions=validate_export.DEFAULT_PARTITIONS)
    # Bad inputs were placed by the producer; explicitly placed ones (the 10 MB message's partition) are rejected anyway.
    assert report.errors == []
    assert report.skipped_rejected >= 40
    print(f"\nbad-input run: {report.messages} messages, {report.skipped_rejected} rejected; {bad_input_run.seconds:.1f} s; "
          f"exit {bad_input_run.exit_code}")


def test_ten_megabyte_message_is_refused_by_the_broker_or_rejected_as_too_large(bad_input_run):
    """Documents what happens to 10 MB: Almanac never applies it; the embedded broker keeps ~5 MiB
    per partition, so it accepts and drops it at once (its offset is gone before anyone reads it);
    a real broker with default limits refuses it; a broker configured to keep it lets Almanac reject it."""
    big, after = bad_input_run.marks["big"], bad_input_run.marks["after_big"]
    dlq = {(v["data"]["topic"], v["data"]["partition"], v["data"]["offset"]): v["data"] for v in bad_input_run.values("almanac.event.rejected")}
    if big.error is not None:
        assert "MSG_SIZE_TOO_LARGE" in big.error or "too large" in big.error.lower(), big.error
        outcome = f"refused by the broker: {big.error}"
    elif (big.topic, big.partition, big.offset) in dlq:
        assert dlq[(big.topic, big.partition, big.offset)]["reason"] == "too_large"
        outcome = "stored by the broker and rejected by Almanac as too_large"
    else:
        low, _ = bad_input_run.marks["big_watermarks"]
        assert low > big.offset, "the 10 MB message was stored but neither rejected nor dropped"
        outcome = f"accepted and dropped at once by the embedded broker (offset {big.offset}; low watermark now {low})"
    # The message after it on the same partition was read and rejected: nobody was stuck at the hole.
    assert dlq[(after.topic, after.partition, after.offset)]["reason"] == "not_json"
    print(f"\n10 MB message: {outcome}")


def test_schema_evolution_v1_with_added_optional_field_is_applied_v2_goes_to_dlq(bad_input_run):
    evolved, v2 = bad_input_run.marks["evolved"], bad_input_run.marks["v2"]
    rejected = {(v["data"]["topic"], v["data"]["partition"], v["data"]["offset"]): v["data"] for v in bad_input_run.values("almanac.event.rejected")}
    # v1 + unknown fields: not rejected, and it took effect (the probe was skipped as paused).
    assert (evolved.topic, evolved.partition, evolved.offset) not in rejected
    assert bad_input_run.scheduled("almanac.job.skipped", PROBE_KEY, "paused")
    # The unknown fields are kept in the log as written (the log is the contract, not Almanac's struct).
    stored = next(m["value"] for m in bad_input_run.export if (m["topic"], m["partition"], m["offset"]) == (evolved.topic, evolved.partition, evolved.offset))
    assert stored["data"]["ticket"] == "OPS-1234" and "traceparent" in stored
    # The v1 schema accepts it too.
    schema = json.loads((ROOT / "schemas" / "events" / "schedule.paused.v1.json").read_text())
    Draft202012Validator(schema).validate(stored)
    # v2: the dlq, reason unsupported_major_version; the probe kept running.
    reason = rejected[(v2.topic, v2.partition, v2.offset)]
    assert reason["reason"] == "unsupported_major_version"
    assert "unsupported major version 2" in reason["detail"]
    v2_time = utc(json.loads(v2.value)["time"])
    assert [m for m in bad_input_run.scheduled("almanac.job.triggered", PROBE_KEY) if m > v2_time]
    assert not [m for m in bad_input_run.scheduled("almanac.job.skipped", PROBE_KEY, "paused") if m > v2_time]


def test_the_two_runs_together_write_every_event_type(contract_run, bad_input_run):
    report = validate_export.validate_exports([contract_run.dev.export, bad_input_run.dev.export], skip_rejected=True, require_all=True)
    assert report.missing_types == []
    assert report.errors == []


# ---------------------------------------------------------------------------------------------
# The schemas themselves (no broker).

SCHEMAS = ROOT / "schemas"


def test_schemas_are_valid_draft_2020_12_with_ids_matching_the_events_dataschema():
    kinds = validate_export.event_kinds(validate_export.DEFAULT_SWIFT)
    files = sorted((SCHEMAS / "events").glob("*.json"))
    assert {f"almanac.{p.name.removesuffix('.v1.json')}" for p in files} == set(kinds)
    for path in files + [SCHEMAS / "app-config.v1.json", SCHEMAS / "pricing.v1.json"]:
        schema = json.loads(path.read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", path
        Draft202012Validator.check_schema(schema)
        checker = validate_export.format_checker()
        assert schema.get("examples"), f"{path.name} has no example"
        for example in schema["examples"]:
            Draft202012Validator(schema, format_checker=checker).validate(example)
        if path.parent.name == "events":
            noun_verb = path.name.removesuffix(".v1.json")
            assert schema["$id"] == f"https://almanac.dev/schemas/{noun_verb}/v1"
            assert schema["properties"]["dataschema"] == {"const": schema["$id"]}
            assert schema["properties"]["type"] == {"const": f"almanac.{noun_verb}"}


def test_schemas_describe_what_consumers_must_not_get_wrong():
    charged = json.loads((SCHEMAS / "events" / "credits.charged.v1.json").read_text())
    validator = Draft202012Validator(charged, format_checker=validate_export.format_checker())
    good = charged["examples"][0]

    def errors(mutate) -> list[str]:
        value = json.loads(json.dumps(good))
        mutate(value)
        return [e.message for e in validator.iter_errors(value)]

    assert errors(lambda v: v["data"].update(total=4.56)), "money must be an integer"
    assert errors(lambda v: v["data"]["lineItems"][0].update(amount="3000")), "money is not a string"
    assert errors(lambda v: v["data"].update(status="ok")), "status is an enum"
    assert errors(lambda v: v["data"].pop("chargeId")), "chargeId is required"
    assert errors(lambda v: v.update(time="2026-03-02 13:00")), "time is RFC 3339"
    assert errors(lambda v: v.update(time="2026-03-02T08:00:00-05:00")), "time is UTC"
    assert errors(lambda v: v.update(dataschema="https://almanac.dev/schemas/credits.charged/v2"))
    assert not errors(lambda v: v["data"].update(currencyHint="credits")), "an added optional data field is allowed"
    assert not errors(lambda v: v.update(traceparent="00-abc")), "CloudEvents extensions are allowed"


def test_example_app_files_validate_against_the_app_config_schema_and_bad_ones_do_not():
    schema = json.loads((SCHEMAS / "app-config.v1.json").read_text())
    validator = Draft202012Validator(schema)
    files = sorted((ROOT / "examples" / "apps").glob("*.yaml"))
    assert files
    for path in files:
        validator.validate(yaml.safe_load(path.read_text()))
    base = {"app": "a", "account": "b", "jobs": [{"name": "j", "schedule": "8:00", "command": ["run"]}]}
    for change in [{"owner": "x"}, {"jobs": []}, {"app": "bad app"}, {"timeZone": 5},
                   {"jobs": [{"name": "j", "command": ["run"], "complexity": 11}]},
                   {"jobs": [{"name": "j", "command": ["run"], "overlap": "sometimes"}]},
                   {"jobs": [{"name": "j", "command": []}]},
                   {"jobs": [{"name": "j", "command": ["run"], "schedual": "8:00"}]},
                   {"jobs": [{"name": "j", "command": ["run"], "retries": -1}]},
                   {"jobs": [{"name": "j", "schedule": 480, "command": ["run"]}]}]:
        assert list(validator.iter_errors({**base, **change})), change
    # JSON app files are the same format.
    validator.validate(json.loads(json.dumps(base)))


def test_pricing_schema_accepts_the_standard_table_in_both_file_forms_and_ops_pricing_yaml():
    schema = json.loads((SCHEMAS / "pricing.v1.json").read_text())
    validator = Draft202012Validator(schema, format_checker=validate_export.format_checker())
    if (ROOT / "ops" / "pricing.yaml").exists():
        validator.validate(yaml.safe_load((ROOT / "ops" / "pricing.yaml").read_text()))
    table = schema["examples"][1]
    validator.validate(table)
    validator.validate([table, {**table, "version": "2026-07", "effectiveFrom": "2026-07-01T00:00:00Z"}])
    assert list(validator.iter_errors({**table, "baseByComplexity": table["baseByComplexity"][:9]}))
    assert list(validator.iter_errors({**table, "emailEach": 0.1}))
    assert list(validator.iter_errors({**table, "currency": "EUR"}))
    assert list(validator.iter_errors([]))


def test_ops_examples_are_valid_events():
    for name, type_ in [("pause.json", "schedule.paused"), ("resume.json", "schedule.resumed")]:
        text = (ROOT / "ops" / "examples" / name).read_text()
        assert text.count("\n") == 1, f"{name} must be one line (kcat -P sends one message per line)"
        schema = json.loads((SCHEMAS / "events" / f"{type_}.v1.json").read_text())
        Draft202012Validator(schema, format_checker=validate_export.format_checker()).validate(json.loads(text))


def test_validator_names_the_message_and_the_violated_rule(tmp_path):
    charged = json.loads((SCHEMAS / "events" / "credits.charged.v1.json").read_text())["examples"][0]
    bad = json.loads(json.dumps(charged))
    bad["data"]["total"] = 9999
    bad["data"]["lineItems"][0]["amount"] = 30.5
    key = bad["subject"]
    lines = [
        {"topic": "almanac.charges", "partition": validate_export.partition_for(key, 12), "offset": 7, "key": key, "value": bad},
        {"topic": "almanac.control", "partition": 0, "offset": 3, "key": "x", "valueBase64": base64.b64encode(b"nope").decode()},
        {"topic": "almanac.dlq", "partition": 0, "offset": 0, "key": key, "value": charged},
    ]
    export = tmp_path / "bad.jsonl"
    export.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = subprocess.run([sys.executable, str(ROOT / "ops" / "contract" / "validate_export.py"), str(export), "--check-partitioning"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1, out.stdout
    assert "almanac.charges[" in out.stdout and "@7 (almanac.credits.charged): schema: 30.5 is not of type 'integer' at $.data.lineItems[0].amount" in out.stdout
    assert "(rule type at #/properties/data/properties/lineItems/items/properties/amount/type)" in out.stdout
    assert "total: 9999 is not the sum" not in out.stdout  # not summed when an amount is not an integer
    assert "almanac.control[0]@3: not-json" in out.stdout
    assert "almanac.dlq[0]@0 (almanac.credits.charged): dlq-type" in out.stdout
    assert "almanac.dlq[0]@0 (almanac.credits.charged): topic: almanac.credits.charged belongs on almanac.charges" in out.stdout
