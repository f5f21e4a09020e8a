"""Support for the worker end-to-end tests (issue 6); holds no tests itself.

`Cluster` runs `almanac dev --roles none` (the embedded broker, the app files, the dev clock) and
any number of real worker processes (`almanac run --roles worker`) against it; `Log` tails every
topic with confluent-kafka so tests await conditions instead of sleeping; `publish_triggers` writes
`job.triggered` events the way any Kafka client may (CloudEvents, murmur2 placement)."""
from __future__ import annotations

import collections
import datetime as dt
import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

from conftest import ROOT, almanac_bin

sys.path.insert(0, str(ROOT / "ops" / "contract"))
from validate_export import murmur2  # noqa: E402  (one copy of Kafka's murmur2: ops/contract)

PARTITIONS = {"triggers": 12, "executions": 12, "charges": 12, "dlq": 1, "ticks": 1}


def partition_of(key: str, partitions: int = 12) -> int:
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def job_names_on_partition(account: str, app: str, partition: int, count: int, prefix: str = "job") -> list[str]:
    """`count` job names whose keys `account/app/<name>` land on `partition` of `triggers`."""
    names, n = [], 0
    while len(names) < count:
        name = f"{prefix}{n}"
        if partition_of(f"{account}/{app}/{name}") == partition:
            names.append(name)
        n += 1
    return names


def utc(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def envelope(type_: str, subject: str, data: dict, event_id: str, time_: dt.datetime) -> dict:
    noun_verb = type_.removeprefix("almanac.")
    return {"specversion": "1.0", "id": event_id, "source": "almanac-tests", "type": type_, "subject": subject,
            "time": utc(time_), "datacontenttype": "application/json",
            "dataschema": f"https://almanac.dev/schemas/{noun_verb}/v1", "data": data}


class Log:
    """Every message of the given topics from offset 0, decoded, with the real time it was read.

    `events` holds dicts {"topic", "partition", "offset", "key", "value", "seen"}; `wait` polls a
    predicate over them (no fixed sleeps)."""

    def __init__(self, brokers: str, prefix: str = "almanac.", topics=("triggers", "executions", "charges", "dlq", "ticks")):
        self.events: list[dict] = []
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"tests-{uuid.uuid4()}",
                                  "enable.auto.commit": False, "fetch.wait.max.ms": 20})
        self.tps = [TopicPartition(prefix + t, p, OFFSET_BEGINNING) for t in topics for p in range(PARTITIONS[t])]
        self.consumer.assign(self.tps)
        # Fetch positions {(topic, partition): next offset}, updated by the reader thread (which owns
        # the consumer: confluent-kafka consumers must not be shared between threads).
        self.positions: dict = {}
        self.prefix = prefix
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopped.is_set():
            for m in self.consumer.consume(1000, 0.1):
                if m.error():
                    continue
                try:
                    value = json.loads(m.value())
                except ValueError:
                    value = None
                record = {"topic": m.topic().removeprefix(self.prefix), "partition": m.partition(), "offset": m.offset(),
                          "key": m.key().decode() if m.key() else None, "value": value, "seen": time.time()}
                with self.lock:
                    self.events.append(record)
            self.positions = {(p.topic, p.partition): p.offset for p in self.consumer.position(self.tps)}
        self.consumer.close()

    def snapshot(self) -> list[dict]:
        with self.lock:
            return list(self.events)

    def of(self, type_: str) -> list[dict]:
        """Records of one event type (`almanac.job.completed` …)."""
        return [e for e in self.snapshot() if isinstance(e["value"], dict) and e["value"].get("type") == type_]

    def data(self, type_: str) -> list[dict]:
        return [e["value"]["data"] for e in self.of(type_)]

    def wait(self, predicate, timeout: float, what: str, procs=()):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            for p in procs:
                if p.poll() is not None and not getattr(p, "expected_exit", False):
                    raise AssertionError(f"{p.args[:4]} exited with {p.returncode} while waiting for {what}: {''.join(p.log[-20:])}")
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")

    def close(self):
        self.stopped.set()
        self.thread.join(timeout=10)


