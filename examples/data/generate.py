#!/usr/bin/env python3
"""Regenerates the example data sets (deterministic: fixed seed). Run from examples/data/."""
import csv, datetime as dt, random
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")
rng = random.Random(20260302)
FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jon", "Kara", "Luis", "Mona", "Nils", "Omar", "Pia"]
LAST = ["Alvarez", "Brown", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jones", "Kim", "Lopez", "Moreau", "Nowak"]
CLINICS = ["Downtown", "Riverside", "Northgate"]

def days(start, end):
    d = start
    while d <= end:
        yield d
        d += dt.timedelta(days=1)

with open("appointments.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "patient", "phone", "email", "starts_at", "clinic"])
    n = 0
    for day in days(dt.date(2026, 1, 1), dt.date(2027, 12, 31)):
        if day.weekday() == 6:
            continue
        for _ in range(rng.randint(2, 8)):
            n += 1
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            t = dt.datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.choice([0, 15, 30, 45]), tzinfo=NY)
            phone = f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}" if rng.random() < 0.7 else ""
            email = name.lower().replace(" ", ".") + "@example.com" if rng.random() < 0.8 else ""
            w.writerow([f"A{n:05d}", name, phone, email, t.isoformat(), rng.choice(CLINICS)])

SKUS = [f"SKU-{i:03d}" for i in range(1, 41)]
with open("stock_movements.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["at", "sku", "warehouse", "quantity"])
    t = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    end = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)
    for sku in SKUS:
        w.writerow([t.isoformat().replace("+00:00", "Z"), sku, rng.choice(["EWR", "ORD"]), 500])
    while t < end:
        t += dt.timedelta(minutes=rng.randint(20, 90))
        w.writerow([t.isoformat().replace("+00:00", "Z"), rng.choice(SKUS), rng.choice(["EWR", "ORD"]),
                    rng.choice([-1, -1, -2, -3, -5, 10, 25])])

SUBJECTS = [("Cannot log in", "login"), ("Invoice is wrong", "billing"), ("App crashes on start", "bug"),
            ("Refund request", "billing"), ("Feature idea: dark mode", "feature"), ("Site is down!", "urgent"),
            ("Password reset email never arrives", "login"), ("Charged twice", "billing"), ("Export fails", "bug")]
with open("tickets.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "created_at", "customer", "subject", "body"])
    n = 0
    for start, end in [(dt.date(2026, 3, 1), dt.date(2026, 3, 14)), (dt.date(2026, 11, 23), dt.date(2026, 12, 31))]:
        for day in days(start, end):
            t = dt.datetime(day.year, day.month, day.day, 7, 30, tzinfo=NY)
            stop = dt.datetime(day.year, day.month, day.day, 19, 0, tzinfo=NY)
            while t < stop:
                t += dt.timedelta(minutes=rng.randint(3, 12))
                n += 1
                subject, _ = rng.choice(SUBJECTS)
                words = " ".join(rng.choice(["please", "help", "urgent", "account", "order", "since", "yesterday", "error", "again", "thanks"])
                                 for _ in range(rng.randint(8, 40)))
                w.writerow([f"T{n:06d}", t.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z"),
                            f"cust-{rng.randint(1, 300):03d}", subject, words])
