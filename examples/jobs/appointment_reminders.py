#!/usr/bin/env python3
"""Reads tomorrow's appointments and writes the reminder messages it would send (SMS if the patient
has a phone, else email), one outbox file per run under the run's output folder (OUTBOX_DIR, else
ALMANAC_OUTPUT_DIR). Reports the emails and SMS for billing.

Params: {"dryRun": true} only prints what it would send: no outbox file, no usage reported (the run
is charged its base credits only)."""
import csv
import datetime as dt
import os
from zoneinfo import ZoneInfo

import almanac_job as job

zone = ZoneInfo("America/New_York")
today = job.scheduled_for().astimezone(zone).date()
tomorrow = today + dt.timedelta(days=1)
dry = job.dry_run(job.params())

messages, emails, sms = [], 0, 0
with open(job.path_from_env("APPOINTMENTS_CSV"), newline="") as f:
    for row in csv.DictReader(f):
        starts = dt.datetime.fromisoformat(row["starts_at"]).astimezone(zone)
        if starts.date() != tomorrow:
            continue
        text = f"Hi {row['patient'].split()[0]}, a reminder of your appointment at {row['clinic']} tomorrow at {starts:%H:%M}."
        if row["phone"]:
            messages.append(f"SMS {row['phone']}: {text}")
            sms += 1
        elif row["email"]:
            messages.append(f"EMAIL {row['email']}: {text}")
            emails += 1

if dry:
    print("\n".join(messages))
    print(f"dry run: would send {len(messages)} reminders for {tomorrow.isoformat()} ({sms} SMS, {emails} email); sent none")
    raise SystemExit(0)
outbox = job.output_dir("OUTBOX_DIR")
with open(os.path.join(outbox, f"{tomorrow.isoformat()}.txt"), "w") as f:
    f.write("\n".join(messages) + ("\n" if messages else ""))
job.report_usage(emails=emails, sms=sms)
print(f"{len(messages)} reminders for {tomorrow.isoformat()} ({sms} SMS, {emails} email)")
