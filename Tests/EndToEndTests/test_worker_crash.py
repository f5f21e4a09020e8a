"""Workers killed with SIGKILL mid-run (issue 6, test 3): three real worker processes run a
stream of jobs, retries and three CSV imports (10,000 rows in follow-up batches of 500) while one
of them is killed at a random moment 20 times and replaced.

The rule checked (docs/workers.md, "Exactly once"): every trigger ends with exactly one
`job.completed`; every completion has its `credits.charged`, and every copy of a `chargeId` in
the log is identical (a charge is written again when a worker dies between the completion and
the charge, and consumers count a `chargeId` once); every imported row is in the output once."""
import collections
import datetime as dt
import json
import random
import signal
import subprocess
import sys
import threading
import time

import yaml

from conftest import ROOT, almanac_bin
from test_billing import CONSUMER, load_pricing, priced_from_completions
from test_worker_support import Cluster, ends_by_trigger, probe_app

KILLS = 20
WORK = r"""read -r p; sleep "$p"; printf '{"type":"usage","emails":1}\n' >&3"""
FLAKY = r"""read -r p; sleep "$p"; [ "$ALMANAC_ATTEMPT" -ge 2 ]"""


def apps(tmp):
    jobs = ROOT / "examples" / "jobs"
    data = ROOT / "examples" / "data"
    crash = ("app: crash\naccount: acme\njobs:\n"
             f"  - name: work\n    command: ['/bin/sh', '-c', {json.dumps(WORK)}]\n    complexity: 2\n"
             f"  - name: flaky\n    command: ['/bin/sh', '-c', {json.dumps(FLAKY)}]\n    retries: 1\n")
    csv_import = (ROOT / "examples" / "apps" / "csv-import.yaml").read_text()
    csv_import = csv_import.replace("../jobs/", f"{jobs}/").replace("../data/", f"{data}/")
    csv_import = csv_import.replace("    env:\n", f"    env:\n      IMPORT_DELAY_SECONDS: '0.3'\n      IMPORT_OUT: {tmp / 'imports'}\n")
    probe, probe_jobs = probe_app()
    return {"crash.yaml": crash, "csv-import.yaml": csv_import, "probe.yaml": probe}, probe_jobs