class Cluster:
    """An embedded broker with apps (`almanac dev --roles none`) and worker processes."""

    def __init__(self, tmp: pathlib.Path, apps: dict[str, str], speed: float = 1.0, extra_dev_args=()):
        self.tmp = tmp
        self.state = tmp / "state"
        apps_dir = tmp / "apps"
        apps_dir.mkdir(exist_ok=True)
        for name, text in apps.items():
            (apps_dir / name).write_text(text)
        self.dev = subprocess.Popen([almanac_bin(), "dev", "--roles", "none", "--apps", str(apps_dir), "--state-directory",
                                     str(self.state), "--speed", str(speed), "--quiet", *extra_dev_args],
                                    cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.dev.log = []
        threading.Thread(target=lambda: self.dev.log.extend(self.dev.stdout), daemon=True).start()
        deadline = time.monotonic() + 60
        while not any("clock is running" in line for line in list(self.dev.log)):
            assert self.dev.poll() is None, "".join(self.dev.log)
            assert time.monotonic() < deadline, "almanac dev did not start: " + "".join(self.dev.log)
            time.sleep(0.05)
        state = json.loads((self.state / "dev.json").read_text())
        self.brokers = state["brokers"]
        self.speed = state["speed"]
        self.clock_start = dt.datetime.fromisoformat(state["clockStart"].replace("Z", "+00:00"))
        self.real_anchor = state["realAnchor"]
        self.kafka_config = tmp / "worker.properties"
        # Quick failure detection for kill tests: a killed worker's partitions move after 3 s.
        self.kafka_config.write_text("session.timeout.ms=3000\nheartbeat.interval.ms=300\n")
        self.producer = Producer({"bootstrap.servers": self.brokers, "partitioner": "murmur2_random", "linger.ms": 5,
                                  "enable.idempotence": True})
        self.log = Log(self.brokers)
        self.procs: list[subprocess.Popen] = []

    def now(self) -> dt.datetime:
        """The dev clock (simulated time), as the workers read it."""
        return self.clock_start + dt.timedelta(seconds=(time.time() - self.real_anchor) * self.speed)

    def worker(self, *args: str, env: dict | None = None, roles: str = "worker") -> subprocess.Popen:
        """An `almanac run --roles worker` process; its output collects in `proc.log`."""
        proc = subprocess.Popen([almanac_bin(), "run", "--roles", roles, "--state-directory", str(self.state),
                                 "--kafka-config", str(self.kafka_config), *args],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, **(env or {})}, start_new_session=True)
        proc.log = []
        threading.Thread(target=lambda: proc.log.extend(proc.stderr), daemon=True).start()
        self.procs.append(proc)
        return proc

    def trigger(self, account: str, app: str, job: str, *, trigger_id: str | None = None, source: str = "manual",
                params=None, scheduled_for: dt.datetime | None = None, attempt: int = 1, flush: bool = True,
                key: str | None = None) -> str:
        """Publishes one `job.triggered` (Kafka key `key`, default the job key); returns its trigger id."""
        key = key or f"{account}/{app}/{job}"
        now = self.now()
        trigger_id = trigger_id or str(uuid.uuid4())
        data = {"triggerId": trigger_id, "job": {"account": account, "app": app, "job": job},
                "scheduledFor": utc(scheduled_for or now), "source": source, "attempt": attempt}
        if params is not None:
            data["params"] = params
        value = envelope("almanac.job.triggered", key, data, f"triggered:{trigger_id}", now)
        self.producer.produce(f"almanac.triggers", key=key, value=json.dumps(value).encode(),
                              headers=[("ce_type", b"almanac.job.triggered"), ("ce_id", value["id"].encode()),
                                       ("ce_specversion", b"1.0")])
        self.producer.poll(0)
        if flush:
            self.producer.flush(10)
        return trigger_id

    def await_ready(self, account: str, app: str, jobs_by_partition: dict[int, str], timeout: float = 60):
        """Waits until every partition is served by a ready worker: one probe run per partition
        (jobs of `app` chosen so that their keys cover all 12 partitions) has completed."""
        ids = {self.trigger(account, app, job, flush=False) for job in jobs_by_partition.values()}
        self.producer.flush(10)
        self.log.wait(lambda: ids <= {c["triggerId"] for c in self.log.data("almanac.job.completed")}, timeout,
                      "probe runs on every partition", procs=self.procs)

    def committed_everything(self) -> bool:
        """Whether the worker group has committed every `triggers` offset: nothing is left to run
        or to be read again, so no more events can come from the workers."""
        if not hasattr(self, "_offsets"):
            self._offsets = Consumer({"bootstrap.servers": self.brokers, "group.id": "almanac-workers", "enable.auto.commit": False})
        tps = [TopicPartition("almanac.triggers", p) for p in range(12)]
        committed = {tp.partition: tp.offset for tp in self._offsets.committed(tps, timeout=10)}
        for tp in tps:
            low, high = self._offsets.get_watermark_offsets(tp, timeout=10)
            if high > low and committed.get(tp.partition, -1) < high:
                return False
        return True

    def read_to_end(self, timeout: float = 30):
        """Waits until the log has read (and recorded) every topic up to the end it has now, judged
        by the reader's position, which also passes transaction markers."""
        self.committed_everything()  # creates the offsets client
        tps = [TopicPartition("almanac." + t, p) for t in ("triggers", "executions", "charges", "dlq") for p in range(PARTITIONS[t])]
        ends = {(tp.topic, tp.partition): self._offsets.get_watermark_offsets(tp, timeout=10)[1] for tp in tps}
        def done():
            positions = self.log.positions
            return all(end == 0 or positions.get(tp, -1) >= end for tp, end in ends.items())
        self.log.wait(done, timeout, "the test's reader to reach the end of every topic")

    def stop(self, procs=None, sig=signal.SIGTERM, timeout: float = 60):
        for p in procs if procs is not None else self.procs:
            if p.poll() is None:
                p.expected_exit = True
                p.send_signal(sig)
        for p in procs if procs is not None else self.procs:
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def close(self):
        self.stop(sig=signal.SIGKILL)
        self.log.close()
        if hasattr(self, "_offsets"):
            self._offsets.close()
        if self.dev.poll() is None:
            self.dev.send_signal(signal.SIGINT)
            try:
                self.dev.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.dev.kill()
                self.dev.wait()


def probe_app(account: str = "probe", app: str = "probe") -> tuple[str, dict[int, str]]:
    """An app with one `/bin/true` job per `triggers` partition, for `Cluster.await_ready`."""
    jobs = {p: job_names_on_partition(account, app, p, 1, prefix="p")[0] for p in range(12)}
    text = f"app: {app}\naccount: {account}\njobs:\n" + "".join(
        f"  - name: {name}\n    command: ['/bin/true']\n" for name in jobs.values())
    return text, jobs


def ends_by_trigger(log: Log) -> collections.Counter:
    """How many `job.completed` plus `job.skipped` each trigger id has."""
    return collections.Counter(d["triggerId"] for d in log.data("almanac.job.completed")) + \
        collections.Counter(d["triggerId"] for d in log.data("almanac.job.skipped"))


def seconds(a: str, b: str) -> float:
    """b - a, for two RFC 3339 strings."""
    parse = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (parse(b) - parse(a)).total_seconds()
