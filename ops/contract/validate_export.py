#!/usr/bin/env python3
"""Validate every message of `almanac dev --export` files against the JSON Schemas in schemas/.

Each line of an export is {"topic","partition","offset","key","value"} (value = the parsed JSON) or
{..., "valueBase64"} when the message was not JSON. For every message:

- the value is a JSON object whose `type` names an event with a schema
  (schemas/events/<noun.verb>.v1.json, chosen by `type`); on the dlq it must be almanac.event.rejected;
- it validates against that schema (draft 2020-12, formats checked: `time` is RFC 3339);
- it is on its event's topic, its Kafka key equals its `subject`, and the rules a schema cannot express
  hold: subject = data.app / data.config.app / job key / account, chargeId = triggerId,
  total = sum of the line items' amounts;
- with --check-partitioning, a keyed message sits on murmur2(key) % partitions (the Java and
  `murmur2_random` placement docs/design.md §2 promises, so kcat and Java producers agree with Almanac);
- with --strict, events Almanac wrote (source `almanac/...`) carry no field the schema does not name.

Messages the dlq names as rejected (by topic/partition/offset) are bad inputs by design: with
--skip-rejected they are counted, not validated. With --require-all, the union of the files must
contain every event type that Sources/AlmanacCore/Events/AlmanacEvent.swift lists.

Exit 0 when all is well; 1 naming each failure as `topic[partition]@offset (type): rule: message at
path`; 2 on usage errors.

    python3 ops/contract/validate_export.py run1.jsonl run2.jsonl --skip-rejected --require-all --strict
"""
from __future__ import annotations

import argparse
import base64
import copy
import json
import pathlib
import re
import sys
from collections import Counter
from dataclasses import dataclass, field

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_SCHEMAS = ROOT / "schemas"
DEFAULT_SWIFT = ROOT / "Sources" / "AlmanacCore" / "Events" / "AlmanacEvent.swift"
# docs/design.md §2 default partition counts (AlmanacTopics.swift).
DEFAULT_PARTITIONS = {"config": 6, "control": 6, "triggers": 12, "ticks": 1, "executions": 12, "charges": 12, "dlq": 1}


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 (Java `Utils.murmur2`, librdkafka `rd_murmur2`), as an unsigned 32-bit value."""
    m, r = 0x5BD1E995, 24
    length = len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(length // 4):
        k = int.from_bytes(data[i * 4:i * 4 + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = data[length & ~3:]
    if len(tail) >= 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if len(tail) >= 1:
        h ^= tail[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def partition_for(key: str, partitions: int) -> int:
    """The partition Java clients and librdkafka's `murmur2_random` pick for a non-null key."""
    return (murmur2(key.encode("utf-8")) & 0x7FFFFFFF) % partitions


def event_kinds(swift_file: pathlib.Path) -> dict[str, str]:
    """{type: topic} from AlmanacEvent.Kind: its raw values and its `topic` switch."""
    text = swift_file.read_text()
    kinds = dict(re.findall(r'case (\w+) = "(almanac\.[a-z]+\.[a-z]+)"', text))
    topics: dict[str, str] = {}
    start = text.find("var topic: String")
    block = text[start:text.find("\n        }\n", start)] if start >= 0 else ""
    for cases, topic in re.findall(r'case ((?:\.\w+)(?:, \.\w+)*): "(\w+)"', block):
        for case in re.findall(r"\.(\w+)", cases):
            if case in kinds:
                topics[kinds[case]] = topic
    if not kinds or set(topics) != set(kinds.values()):
        raise SystemExit(f"cannot read the event kinds and topics from {swift_file}")
    return topics


_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def format_checker() -> FormatChecker:
    """Draft 2020-12's checker; `date-time` checked even without the rfc3339-validator package."""
    checker = copy.deepcopy(Draft202012Validator.FORMAT_CHECKER)
    if "date-time" not in checker.checkers:
        import datetime

        @checker.checks("date-time")
        def _date_time(value) -> bool:
            if not isinstance(value, str):
                return True
            match = _RFC3339.match(value)
            if not match:
                return False
            try:
                datetime.datetime(*(int(g) for g in match.groups()[:5]), min(int(match.group(6)), 59))
            except ValueError:
                return False
            return True
    return checker


