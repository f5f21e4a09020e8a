#!/usr/bin/env python3
"""Regenerates customers.csv, the input of the csv-import example (10,000 rows; deterministic:
fixed seed). Run from examples/data/import/. Some values are deliberately untidy (case, spaces,
missing country) so that the import has something to normalise."""
import csv
import datetime as dt
import random

rng = random.Random(20260302)
FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jon", "Kara", "Luis", "Mona", "Nils", "Omar", "Pia"]
LAST = ["Alvarez", "Brown", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jones", "Kim", "Lopez", "Moreau", "Nowak"]
COUNTRIES = ["US", "us", "CA", "GB", "de", "FR", "JP", "BR", "", " MX "]
PLANS = ["free", "starter", "Pro", "business", "ENTERPRISE"]

with open("customers.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "name", "email", "country", "plan", "signed_up", "monthly_spend_cents"])
    day = dt.date(2019, 1, 1)
    for n in range(1, 10_001):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}{n}@example.com"
        if rng.random() < 0.2:
            email = "  " + email.upper()
        day += dt.timedelta(days=rng.random() < 0.3)
        w.writerow([f"C{n:05d}", f"{first} {last}", email, rng.choice(COUNTRIES), rng.choice(PLANS), day.isoformat(),
                    rng.choice([0, 0, 900, 2900, 9900, rng.randint(10_000, 250_000)])])
