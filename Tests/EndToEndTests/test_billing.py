"""Billing (issue 7): `almanac billing report` and a downstream consumer that is not Almanac
(ops/billing/consume_charges.py, confluent-kafka, read_committed) agree per account with the sum
priced independently from the run's job.completed events (the billing identity), and both count a
duplicated chargeId once."""
import csv
import datetime as dt
import io
import json
import os
import pathlib
import re
import select
import subprocess
import sys
import time
import uuid

import pytest
import yaml
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

from conftest import ROOT, almanac_bin

START = "2026-03-02T07:55:00-05:00"
CHARGES = "almanac.charges"
APPS = ("clinic-reminders", "inventory-sync", "support-queue")
CONSUMER = ROOT / "ops" / "billing" / "consume_charges.py"
WINDOW = ["--from", "2026-03-02T00:00:00Z", "--to", "2026-03-03T00:00:00Z"]
CHARGE_LINE = re.compile(r"^\S+ \S+\s+charge\s")


# --- an independent pricer (the oracle): docs/design.md §5 and docs/billing.md, not Almanac's code ---

def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def load_pricing(path: pathlib.Path) -> list[dict]:
    tables = yaml.safe_load(path.read_text())
    tables = tables if isinstance(tables, list) else [tables]
    return sorted(tables, key=lambda t: instant(str(t["effectiveFrom"])))


def table_at(tables: list[dict], at: dt.datetime) -> dict:
    in_force = [t for t in tables if instant(str(t["effectiveFrom"])) <= at]
    return in_force[-1] if in_force else tables[0]


def price(table: dict, complexity: int, usage: dict) -> int:
    """Millicredits of one run: base + AI per 1,000 tokens (half up, per line) + emails + SMS."""
    total = table["baseByComplexity"][complexity - 1]
    models = table["aiModels"]
    for ai in usage.get("ai", []):
        rate = models.get(ai["model"], models[table["defaultAIModel"]])
        for tokens, per1000 in ((ai["inputTokens"], rate["inputPer1000"]), (ai["outputTokens"], rate["outputPer1000"])):
            if tokens > 0:
                total += (tokens * per1000 + 500) // 1000
    return total + usage.get("emails", 0) * table["emailEach"] + usage.get("sms", 0) * table["smsEach"]


def priced_from_completions(events: list[dict], tables: list[dict]) -> tuple[dict, dict]:
    """Per-account totals priced from job.completed (each trigger once), and each trigger's version."""
    complexity = {}
    for e in events:
        if e["type"] == "almanac.app.configured":
            config = e["data"]["config"]
            for job in config["jobs"]:
                complexity[(config["app"], job["name"])] = job.get("complexity", 1)
    scheduled_for = {e["data"]["triggerId"]: instant(e["data"]["scheduledFor"])
                     for e in events if e["type"] == "almanac.job.triggered"}
    accounts: dict[str, dict] = {}
    versions = {}
    seen = set()
    for e in events:
        if e["type"] != "almanac.job.completed" or e["data"]["triggerId"] in seen:
            continue
        if e["data"].get("failure") == "notStarted":   # never started: not charged (docs/billing.md)
            continue
        d = e["data"]
        seen.add(d["triggerId"])
        table = table_at(tables, scheduled_for[d["triggerId"]])
        versions[d["triggerId"]] = table["version"]
        account = accounts.setdefault(d["job"]["account"], {"charges": 0, "millicredits": 0})
        account["charges"] += 1
        account["millicredits"] += price(table, complexity[(d["job"]["app"], d["job"]["job"])], d["usage"])
    return accounts, versions


# --- reading the live broker and the export ---

def read_export(path: pathlib.Path) -> list[dict]:
    """CloudEvents of the export so far (a line still being written is left out)."""
    if not path.exists():
        return []
    text = path.read_text()
    lines = text.split("\n")[:-1]
    return [v for v in (json.loads(line).get("value") for line in lines if line.strip()) if isinstance(v, dict) and "type" in v]


def end_offsets(brokers: str) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"test-{uuid.uuid4()}", "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(CHARGES, timeout=10).topics[CHARGES].partitions
        return {p: consumer.get_watermark_offsets(TopicPartition(CHARGES, p), timeout=10, cached=False)[1] for p in partitions}
    finally:
        consumer.close()


