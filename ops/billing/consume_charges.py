#!/usr/bin/env python3
"""A downstream billing consumer that is not Almanac: totals per account from `almanac.charges`.

It reads every partition of the charges topic from the beginning to the end offsets it finds at
start, with isolation.level=read_committed, and counts each chargeId once: the first copy in the
log wins (all copies of a charge share its account key, hence one partition, hence one order).
Later copies are duplicates; a copy whose amounts differ from the first is also reported as a
conflict. Messages that are not a valid v1 `almanac.credits.charged` event are skipped and
counted, never fatal. Money is integer millicredits (1 credit = 1000).

    ops/billing/consume_charges.py --brokers localhost:9092 --json
    ops/billing/consume_charges.py --state-directory .almanac      # the broker of `almanac dev`

Needs confluent-kafka (ops/requirements.txt). Exit codes: 0 ok, 1 Kafka failure, 2 bad usage.
"""
import argparse
import json
import logging
import pathlib
import sys
import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

CHARGE_TYPE = "almanac.credits.charged"
SCHEMA_PREFIX = "https://almanac.dev/schemas/credits.charged/v"


class Totals:
    """Charges counted once per chargeId, summed per account."""

    def __init__(self):
        self.accounts: dict[str, dict[str, int]] = {}
        self.first: dict[str, tuple] = {}
        self.messages = 0
        self.duplicates = 0
        self.conflicts: list[str] = []
        self.skipped = 0

    def add(self, raw: bytes | None) -> None:
        self.messages += 1
        charge = parse_charge(raw)
        if charge is None:
            self.skipped += 1
            return
        fingerprint = (charge["account"], charge["app"], charge["job"], charge["pricingVersion"], charge["total"],
                       json.dumps(charge["lineItems"], sort_keys=True))
        charge_id = charge["chargeId"]
        if charge_id in self.first:
            self.duplicates += 1
            if self.first[charge_id] != fingerprint:
                self.conflicts.append(charge_id)
            return
        self.first[charge_id] = fingerprint
        account = self.accounts.setdefault(charge["account"], {"charges": 0, "millicredits": 0})
        account["charges"] += 1
        account["millicredits"] += charge["total"]

    def document(self) -> dict:
        return {
            "unit": "millicredits",
            "accounts": dict(sorted(self.accounts.items())),
            "total": {"charges": sum(a["charges"] for a in self.accounts.values()),
                      "millicredits": sum(a["millicredits"] for a in self.accounts.values())},
            "log": {"messages": self.messages, "distinctCharges": len(self.first), "duplicates": self.duplicates,
                    "conflicts": len(self.conflicts), "skipped": self.skipped},
            "conflictingChargeIds": self.conflicts[:100],
        }


def parse_charge(raw: bytes | None) -> dict | None:
    """The `data` of a v1 credits.charged CloudEvent whose total is its line items' sum, else None."""
    try:
        event = json.loads(raw)
    except (TypeError, ValueError):
        return None
    if not isinstance(event, dict) or event.get("specversion") != "1.0" or event.get("type") != CHARGE_TYPE:
        return None
    schema = event.get("dataschema", "")
    if not schema.startswith(SCHEMA_PREFIX) or schema[len(SCHEMA_PREFIX):] != "1":
        return None  # a newer major version: not ours to guess at
    data = event.get("data")
    if not isinstance(data, dict):
        return None
    ids = ("chargeId", "account", "app", "job", "pricingVersion")
    if not all(isinstance(data.get(k), str) and data[k] for k in ids):
        return None
    items = data.get("lineItems")
    total = data.get("total")

    def whole(n):
        return isinstance(n, int) and not isinstance(n, bool) and n >= 0

    if not whole(total) or not isinstance(items, list) or not items:
        return None
    if not all(isinstance(i, dict) and whole(i.get("amount")) for i in items):
        return None
    if sum(i["amount"] for i in items) != total:
        return None
    return data


