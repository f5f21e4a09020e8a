#!/usr/bin/env python3
"""Rebuilds stock levels per SKU and warehouse from the movements ledger up to the run's fire time
and writes a snapshot under the run's output folder (SNAPSHOT_DIR, else ALMANAC_OUTPUT_DIR); flags SKUs
below the reorder point. Params: {"dryRun": true} prints the counts and writes nothing."""
import csv
import datetime as dt
import json
import os

import almanac_job as job

until = job.scheduled_for()
dry = job.dry_run(job.params())
levels: dict[str, dict[str, int]] = {}
with open(job.path_from_env("MOVEMENTS_CSV"), newline="") as f:
    for row in csv.DictReader(f):
        at = dt.datetime.fromisoformat(row["at"].replace("Z", "+00:00"))
        if at > until:
            break
        per_sku = levels.setdefault(row["sku"], {})
        per_sku[row["warehouse"]] = per_sku.get(row["warehouse"], 0) + int(row["quantity"])

low = sorted(sku for sku, per in levels.items() if sum(per.values()) < 450)
name = until.strftime("%Y-%m-%dT%H%MZ")
if dry:
    print(f"dry run: snapshot {name} would hold {len(levels)} SKUs, {len(low)} to reorder; wrote nothing")
    raise SystemExit(0)
out = job.output_dir("SNAPSHOT_DIR")
with open(os.path.join(out, f"{name}.json"), "w") as f:
    json.dump({"asOf": until.isoformat(), "levels": levels, "reorder": low}, f, sort_keys=True)
print(f"snapshot {name}: {len(levels)} SKUs, {len(low)} to reorder")
