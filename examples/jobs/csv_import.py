#!/usr/bin/env python3
"""Imports a customers CSV in batches: each run normalises rows [offset, offset + batchSize) and
writes them as one JSON-lines file, then queues itself (a follow-up) for the next batch, until the
file is done; the last batch writes `_done.json`.

Params (stdin): {"offset": 0, "batchSize": 500, "importId": "…"}; the first run gets none of them
but the batch size and takes its own trigger id as the import id; {"dryRun": true} counts the rows it
would import and writes and queues nothing. Environment: IMPORT_CSV (input), IMPORT_OUT (output
folder; default ALMANAC_OUTPUT_DIR, which the worker gives every job), IMPORT_DELAY_SECONDS
(optional pause per batch, to watch it run).

Every row is imported exactly once even if a worker dies mid-run: a run that is not recorded runs
again, and the output of a batch is keyed by (import id, offset) and written atomically (temp file,
fsync, rename), so the second run replaces the first one's file with the same rows instead of adding
rows; the follow-up it queues has the same trigger id (`<trigger>/import-customers#1`) both times, and
workers run a trigger id once.
"""
import csv
import itertools
import json
import os
import re
import time

import almanac_job as job

params = job.params()
offset = int(params.get("offset", 0))
batch_size = int(params.get("batchSize", 500))
import_id = params.get("importId") or re.sub(r"[^A-Za-z0-9._-]+", "_", os.environ["ALMANAC_TRIGGER_ID"])
if job.dry_run(params):
    with open(job.path_from_env("IMPORT_CSV"), newline="") as f:
        count = sum(1 for _ in itertools.islice(csv.DictReader(f), offset, None))
    print(f"dry run: would import {count} rows from offset {offset} in {(count + batch_size - 1) // batch_size} batches; wrote nothing")
    raise SystemExit(0)
out_dir = os.path.join(job.output_dir("IMPORT_OUT"), import_id)
os.makedirs(out_dir, exist_ok=True)


def normalise(row: dict) -> dict:
    return {
        "id": row["id"],
        "name": " ".join(row["name"].split()),
        "email": row["email"].strip().lower(),
        "country": row["country"].strip().upper() or None,
        "plan": row["plan"].strip().lower(),
        "signedUp": row["signed_up"],
        "monthlySpendCents": int(row["monthly_spend_cents"]),
    }


def write_atomically(path: str, text: str) -> None:
    temp = f"{path}.{os.getpid()}.tmp"
    with open(temp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, path)


with open(job.path_from_env("IMPORT_CSV"), newline="") as f:
    reader = csv.DictReader(f)
    rows = [normalise(r) for r in itertools.islice(reader, offset, offset + batch_size)]
    more = next(reader, None) is not None

delay = float(os.environ.get("IMPORT_DELAY_SECONDS", "0"))
if delay > 0:
    time.sleep(delay)

write_atomically(os.path.join(out_dir, f"batch-{offset:07d}.jsonl"), "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))
if more:
    job.queue_follow_up(os.environ["ALMANAC_JOB"], {"offset": offset + batch_size, "batchSize": batch_size, "importId": import_id})
    print(f"import {import_id}: rows {offset}-{offset + len(rows) - 1} written; next batch queued")
else:
    total = offset + len(rows)
    write_atomically(os.path.join(out_dir, "_done.json"),
                     json.dumps({"importId": import_id, "rows": total, "batches": (total + batch_size - 1) // batch_size}) + "\n")
    print(f"import {import_id}: rows {offset}-{total - 1} written; done, {total} rows")