def first_charge_message(brokers: str, offsets: dict[int, int]):
    """(partition, key, value, headers) of the first charge of the first non-empty partition."""
    partition = next(p for p, end in sorted(offsets.items()) if end > 0)
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"test-{uuid.uuid4()}", "enable.auto.commit": False})
    try:
        consumer.assign([TopicPartition(CHARGES, partition, OFFSET_BEGINNING)])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            m = consumer.poll(0.5)
            if m is not None and not m.error():
                return partition, m.key(), m.value(), m.headers() or []
        raise AssertionError(f"no message on {CHARGES}[{partition}]")
    finally:
        consumer.close()


def report(dev, *args: str) -> dict:
    result = dev.cli("billing", "report", "--json", *WINDOW, *args)
    assert result.returncode == 0, result.stderr
    assert "almanac billing: read" in result.stderr
    return json.loads(result.stdout)


def consume(brokers: str) -> dict:
    result = subprocess.run([sys.executable, str(CONSUMER), "--brokers", brokers, "--json"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def topic_messages(brokers: str, topic: str) -> list[tuple[int, dict]]:
    """(Kafka CreateTime in ms, event) of every message of `topic`, up to its end offsets now."""
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"test-{uuid.uuid4()}", "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)[1] for p in partitions}
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p, end in ends.items() if end > 0])
        left = {p: end for p, end in ends.items() if end > 0}
        out = []
        deadline = time.monotonic() + 30
        while left and time.monotonic() < deadline:
            m = consumer.poll(0.5)
            if m is None or m.error():
                continue
            out.append((m.timestamp()[1], json.loads(m.value())))
            if m.offset() + 1 >= left.get(m.partition(), 0):
                left.pop(m.partition(), None)
        assert not left, f"{topic}: partitions {sorted(left)} not read to their end"
        return out
    finally:
        consumer.close()


def check_documented_recording_order(brokers: str):
    """docs/billing.md ("A charge", "How a consumer dedupes"): the worker writes a run's
    job.completed, and only once it is acknowledged the charge, computed from that completion:
    same executionId and status, `time` = the run's finishedAt; copies of a charge are identical."""
    completions = {}
    for created, e in topic_messages(brokers, "almanac.executions"):
        if e["type"] == "almanac.job.completed":
            completions.setdefault(e["data"]["triggerId"], (created, e))
    copies: dict[str, list] = {}
    for created, e in topic_messages(brokers, CHARGES):
        copies.setdefault(e["data"]["chargeId"], []).append(e)
        completed_at, completion = completions[e["data"]["triggerId"]]
        assert completed_at <= created, f"charge {e['data']['chargeId']} written before its completion"
        assert e["data"]["executionId"] == completion["data"]["executionId"]
        assert e["data"]["status"] == completion["data"]["status"]
        assert e["time"] == completion["data"]["finishedAt"] == completion["time"]
    assert copies and set(copies) <= set(completions)
    for charge_id, same in copies.items():
        assert all(c == same[0] for c in same), f"copies of {charge_id} differ"