def _strictly(schema):
    """A copy in which every `additionalProperties: true` is false (undocumented fields fail)."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if node.get("additionalProperties") is True:
                node["additionalProperties"] = False
            if "propertyNames" in node:
                del node["propertyNames"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


@dataclass
class Schemas:
    by_type: dict[str, dict]
    validators: dict[str, Draft202012Validator]
    strict: dict[str, Draft202012Validator]
    app_config: dict | None
    pricing: dict | None

    @classmethod
    def load(cls, directory: pathlib.Path) -> "Schemas":
        by_type: dict[str, dict] = {}
        resources = []
        for path in sorted((directory / "events").glob("*.v1.json")):
            schema = json.loads(path.read_text())
            Draft202012Validator.check_schema(schema)
            noun_verb = path.name[: -len(".v1.json")]
            expected_id = f"https://almanac.dev/schemas/{noun_verb}/v1"
            if schema.get("$id") != expected_id:
                raise SystemExit(f"{path}: $id is {schema.get('$id')!r}, expected {expected_id!r}")
            by_type[f"almanac.{noun_verb}"] = schema
            resources.append((schema["$id"], Resource.from_contents(schema)))
        extra = {}
        for name in ("app-config.v1.json", "pricing.v1.json"):
            path = directory / name
            if path.exists():
                extra[name] = json.loads(path.read_text())
                Draft202012Validator.check_schema(extra[name])
                resources.append((extra[name]["$id"], Resource.from_contents(extra[name])))
        registry = Registry().with_resources(resources)
        checker = format_checker()

        def make(schema):
            return Draft202012Validator(schema, registry=registry, format_checker=checker)

        return cls(by_type=by_type,
                   validators={t: make(s) for t, s in by_type.items()},
                   strict={t: make(_strictly(s)) for t, s in by_type.items()},
                   app_config=extra.get("app-config.v1.json"), pricing=extra.get("pricing.v1.json"))


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    types: Counter = field(default_factory=Counter)
    topics: Counter = field(default_factory=Counter)
    messages: int = 0
    skipped_rejected: int = 0
    missing_types: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.missing_types


def _where(message: dict, type_: str | None = None) -> str:
    text = f"{message.get('topic')}[{message.get('partition')}]@{message.get('offset')}"
    return f"{text} ({type_})" if type_ else text


def _path(error) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)


def read_export(path: pathlib.Path) -> list[dict]:
    messages = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    messages.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise SystemExit(f"{path}:{number}: not a JSON line: {e}")
    return messages


def rejected_coordinates(messages: list[dict], prefix: str) -> set[tuple[str, int, int]]:
    """(topic, partition, offset) of every message the dlq says was rejected."""
    out = set()
    for m in messages:
        value = m.get("value")
        if m.get("topic") == prefix + "dlq" and isinstance(value, dict) and isinstance(value.get("data"), dict):
            d = value["data"]
            if {"topic", "partition", "offset"} <= d.keys():
                out.add((d["topic"], d["partition"], d["offset"]))
    return out


#: Almanac rejects any message larger than this unread (docs/events.md: too_large).
MESSAGE_LIMIT = 1_048_576


def oversized(m: dict) -> bool:
    """Whether a message is over the 1 MiB limit, so never accepted. The embedded broker stores such
    a message but keeps only ~5 MiB per partition, so whether the projector read it (and wrote its
    dlq record) before the broker dropped it is a race; the export may still have seen it."""
    value = m.get("value")
    size = len(value.encode()) if isinstance(value, str) else len(json.dumps(value, separators=(",", ":")).encode())
    return size > MESSAGE_LIMIT


def expected_subject(type_: str, data: dict):
    """What `subject` (= the Kafka key) must be, from data; None when not derivable."""
    noun = type_.split(".")[1]
    if type_ == "almanac.app.configured":
        return (data.get("config") or {}).get("app")
    if noun in ("app", "schedule"):
        return data.get("app")
    if noun == "job":
        job = data.get("job") or {}
        return f"{job.get('account')}/{job.get('app')}/{job.get('job')}"
    if noun == "tick":
        return "ticker"
    if noun == "credits":
        return data.get("account")
    if noun == "event":
        return data.get("key")
    return None


def check_message(m: dict, schemas: Schemas, kinds: dict[str, str], prefix: str, strict: bool,
                  partitions: dict[str, int] | None) -> list[str]:
    errors = []
    if "value" not in m:
        raw = base64.b64decode(m.get("valueBase64", ""))[:60]
        return [f"{_where(m)}: not-json: the value is not JSON (first bytes {raw!r})"]
    value = m["value"]
    if not isinstance(value, dict):
        return [f"{_where(m)}: not-cloudevent: the value is a JSON {type(value).__name__}, not an object"]
    type_ = value.get("type")
    if type_ not in schemas.by_type:
        return [f"{_where(m)}: unknown-type: no schema for type {type_!r} (schemas/events/<noun.verb>.v1.json)"]
    topic = m.get("topic", "")
    if topic == prefix + "dlq" and type_ != "almanac.event.rejected":
        errors.append(f"{_where(m, type_)}: dlq-type: the dlq holds only almanac.event.rejected")
    expected_topic = prefix + kinds.get(type_, "?")
    if topic != expected_topic:
        errors.append(f"{_where(m, type_)}: topic: {type_} belongs on {expected_topic}")
    source = value.get("source")
    validator = schemas.strict[type_] if strict and isinstance(source, str) and source.startswith("almanac/") else schemas.validators[type_]
    for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
        rule = "/".join(str(p) for p in error.absolute_schema_path)
        errors.append(f"{_where(m, type_)}: schema: {error.message} at {_path(error)} (rule {error.validator} at #/{rule})")
    data = value.get("data") if isinstance(value.get("data"), dict) else {}
    subject = value.get("subject")
    key = m.get("key")
    if subject is not None and key != subject:
        errors.append(f"{_where(m, type_)}: key: the Kafka key {key!r} is not the subject {subject!r}")
    if subject is None and key not in (None, ""):
        errors.append(f"{_where(m, type_)}: key: the message has Kafka key {key!r} but no subject")
    want = expected_subject(type_, data)
    if want is not None and subject is not None and subject != want:
        errors.append(f"{_where(m, type_)}: subject: {subject!r} should be {want!r} (from data)")
    if type_ == "almanac.credits.charged":
        if data.get("chargeId") != data.get("triggerId"):
            errors.append(f"{_where(m, type_)}: chargeId: {data.get('chargeId')!r} is not triggerId {data.get('triggerId')!r}")
        amounts = [i.get("amount") for i in data.get("lineItems", []) if isinstance(i, dict)]
        if all(isinstance(a, int) for a in amounts) and sum(amounts) != data.get("total"):
            errors.append(f"{_where(m, type_)}: total: {data.get('total')} is not the sum of the amounts ({sum(amounts)})")
    if partitions is not None and isinstance(key, str) and key:
        short = topic[len(prefix):] if topic.startswith(prefix) else topic
        count = partitions.get(short)
        if count and m.get("partition") != partition_for(key, count):
            errors.append(f"{_where(m, type_)}: partitioning: key {key!r} belongs on partition {partition_for(key, count)} "
                          f"of {count} (murmur2), not {m.get('partition')}")
    return errors


def validate_exports(paths: list[pathlib.Path], schemas_dir: pathlib.Path = DEFAULT_SCHEMAS, swift_file: pathlib.Path = DEFAULT_SWIFT,
                     prefix: str = "almanac.", skip_rejected: bool = False, require_all: bool = False, strict: bool = False,
                     partitions: dict[str, int] | None = None) -> Report:
    """Validates the messages of every export; the union of them for --require-all."""
    schemas = Schemas.load(schemas_dir)
    kinds = event_kinds(swift_file)
    report = Report()
    missing_schemas = sorted(set(kinds) - set(schemas.by_type))
    extra_schemas = sorted(set(schemas.by_type) - set(kinds))
    report.errors += [f"contract: event type {t} has no schema in {schemas_dir}/events" for t in missing_schemas]
    report.errors += [f"contract: schema for {t} but AlmanacEvent.swift has no such type" for t in extra_schemas]
    for path in paths:
        messages = read_export(path)
        skipped = rejected_coordinates(messages, prefix) if skip_rejected else set()
        for m in messages:
            report.messages += 1
            report.topics[m.get("topic")] += 1
            if (m.get("topic"), m.get("partition"), m.get("offset")) in skipped or (skip_rejected and oversized(m)):
                report.skipped_rejected += 1
                continue
            value = m.get("value")
            if isinstance(value, dict) and isinstance(value.get("type"), str):
                report.types[value["type"]] += 1
            report.errors += check_message(m, schemas, kinds, prefix, strict, partitions)
    if require_all:
        report.missing_types = sorted(t for t in kinds if report.types[t] == 0)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exports", nargs="+", type=pathlib.Path, help="export JSONL files (almanac dev --export)")
    parser.add_argument("--schemas", type=pathlib.Path, default=DEFAULT_SCHEMAS)
    parser.add_argument("--swift-events", type=pathlib.Path, default=DEFAULT_SWIFT, help="AlmanacEvent.swift, the list of event types")
    parser.add_argument("--prefix", default="almanac.", help="topic prefix")
    parser.add_argument("--skip-rejected", action="store_true", help="do not validate messages the dlq names as rejected")
    parser.add_argument("--require-all", action="store_true", help="every event type must appear at least once (over all files)")
    parser.add_argument("--strict", action="store_true", help="Almanac's own events (source almanac/...) carry only documented fields")
    parser.add_argument("--check-partitioning", action="store_true", help="keyed messages sit on murmur2(key) %% partitions")
    parser.add_argument("--max-errors", type=int, default=50)
    args = parser.parse_args(argv)
    for path in args.exports:
        if not path.exists():
            print(f"validate_export: no such file: {path}", file=sys.stderr)
            return 2
    report = validate_exports(args.exports, args.schemas, args.swift_events, args.prefix, args.skip_rejected, args.require_all,
                              args.strict, DEFAULT_PARTITIONS if args.check_partitioning else None)
    print(f"{report.messages} messages in {len(args.exports)} file(s); {report.skipped_rejected} rejected bad inputs skipped")
    for type_, count in sorted(report.types.items()):
        print(f"  {type_:28} {count}")
    for error in report.errors[: args.max_errors]:
        print(f"FAIL {error}")
    if len(report.errors) > args.max_errors:
        print(f"FAIL ... and {len(report.errors) - args.max_errors} more")
    if report.missing_types:
        print(f"FAIL --require-all: no message of type {', '.join(report.missing_types)}")
    print("OK" if report.ok else f"{len(report.errors) + (1 if report.missing_types else 0)} failure(s)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