def test_kill_9_mid_run_every_trigger_completes_once_charges_dedupe_and_imports_every_row_once(tmp_path):
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    app_files, probe_jobs = apps(tmp_path)
    # Speed 10: the retry backoff (10 clock seconds) is 1 s of real time.
    cluster = Cluster(tmp_path, app_files, speed=10)
    try:
        workers = [cluster.worker() for _ in range(3)]
        cluster.await_ready("probe", "probe", probe_jobs)
        log = cluster.log

        stop_load = threading.Event()
        published: list[str] = []

        def load():
            while not stop_load.is_set():
                for _ in range(4):
                    published.append(cluster.trigger("acme", "crash", "work", params=round(rng.uniform(0.1, 1.5), 2), flush=False))
                if rng.random() < 0.3:
                    published.append(cluster.trigger("acme", "crash", "flaky", params=round(rng.uniform(0.1, 1.0), 2), flush=False))
                cluster.producer.flush(10)
                time.sleep(0.5)

        imports = [cluster.trigger("northwind", "csv-import", "import-customers")]
        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        kills = []
        for trial in range(KILLS):
            time.sleep(rng.uniform(1.0, 3.5))
            if trial in (6, 13):
                imports.append(cluster.trigger("northwind", "csv-import", "import-customers"))
            victim = rng.choice([w for w in workers if w.poll() is None])
            running = len({d["triggerId"] for d in log.data("almanac.job.started")} - {d["triggerId"] for d in log.data("almanac.job.completed")})
            victim.expected_exit = True
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            kills.append(running)
            workers.remove(victim)
            workers.append(cluster.worker())
        stop_load.set()
        loader.join()

        # Everything triggered (by the test, by follow-ups, by retries) ends.
        def settled():
            triggered = {d["triggerId"] for d in log.data("almanac.job.triggered")}
            ended = ends_by_trigger(log)
            imports_done = all((tmp_path / "imports" / i / "_done.json").exists() for i in imports)
            return imports_done and triggered and triggered <= set(ended)
        log.wait(settled, 150, "every trigger to end and every import to finish", procs=workers)
        # Once every offset is committed nothing is read again: no late duplicate can follow.
        log.wait(cluster.committed_everything, 30, "the workers to commit every trigger offset", procs=workers)
        cluster.read_to_end()
        events = log.snapshot()
        # Billing (issue 7): Almanac's report and a downstream consumer read the charges topic now.
        window = ["--from", (cluster.clock_start - dt.timedelta(days=1)).isoformat(),
                  "--to", (cluster.now() + dt.timedelta(days=1)).isoformat()]
        billing = subprocess.run([almanac_bin(), "billing", "report", "--json", "--quiet", *window, "--state-directory", str(cluster.state)],
                                 cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert billing.returncode == 0, billing.stderr
        downstream = subprocess.run([sys.executable, str(CONSUMER), "--brokers", cluster.brokers, "--json"],
                                    cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert downstream.returncode == 0, downstream.stderr
    finally:
        cluster.close()

    of = lambda t: [e["value"]["data"] for e in events if isinstance(e["value"], dict) and e["value"].get("type") == t]
    triggered = collections.Counter(d["triggerId"] for d in of("almanac.job.triggered"))
    completed = collections.Counter(d["triggerId"] for d in of("almanac.job.completed"))
    skipped = collections.Counter(d["triggerId"] for d in of("almanac.job.skipped"))
    started = collections.Counter(d["triggerId"] for d in of("almanac.job.started"))
    context = f"(seed {seed})"

    # Exactly one completion per trigger; nothing skipped here.
    assert set(completed) == set(triggered), context
    assert max(completed.values()) == 1, f"{[t for t, n in completed.items() if n > 1][:5]} completed twice {context}"
    assert not skipped, context
    # One charge per completion after deduplication by chargeId, and duplicates are identical.
    charges = collections.defaultdict(list)
    for d in of("almanac.credits.charged"):
        charges[d["chargeId"]].append(d)
    assert set(charges) == set(completed), context
    for charge_id, copies in charges.items():
        assert all(c == copies[0] for c in copies), f"copies of {charge_id} differ {context}"
    completion = {d["triggerId"]: d for d in of("almanac.job.completed")}
    for charge_id, copies in charges.items():
        assert copies[0]["executionId"] == completion[charge_id]["executionId"], context
        assert copies[0]["status"] == completion[charge_id]["status"], context
    # The billing identity across the kills: per account, the charges (each chargeId once) equal the
    # completions priced independently (test_billing's oracle, from the app files and
    # ops/pricing.yaml), in Almanac's report and in a consumer that is not Almanac.
    configured = [{"type": "almanac.app.configured", "data": {"config": yaml.safe_load(text)}} for text in app_files.values()]
    cloud = [e["value"] for e in events if isinstance(e["value"], dict) and "type" in e["value"]]
    identity, versions = priced_from_completions(configured + cloud, load_pricing(ROOT / "ops" / "pricing.yaml"))
    report, consumer = json.loads(billing.stdout), json.loads(downstream.stdout)
    assert report["accounts"] == consumer["accounts"] == identity, context
    assert report["total"]["charges"] == len(completed), context
    assert report["log"]["duplicates"] == consumer["log"]["duplicates"] == sum(len(c) - 1 for c in charges.values()), context
    assert report["log"]["conflicts"] == consumer["log"]["conflicts"] == 0, context
    assert {c[0]["chargeId"]: c[0]["pricingVersion"] for c in charges.values()} == versions, context
    # Retries: every flaky first attempt failed and its retry succeeded.
    for trigger_id, c in completion.items():
        if "/flaky" in c["job"]["job"] or c["job"]["job"] == "flaky":
            if c["attempt"] == 1:
                assert c["status"] == "failed" and completion[trigger_id + "~2"]["status"] == "succeeded", context
    # Every row of every import once.
    for import_id in imports:
        folder = tmp_path / "imports" / import_id
        rows = collections.Counter()
        for batch in sorted(folder.glob("batch-*.jsonl")):
            lines = batch.read_text().splitlines()
            assert len(lines) == 500, batch
            rows.update(json.loads(line)["id"] for line in lines)
        assert len(rows) == 10_000 and set(rows.values()) == {1}, f"import {import_id} {context}"
        assert json.loads((folder / "_done.json").read_text())["rows"] == 10_000
    # The kills hit running jobs: some triggers were started more than once (re-run by the next owner).
    reruns = sum(1 for n in started.values() if n > 1)
    duplicate_charges = sum(len(c) - 1 for c in charges.values())
    print(f"seed {seed}: {len(triggered)} triggers, {KILLS} kills (runs going at each: {kills}), "
          f"{reruns} re-run after a kill, {duplicate_charges} charge(s) written twice")
    assert reruns > 0, context