def test_report_and_downstream_consumer_equal_the_billing_identity_and_count_duplicates_once(dev_factory, example_apps):
    # No --run-for: it runs until SIGINT, so its embedded broker outlives the readers below.
    dev = dev_factory(["--apps", str(example_apps), "--start", START, "--speed", "240"])
    dev.wait_for(lambda: sum(bool(CHARGE_LINE.match(line)) for line in dev.lines) >= 8, 120, "eight charges")
    brokers = (dev.state / "dev.brokers").read_text().strip()

    # Stop new runs, so that the log holds still while the two readers read it.
    for app in APPS:
        paused = dev.cli("pause", app, "--reason", "billing test")
        assert paused.returncode == 0, paused.stderr

    def settled() -> bool:
        events = read_export(dev.export)
        triggered = {e["data"]["triggerId"] for e in events if e["type"] == "almanac.job.triggered"}
        ended = {e["data"]["triggerId"] for e in events if e["type"] in ("almanac.job.completed", "almanac.job.skipped")}
        charged = sum(1 for e in events if e["type"] == "almanac.credits.charged")
        return triggered <= ended and charged == sum(end_offsets(brokers).values())

    wait_until(settled, 60, "every run to end and the export to hold every charge")
    before = end_offsets(brokers)
    time.sleep(1.5)
    assert end_offsets(brokers) == before, "charges still being written after the pause"

    events = read_export(dev.export)
    tables = load_pricing(ROOT / "ops" / "pricing.yaml")
    identity, versions = priced_from_completions(events, tables)
    charges = [e["data"] for e in events if e["type"] == "almanac.credits.charged"]
    assert len(charges) == sum(a["charges"] for a in identity.values()) >= 8
    assert {c["chargeId"]: c["pricingVersion"] for c in charges} == versions

    almanac = report(dev)
    downstream = consume(brokers)
    assert almanac["accounts"] == downstream["accounts"] == identity
    assert set(identity) == {"acme-clinics", "northwind", "helpdesk-co"}
    assert almanac["total"] == downstream["total"]
    assert almanac["log"]["duplicates"] == downstream["log"]["duplicates"] == 0
    assert sum(r["millicredits"] for r in almanac["rows"]) == almanac["total"]["millicredits"]
    check_documented_recording_order(brokers)

    # Duplicates: an exact copy, a crash re-run's copy (new executionId and time, same chargeId),
    # and a copy that charges more (a conflict: still counted once, the first copy wins).
    partition, key, value, headers = first_charge_message(brokers, before)
    original = json.loads(value)
    rerun = json.loads(value)
    rerun["id"] = str(uuid.uuid4())
    rerun["time"] = (instant(original["time"]) + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    rerun["data"]["executionId"] = str(uuid.uuid4())
    conflict = json.loads(json.dumps(rerun))
    conflict["id"] = str(uuid.uuid4())
    conflict["data"]["lineItems"].append({"item": "email", "quantity": 1, "unitPrice": 100, "unitsPer": 1, "amount": 100})
    conflict["data"]["total"] += 100
    producer = Producer({"bootstrap.servers": brokers, "enable.idempotence": True, "partitioner": "murmur2_random"})
    for copy in (value, json.dumps(rerun).encode(), json.dumps(conflict).encode()):
        producer.produce(CHARGES, key=key, value=copy, headers=headers, partition=partition)
    assert producer.flush(30) == 0
    assert end_offsets(brokers)[partition] == before[partition] + 3

    almanac_again = report(dev)
    downstream_again = consume(brokers)
    assert almanac_again["accounts"] == downstream_again["accounts"] == identity
    assert almanac_again["log"]["duplicates"] == downstream_again["log"]["duplicates"] == 3
    assert almanac_again["log"]["conflicts"] == downstream_again["log"]["conflicts"] == 1
    assert almanac_again["conflictingChargeIds"] == downstream_again["conflictingChargeIds"] == [original["data"]["chargeId"]]

    # Filters, day zones and formats, on the same log.
    account = original["data"]["account"]
    only = report(dev, "--account", account)
    assert only["accounts"] == {account: identity[account]}
    assert {r["account"] for r in only["rows"]} == {account}
    app_only = report(dev, "--app", "support-queue")
    assert app_only["accounts"] == {"helpdesk-co": identity["helpdesk-co"]}
    new_york = report(dev, "--tz", "America/New_York")
    assert set(new_york["days"]) == {"2026-03-02"} and new_york["total"] == almanac["total"]
    later = dev.cli("billing", "report", "--json", "--from", "2026-03-03T00:00:00Z", "--to", "2026-03-04T00:00:00Z")
    assert later.returncode == 0 and json.loads(later.stdout)["total"] == {"charges": 0, "millicredits": 0}
    as_csv = dev.cli("billing", "report", "--csv", "--quiet", *WINDOW)
    assert as_csv.returncode == 0 and as_csv.stderr == ""
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert sum(int(r["millicredits"]) for r in rows) == almanac["total"]["millicredits"]
    assert all(r["credits"] == f"{int(r['millicredits']) // 1000}.{int(r['millicredits']) % 1000:03d}" for r in rows)
    text = dev.cli("billing", "report", *WINDOW)
    assert text.returncode == 0
    total_credits = almanac["total"]["millicredits"]
    assert re.search(rf"^total\s+{almanac['total']['charges']}\s+{total_credits // 1000}\.{total_credits % 1000:03d}$",
                     text.stdout, re.M), text.stdout

    # On a terminal, stderr shows a progress bar before the count line.
    bar = progress_output(dev)
    assert "\r[" in bar and "100%" in bar and "almanac billing: read" in bar

    dev.stop()  # its exit status on SIGINT is not billing's concern


def progress_output(dev) -> str:
    """stderr of a report run with stderr on a pseudo-terminal."""
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen([almanac_bin(), "billing", "report", *WINDOW, "--state-directory", str(dev.state)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        chunks = []
        while True:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait(timeout=30) == 0
        return b"".join(chunks).decode()
    finally:
        os.close(master)


@pytest.mark.parametrize("args, message", [
    (["--from", "yesterday", "--to", "2026-03-03T00:00:00Z"], '--from "yesterday" is not an RFC 3339 instant'),
    (["--from", "2026-03-02T00:00:00Z", "--to", "2026-03-02"], '--to "2026-03-02" is not an RFC 3339 instant'),
    (["--from", "2026-03-03T00:00:00Z", "--to", "2026-03-02T00:00:00Z"], "must be after --from"),
    ([*WINDOW, "--tz", "Eastern"], '--tz "Eastern" is not an IANA time zone'),
    ([*WINDOW, "--json", "--csv"], "cannot be combined"),
    (["--to", "2026-03-02T00:00:00Z"], "give --month YYYY-MM, or --from and --to"),
])
def test_report_whenInputInvalid_exitsWith2BeforeConnecting(tmp_path, args, message):
    result = subprocess.run([almanac_bin(), "billing", "report", *args, "--brokers", "127.0.0.1:1"],
                            capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr


def test_pricing_change_mid_run_prices_each_run_by_the_version_in_force_at_its_scheduled_time(dev_factory, example_apps, tmp_path):
    help_text = subprocess.run([almanac_bin(), "dev", "--help"], capture_output=True, text=True, timeout=30).stdout
    if "--pricing" not in help_text:
        pytest.skip("almanac dev has no --pricing option yet")
    tables = load_pricing(ROOT / "ops" / "pricing.yaml")
    later = json.loads(json.dumps(tables[0]))
    later.update(version="test-doubled", effectiveFrom="2026-03-02T13:30:00Z",   # 08:30 in New York
                 baseByComplexity=[2 * b for b in tables[0]["baseByComplexity"]], smsEach=2 * tables[0]["smsEach"])
    pricing = tmp_path / "pricing.yaml"
    pricing.write_text(yaml.safe_dump([tables[0], later]))
    dev = dev_factory(["--apps", str(example_apps), "--start", START, "--speed", "240", "--run-for", "1h", "--quiet",
                       "--pricing", str(pricing)])
    assert dev.finish(timeout=300) == 0, dev.stderr[-3000:]
    events = read_export(dev.export)
    identity, versions = priced_from_completions(events, load_pricing(pricing))
    charges = [e["data"] for e in events if e["type"] == "almanac.credits.charged"]
    assert {c["chargeId"]: c["pricingVersion"] for c in charges} == versions
    assert set(versions.values()) == {tables[0]["version"], "test-doubled"}
    per_account: dict[str, dict] = {}
    for c in charges:
        a = per_account.setdefault(c["account"], {"charges": 0, "millicredits": 0})
        a["charges"] += 1
        a["millicredits"] += c["total"]
    assert per_account == identity
    # The support queue ran at 08:25 (old) and 08:30 (new): base 4 credits, then 8.
    support = {c["triggerId"]: c for c in charges if c["app"] == "support-queue"}
    base = {t[-6:-1]: next(i["amount"] for i in c["lineItems"] if i["item"] == "base") for t, c in support.items()}
    assert base["13:25"] == 4000 and base["13:30"] == 8000


def test_dev_whenPricingFileInvalid_exitsWith2NamingTheField(tmp_path):
    help_text = subprocess.run([almanac_bin(), "dev", "--help"], capture_output=True, text=True, timeout=30).stdout
    if "--pricing" not in help_text:
        pytest.skip("almanac dev has no --pricing option yet")
    bad = tmp_path / "pricing.yaml"
    bad.write_text((ROOT / "ops" / "pricing.yaml").read_text().replace("defaultAIModel: gpt-4o", "defaultAIModel: gpt-9", 1))
    result = subprocess.run([almanac_bin(), "dev", "--pricing", str(bad), "--state-directory", str(tmp_path / "state")],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2, result.stderr
    assert '[0].defaultAIModel: "gpt-9" is not one of aiModels' in result.stderr