def read_to_end(brokers: str, topic: str, totals: Totals, extra: dict[str, str], stall_seconds: float,
                verbose: bool = False) -> int:
    """Reads every partition of `topic` up to its end offset at start; returns the partition count."""
    log = logging.getLogger("consume_charges.librdkafka")
    log.addHandler(logging.StreamHandler(sys.stderr))
    log.setLevel(logging.DEBUG if verbose else logging.CRITICAL)  # connection retries are noise unless asked
    consumer = Consumer({
        "bootstrap.servers": brokers,
        # Never subscribes or commits: the group id is only a label.
        "group.id": f"billing-consumer-{uuid.uuid4()}",
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
        "enable.partition.eof": True,
        "auto.offset.reset": "earliest",
        **extra,
    }, logger=log)
    try:
        metadata = consumer.list_topics(topic, timeout=10)
        info = metadata.topics.get(topic)
        if info is None or info.error is not None or not info.partitions:
            raise KafkaException(f"topic {topic} does not exist on {brokers}")
        partitions = sorted(info.partitions)
        ends = {}
        for p in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)
            if high > low:
                ends[p] = high
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends])
        remaining = set(ends)
        last_progress = time.monotonic()
        while remaining:
            message = consumer.poll(0.5)
            if message is None:
                if time.monotonic() - last_progress > stall_seconds:
                    raise KafkaException(f"no progress for {stall_seconds:.0f} s on partitions {sorted(remaining)} of {topic}")
                continue
            last_progress = time.monotonic()
            p = message.partition()
            if message.error():
                if message.error().code() == KafkaError._PARTITION_EOF:
                    # The end at read_committed (past transaction markers): done if the snapshot is covered.
                    if p in remaining and message.offset() >= ends[p]:
                        remaining.discard(p)
                    continue
                raise KafkaException(message.error())
            if p not in remaining or message.offset() >= ends[p]:
                continue
            totals.add(message.value())
            if message.offset() + 1 >= ends[p]:
                remaining.discard(p)
        return len(partitions)
    finally:
        consumer.close()


def render_text(document: dict) -> str:
    rows = [("account", "charges", "credits")]
    for account, t in document["accounts"].items():
        rows.append((account, str(t["charges"]), credits(t["millicredits"])))
    rows.append(("total", str(document["total"]["charges"]), credits(document["total"]["millicredits"])))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}" for r in rows)


def credits(millicredits: int) -> str:
    sign = "-" if millicredits < 0 else ""
    whole, fraction = divmod(abs(millicredits), 1000)
    return f"{sign}{whole}.{fraction:03d}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--brokers", help="bootstrap servers; default: the broker of `almanac dev` (STATE/dev.brokers)")
    parser.add_argument("--state-directory", default=".almanac", help="folder of `almanac dev` state (default .almanac)")
    parser.add_argument("--topic", default="almanac.charges", help="charges topic (default almanac.charges)")
    parser.add_argument("--property", action="append", default=[], metavar="KEY=VALUE",
                        help="extra librdkafka property, e.g. security.protocol=SASL_SSL (repeatable)")
    parser.add_argument("--stall-seconds", type=float, default=30, help="give up after this long without a message")
    parser.add_argument("--json", action="store_true", help="print JSON (integer millicredits)")
    parser.add_argument("--verbose", action="store_true", help="show librdkafka's log on stderr")
    args = parser.parse_args(argv)

    brokers = args.brokers
    if brokers is None:
        path = pathlib.Path(args.state_directory) / "dev.brokers"
        try:
            brokers = path.read_text().strip()
        except OSError:
            parser.error(f"no broker: pass --brokers or start `almanac dev` (which writes {path})")
    extra = {}
    for item in args.property:
        key, sep, value = item.partition("=")
        if not sep or not key:
            parser.error(f"--property {item!r} is not KEY=VALUE")
        extra[key] = value

    totals = Totals()
    try:
        partitions = read_to_end(brokers, args.topic, totals, extra, args.stall_seconds, args.verbose)
    except KafkaException as error:
        print(f"consume_charges: {error}", file=sys.stderr)
        return 1
    document = totals.document()
    print(json.dumps(document, indent=2, sort_keys=True) if args.json else render_text(document))
    log = document["log"]
    line = (f"consume_charges: read {log['messages']} message(s) from {partitions} partition(s) of {args.topic}; "
            f"{log['distinctCharges']} distinct charge(s), {log['duplicates']} duplicate(s) ignored")
    if log["conflicts"]:
        line += f" ({log['conflicts']} with different amounts)"
    if log["skipped"]:
        line += f", {log['skipped']} message(s) that are not charges skipped"
    print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
