#!/usr/bin/env python3
"""Triages the support tickets created in the 5 minutes before the run: assigns a queue by keywords,
"summarises" each (metered as AI tokens) and emails the on-call engineer about urgent ones; writes the
triage under the run's output folder (TRIAGE_DIR, else ALMANAC_OUTPUT_DIR). Params: {"dryRun": true}
prints the triage and writes, summarises and emails nothing (no usage reported)."""
import csv
import datetime as dt
import json
import os

import almanac_job as job

until = job.scheduled_for()
since = until - dt.timedelta(minutes=5)
dry = job.dry_run(job.params())
RULES = [("urgent", ["down", "crash", "urgent"]), ("billing", ["invoice", "refund", "charged"]),
         ("login", ["log in", "password"]), ("bugs", ["fails", "crashes", "error"])]

triaged, tokens_in, tokens_out, urgent = [], 0, 0, 0
with open(job.path_from_env("TICKETS_CSV"), newline="") as f:
    for row in csv.DictReader(f):
        created = dt.datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
        if not (since < created <= until):
            continue
        text = f"{row['subject']} {row['body']}".lower()
        queue = next((name for name, words in RULES if any(w in text for w in words)), "general")
        urgent += queue == "urgent"
        words = len(text.split())
        tokens_in += words * 4 // 3 + 20
        tokens_out += 30
        triaged.append({"id": row["id"], "queue": queue, "summary": row["subject"]})

if dry:
    print(json.dumps(triaged))
    print(f"dry run: would triage {len(triaged)} tickets ({urgent} urgent); summarised and emailed nothing")
    raise SystemExit(0)
out = job.output_dir("TRIAGE_DIR")
with open(os.path.join(out, until.strftime("%Y-%m-%dT%H%MZ") + ".json"), "w") as f:
    json.dump(triaged, f)
ai = [{"model": "gpt-4o-mini", "inputTokens": tokens_in, "outputTokens": tokens_out}] if triaged else []
job.report_usage(emails=urgent, ai=ai)
print(f"triaged {len(triaged)} tickets ({urgent} urgent)")
