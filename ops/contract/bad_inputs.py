#!/usr/bin/env python3
"""A corpus of malformed messages for Almanac's config and control topics, each with the
RejectionReason the projector must give it (issue 5; docs/design.md §3).

Every bad message must land on the dlq as almanac.event.rejected with that reason, its original
topic, partition, offset and key, and its bytes (base64, first 64 KiB); nothing else may change.
Tests/EndToEndTests/test_contract.py publishes the corpus between valid events onto a running
`almanac dev` and checks all of that. By hand:

    almanac dev --state-directory /tmp/s &            # wait for "clock is running"
    python3 ops/contract/bad_inputs.py --state-directory /tmp/s            # publish, wait, compare
    python3 ops/contract/bad_inputs.py --list                              # just list the cases

About sizes: the projector rejects anything over 1 MiB unread (too_large); the corpus has 1 MiB + 1
byte and 2 MiB. A 10 MB message needs the producer's message.max.bytes raised (set here); then a
real broker with its default max.message.bytes (1 MiB) refuses it (MSG_SIZE_TOO_LARGE: nothing to
reject), and the embedded broker (librdkafka's mock cluster) accepts it but keeps only ~5 MiB per
partition, so it is dropped at once and never read. Its `fate` is therefore "broker": the test
accepts either outcome, or a too_large rejection from a broker that stored it.
"""
from __future__ import annotations

import argparse
import base64
import gzip
import json
import pathlib
import random
import sys
import time
import uuid
from dataclasses import dataclass, field

SCHEMAS = "https://almanac.dev/schemas"
MiB = 1 << 20


@dataclass(frozen=True)
class BadInput:
    """One malformed message and what Almanac must do with it."""
    name: str
    #: Short topic name: `config` or `control`.
    topic: str
    value: bytes | None
    #: The expected RejectionReason raw value (ChargeEvents.swift).
    reason: str
    key: bytes | None = b"bad-input"
    #: Text the dlq detail must contain (case-sensitive), so the reason is actionable.
    detail: str = ""
    #: "dlq": must be rejected; "broker": the broker may refuse or drop it before any consumer sees it.
    fate: str = "dlq"


def event(type_: str, data, time_: str, *, subject: str | None = None, id_: str | None = None,
          dataschema: str | None = None, extra: dict | None = None, source: str = "contract-test") -> dict:
    """A well-formed CloudEvent (structured JSON) as Almanac writes it."""
    noun_verb = type_.removeprefix("almanac.")
    value = {"specversion": "1.0", "id": id_ or str(uuid.uuid4()), "source": source, "type": type_, "time": time_,
             "datacontenttype": "application/json", "dataschema": dataschema or f"{SCHEMAS}/{noun_verb}/v1", "data": data}
    if subject is not None:
        value["subject"] = subject
    value.update(extra or {})
    return value


def encode(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def pause(app: str, time_: str, **kwargs) -> dict:
    return event("almanac.schedule.paused", {"app": app, "actor": "contract-test"}, time_, subject=app, **kwargs)


def config(app: str, account: str, jobs: list, time_: str, **kwargs) -> dict:
    return event("almanac.app.configured", {"config": {"app": app, "account": account, "jobs": jobs}}, time_, subject=app, **kwargs)


def job(**fields) -> dict:
    return {"name": "probe", "schedule": "*:*", "command": ["/bin/true"], **fields}


def corpus(now: str, app: str = "support-queue", account: str = "helpdesk-co") -> list[BadInput]:
    """The cases. `now` stamps the events (RFC 3339 UTC); `app` (of `account`) is a configured app,
    used where a case must name something real (so only the defect under test is wrong)."""
    k = app.encode()
    good = pause(app, now)
    text = encode(good).decode()
    cafe = encode(pause(app, now, extra={"note": "café"}))
    e_acute = cafe.index("é".encode())
    two_mib_env = {f"VAR_{i}": "x" * 1000 for i in range(2 * 1024)}
    rnd = random.Random(5)

    def replaced(old: str, new: str) -> bytes:
        assert old in text, old
        return text.replace(old, new, 1).encode()

    def without(name: str) -> bytes:
        value = dict(good)
        del value[name]
        return encode(value)

    def bad_config(key: str, **fields) -> bytes:
        return encode(config(key, "contract-co", [job(**fields)], now))

    cases = [
        # Not JSON: Almanac cannot even read it.
        BadInput("plain text", "control", b"pause support-queue please", "not_json", k, "byte 0"),
        BadInput("empty value", "control", b"", "not_json", k, "empty"),
        BadInput("tombstone (null value)", "config", None, "not_json", k, "empty"),
        BadInput("truncated JSON", "control", text[: len(text) // 2].encode(), "not_json", k, "truncated"),
        BadInput("truncated UTF-8 at the end", "control", cafe[: e_acute + 1], "not_json", k, "ends inside a multi-byte character"),
        BadInput("broken UTF-8 inside a string", "control", cafe[: e_acute + 1] + cafe[e_acute + 2:], "not_json", k, "not valid UTF-8 at byte"),
        BadInput("Latin-1 text", "control", cafe.decode().encode("latin-1"), "not_json", k, "not valid UTF-8"),
        BadInput("UTF-16", "control", text.encode("utf-16-le"), "not_json", k, "UTF-16"),
        BadInput("UTF-8 byte order mark", "control", b"\xef\xbb\xbf" + text.encode(), "not_json", k, "byte order mark"),
        BadInput("10,000 nested arrays", "control", encode(pause(app, now))[:-1] + b',"x":' + b"[" * 10_000 + b"]" * 10_000 + b"}",
                 "not_json", k, "nested deeper than 64"),
        BadInput("1,000 nested objects", "config", b'{"a":' * 1000 + b"1" + b"}" * 1000, "not_json", b"bad-nesting", "nested deeper than 64"),
        BadInput("trailing comma", "control", replaced(f'"app":"{app}"}}', f'"app":"{app}",}}'), "not_json", k, "trailing comma"),
        BadInput("NaN", "control", replaced('"actor":"contract-test"', '"actor":NaN'), "not_json", k, "NaN"),
        BadInput("single quotes", "control", text.replace('"', "'").encode(), "not_json", k, "quoted key"),
        BadInput("two events in one message", "control", (text + text).encode(), "not_json", k, "after the end of the JSON value"),
        BadInput("comment", "control", replaced('{"data"', '{/* pause */"data"'), "not_json", k, "byte 1"),
        BadInput("unpaired surrogate escape", "control", replaced('"actor":"contract-test"', '"actor":"\\ud800"'), "not_json", k, "unpaired surrogate"),
        BadInput("raw newline in a string", "control", replaced('"actor":"contract-test"', '"actor":"contract\ntest"'), "not_json", k, "control character 0x0A"),
        BadInput("random binary", "config", bytes(rnd.randrange(256) for _ in range(512)), "not_json", b"bad-binary", "UTF-8"),
        BadInput("gzip-compressed event", "control", gzip.compress(text.encode(), mtime=0), "not_json", k, "UTF-8"),
        BadInput("no key, not JSON", "control", b"<pause app='support-queue'/>", "not_json", None, "byte 0"),
        BadInput("key not UTF-8", "control", b"not JSON either", "not_json", b"\xff\xfebad-key", "byte 0"),
        # JSON, but not a CloudEvent.
        BadInput("JSON array", "control", b'["pause","support-queue"]', "not_cloudevent", k, "a JSON array"),
        BadInput("JSON string", "control", b'"pause support-queue"', "not_cloudevent", k, "a JSON string"),
        BadInput("JSON null", "config", b"null", "not_cloudevent", k, "a JSON null"),
        BadInput("JSON number", "config", b"42", "not_cloudevent", k, "a JSON number"),
        BadInput("bare data, no envelope", "control", encode({"app": app}), "not_cloudevent", k, '"specversion"'),
        BadInput("no specversion", "control", without("specversion"), "not_cloudevent", k, '"specversion"'),
        BadInput("specversion 0.3", "control", replaced('"specversion":"1.0"', '"specversion":"0.3"'), "not_cloudevent", k, '"0.3" is not 1.0'),
        BadInput("id is a number", "control", replaced(f'"id":"{good["id"]}"', '"id":17'), "not_cloudevent", k, "id: expected a string"),
        BadInput("empty source", "control", replaced('"source":"contract-test"', '"source":""'), "not_cloudevent", k, '"source" is empty'),
        BadInput("no type", "control", without("type"), "not_cloudevent", k, '"type"'),
        # Unknown type.
        BadInput("unknown Almanac type", "control", encode(event("almanac.app.deleted", {"app": app}, now, subject=app)),
                 "unknown_type", k, "almanac.app.deleted"),
        BadInput("foreign type", "config", encode(event("com.example.order.created", {"order": 1}, now, subject="o-1")),
                 "unknown_type", b"o-1", "com.example.order.created"),
        BadInput("type in the wrong case", "control", replaced('"almanac.schedule.paused"', '"Almanac.Schedule.Paused"'),
                 "unknown_type", k, "Almanac.Schedule.Paused"),
        # A newer major version.
        BadInput("v2 pause", "control", encode(pause(app, now, dataschema=f"{SCHEMAS}/schedule.paused/v2")),
                 "unsupported_major_version", k, "unsupported major version 2"),
        BadInput("v3 config of another shape", "config", encode(event("almanac.app.configured", {"application": {"id": "v3-app"}}, now,
                 subject="v3-app", dataschema=f"{SCHEMAS}/app.configured/v3")), "unsupported_major_version", b"v3-app", "major version 3"),
        # Well-formed JSON that breaks the schema.
        BadInput("duplicate key in data", "control", replaced(f'"app":"{app}"', f'"app":"{app}","app":"clinic-reminders"'),
                 "schema_violation", k, 'duplicate key "app"'),
        BadInput("duplicate envelope attribute", "control", replaced('"type":"almanac.schedule.paused"',
                 '"type":"almanac.schedule.paused","type":"almanac.schedule.resumed"'), "schema_violation", k, 'duplicate key "type"'),
        BadInput("app is a number", "control", replaced(f'"app":"{app}"', '"app":5'), "schema_violation", k, "data.app: expected a string"),
        BadInput("no data", "control", without("data"), "schema_violation", k, '"data"'),
        BadInput("no time", "control", without("time"), "schema_violation", k, '"time"'),
        BadInput("time not RFC 3339", "control", replaced(f'"time":"{now}"', '"time":"yesterday at noon"'), "schema_violation", k,
                 'time "yesterday at noon"'),
        BadInput("dataschema of another type", "control", encode(pause(app, now, dataschema=f"{SCHEMAS}/job.triggered/v1")),
                 "schema_violation", k, "not a schema of almanac.schedule.paused"),
        BadInput("subject is another app", "control", replaced(f'"subject":"{app}"', '"subject":"clinic-reminders"'),
                 "schema_violation", k, 'subject "clinic-reminders"'),
        BadInput("data_base64 instead of data", "control", encode({**{a: v for a, v in good.items() if a != "data"},
                 "data_base64": base64.b64encode(encode(good["data"])).decode()}), "schema_violation", k, "data_base64"),
        BadInput("datacontenttype XML", "control", replaced('"datacontenttype":"application/json"', '"datacontenttype":"application/xml"'),
                 "schema_violation", k, "application/xml"),
        BadInput("config without jobs", "config", encode(event("almanac.app.configured", {"config": {"app": "no-jobs", "account": "contract-co"}},
                 now, subject="no-jobs")), "schema_violation", b"no-jobs", 'missing required field "jobs"'),
        BadInput("unknown config key", "config", encode(config("owner-app", "contract-co", [job()], now) | {}).replace(
                 b'"account":"contract-co"', b'"account":"contract-co","owner":"bob"'), "schema_violation", b"owner-app", 'unknown key "owner"'),
        BadInput("complexity as a string", "config", bad_config("string-app", complexity="3"), "schema_violation", b"string-app",
                 "complexity: expected an integer"),
        BadInput("fractional complexity", "config", bad_config("fraction-app", complexity=2.5), "schema_violation", b"fraction-app",
                 "complexity: 2.5"),
        BadInput("unknown overlap policy", "config", bad_config("overlap-app", overlap="sometimes"), "schema_violation", b"overlap-app",
                 '"sometimes" is not a valid OverlapPolicy'),
        # Semantically invalid data.
        BadInput("unparsable schedule", "config", bad_config("schedule-app", schedule="25:99"), "invalid_data", b"schedule-app",
                 "data.config.jobs[0].schedule"),
        BadInput("cron with six fields", "config", bad_config("cron-app", schedule="0 0 9 * * *"), "invalid_data", b"cron-app",
                 "data.config.jobs[0].schedule"),
        BadInput("unknown time zone", "config", encode(event("almanac.app.configured", {"config": {"app": "zone-app", "account": "contract-co",
                 "timeZone": "America/Springfield", "jobs": [job()]}}, now, subject="zone-app")), "invalid_data", b"zone-app",
                 'unknown IANA time zone "America/Springfield"'),
        BadInput("complexity 11", "config", bad_config("eleven-app", complexity=11), "invalid_data", b"eleven-app", "11 is outside the allowed range 1-10"),
        BadInput("complexity 0", "config", bad_config("zero-app", complexity=0), "invalid_data", b"zero-app", "0 is outside the allowed range 1-10"),
        BadInput("negative retries", "config", bad_config("retry-app", retries=-1), "invalid_data", b"retry-app", "retries"),
        BadInput("negative catch-up window", "config", bad_config("window-app", catchUpWindowSeconds=-60), "invalid_data", b"window-app",
                 "catchUpWindowSeconds"),
        BadInput("empty command", "config", bad_config("command-app", command=[]), "invalid_data", b"command-app", "command"),
        BadInput("no jobs", "config", encode(config("empty-app", "contract-co", [], now)), "invalid_data", b"empty-app", "at least one job"),
        BadInput("app id with a space", "config", encode(config("bad app", "contract-co", [job()], now)), "invalid_data", b"bad app",
                 "is not a valid id"),
        BadInput("negative usage", "control", encode(event("almanac.job.completed", {
                 "triggerId": f"{account}/{app}/triage-tickets@2026-03-02T13:00Z", "executionId": "e-1",
                 "job": {"account": account, "app": app, "job": "triage-tickets"}, "status": "succeeded", "attempt": 1,
                 "startedAt": now, "finishedAt": now, "durationMilliseconds": 0, "usage": {"ai": [], "emails": -3, "sms": 0},
                 "followUps": [], "stdoutTail": "", "stderrTail": ""}, now, subject=f"{account}/{app}/triage-tickets")),
                 "invalid_data", f"{account}/{app}/triage-tickets".encode(), "data.usage.emails: -3 is negative"),
        BadInput("empty app in a pause", "control", encode(event("almanac.schedule.paused", {"app": ""}, now)), "invalid_data", b"", "data.app"),
        BadInput("pause of a job the app does not have", "control", encode(event("almanac.schedule.paused", {"app": app, "job": "no-such-job"},
                 now, subject=app)), "invalid_data", k, 'has no job "no-such-job"'),
        # Well-formed, but about nothing that exists.
        BadInput("pause for an app that does not exist", "control", encode(pause("no-such-app", now)), "unknown_app", b"no-such-app",
                 'app "no-such-app" is not configured'),
        BadInput("resume for an app that does not exist", "control", encode(event("almanac.schedule.resumed", {"app": "ghost-app"}, now,
                 subject="ghost-app")), "unknown_app", b"ghost-app", "ghost-app"),
        # Valid events on the wrong topic: never applied.
        BadInput("pause on the config topic", "config", encode(pause("inventory-sync", now)), "wrong_topic", b"inventory-sync",
                 "does not belong on almanac.config"),
        BadInput("config on the control topic", "control", encode(config("wrong-topic-app", "contract-co", [job()], now)), "wrong_topic",
                 b"wrong-topic-app", "does not belong on almanac.control"),
        # Too large: rejected unread.
        BadInput("1 MiB + 1 byte", "control", (text[:-1] + " " * (MiB + 1 - len(text)) + "}").encode(), "too_large", k, "1048577 bytes"),
        BadInput("2 MiB config", "config", encode(config("huge-app", "contract-co", [job(env=two_mib_env)], now)), "too_large", b"huge-app",
                 "the limit is 1048576"),
    ]
    assert len({c.name for c in cases}) == len(cases)
    return cases


def ten_megabytes(now: str, app: str) -> BadInput:
    """The 10 MB case; see the module doc for why its fate is "broker"."""
    value = encode(pause(app, now, extra={"padding": "x" * 10_000_000}))
    return BadInput("10 MB pause", "control", value, "too_large", b"ten-megabytes", "bytes; the limit is 1048576", fate="broker")


def producer_config(brokers: str) -> dict:
    """confluent-kafka settings: Almanac's partitioner (murmur2_random, docs/design.md §2) and room for 10 MB."""
    return {"bootstrap.servers": brokers, "partitioner": "murmur2_random", "message.max.bytes": 20_000_000,
            "linger.ms": 0, "enable.idempotence": True, "acks": "all"}


@dataclass
class Delivered:
    """Where a message landed, or why the broker refused it."""
    item: BadInput | None
    topic: str
    key: bytes | None
    value: bytes | None
    partition: int = -1
    offset: int = -1
    error: str | None = None


def publish(producer, prefix: str, messages: list[tuple[BadInput | None, str, bytes | None, bytes | None, int | None]],
            timeout: float = 30) -> list[Delivered]:
    """Publishes (item, short topic, key, value, partition or None) in order; waits for every delivery report."""
    results: list[Delivered] = []
    for item, topic, key, value, partition in messages:
        d = Delivered(item, prefix + topic, key, value)
        results.append(d)

        def report(err, msg, d=d):
            if err is not None:
                d.error = str(err)
            else:
                d.partition, d.offset = msg.partition(), msg.offset()
        kwargs = {"partition": partition} if partition is not None else {}
        try:
            producer.produce(prefix + topic, value=value, key=key, on_delivery=report, **kwargs)
        except Exception as e:  # BufferError, KafkaException(MSG_SIZE_TOO_LARGE) raised before sending
            d.error = str(e)
        producer.poll(0)
    remaining = producer.flush(timeout)
    if remaining:
        raise RuntimeError(f"{remaining} message(s) not delivered within {timeout} s")
    return results


def check_rejections(delivered: list[Delivered], dlq_values: list[dict]) -> list[str]:
    """Compares each delivered bad message with its dlq event.rejected; returns the problems."""
    by_coordinates = {}
    for value in dlq_values:
        data = value.get("data") or {}
        by_coordinates.setdefault((data.get("topic"), data.get("partition"), data.get("offset")), []).append(value)
    problems = []
    for d in delivered:
        item = d.item
        if item is None:
            continue
        where = f"{item.name!r} ({d.topic}[{d.partition}]@{d.offset})"
        if d.error is not None:
            if item.fate != "broker":
                problems.append(f"{where}: the broker refused it: {d.error}")
            continue
        found = by_coordinates.get((d.topic, d.partition, d.offset), [])
        if not found:
            if item.fate != "broker":
                problems.append(f"{where}: no event.rejected on the dlq")
            continue
        if len(found) > 1:
            problems.append(f"{where}: rejected {len(found)} times")
        value = found[0]
        data = value["data"]
        if data.get("reason") != item.reason:
            problems.append(f"{where}: reason {data.get('reason')!r}, expected {item.reason!r} (detail: {data.get('detail')})")
        if item.detail and item.detail not in data.get("detail", ""):
            problems.append(f"{where}: detail {data.get('detail')!r} does not mention {item.detail!r}")
        expected_key = None if d.key is None else d.key.decode("utf-8", "replace")
        if data.get("key") != expected_key:
            problems.append(f"{where}: key {data.get('key')!r}, expected {expected_key!r}")
        raw = d.value or b""
        if base64.b64decode(data.get("rawBase64", "")) != raw[: 64 * 1024]:
            problems.append(f"{where}: rawBase64 is not the first 64 KiB of the original bytes")
        if data.get("truncated") != (len(raw) > 64 * 1024):
            problems.append(f"{where}: truncated is {data.get('truncated')}, the original has {len(raw)} bytes")
        if data.get("rejectedBy") != "projector":
            problems.append(f"{where}: rejectedBy {data.get('rejectedBy')!r}")
    return problems


def simulated_now(state_directory: pathlib.Path) -> str:
    """`almanac dev`'s simulated now (from dev.json), RFC 3339 UTC with milliseconds."""
    import datetime as dt
    state = json.loads((state_directory / "dev.json").read_text())
    start = dt.datetime.fromisoformat(state["clockStart"].replace("Z", "+00:00"))
    now = start + dt.timedelta(seconds=(time.time() - state["realAnchor"]) * state["speed"])
    return now.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _read_dlq(brokers: str, topic: str, expected: int, timeout: float) -> list[dict]:
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"bad-inputs-{uuid.uuid4()}", "enable.auto.commit": False,
                         "fetch.message.max.bytes": 2_000_000})
    consumer.assign([TopicPartition(topic, 0, 0)])
    values, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline and len(values) < expected:
        message = consumer.poll(0.2)
        if message is not None and message.error() is None:
            values.append(json.loads(message.value()))
    consumer.close()
    return values


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Publish the bad-input corpus to a running almanac dev and check the dlq.")
    parser.add_argument("--state-directory", type=pathlib.Path, default=pathlib.Path(".almanac"))
    parser.add_argument("--list", action="store_true", help="only list the cases")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args(argv)
    now = "2026-03-02T13:00:00.000Z" if args.list else simulated_now(args.state_directory)
    cases = corpus(now)
    if args.list:
        for c in cases:
            print(f"{c.reason:26} {c.topic:8} {c.name}")
        print(f"{len(cases)} cases")
        return 0
    from confluent_kafka import Producer
    state = json.loads((args.state_directory / "dev.json").read_text())
    producer = Producer(producer_config(state["brokers"]))
    delivered = publish(producer, state["topicPrefix"], [(c, c.topic, c.key, c.value, None) for c in cases])
    dlq = [v for v in _read_dlq(state["brokers"], state["topicPrefix"] + "dlq", len(cases), args.timeout)
           if v.get("data", {}).get("topic", "").startswith(state["topicPrefix"])]
    problems = check_rejections(delivered, dlq)
    for p in problems:
        print(f"FAIL {p}")
    print(f"{len(cases)} bad inputs published; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
