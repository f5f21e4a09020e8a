#!/usr/bin/env python3
"""Regenerates corpus.txt: hand-collected cron expressions plus seeded random ones.

Usage: python3 ops/differential/gen_corpus.py > ops/differential/corpus.txt
Every generated expression is one cronsim accepts and that uses none of Almanac's
documented deviations (steps wider than the field, A-A/S, L/S); the script checks that.
"""
import random
import sys
from datetime import datetime, timezone

from cronsim import CronSim, CronSimError

COLLECTED = """
* * * * *
*/5 * * * *
*/15 * * * *
*/30 * * * *
0 * * * *
30 * * * *
0 */2 * * *
0 */3 * * *
0 0 * * *
0 9 * * *
30 2 * * *
0 2 * * *
15 1 * * *
45 1 * * *
0 1 * * *
59 1 * * *
0 3 * * *
30 3 * * *
0,30 2 * * *
0 1-3 * * *
*/30 1 * * *
0-59/30 1 * * *
*/10 2 * * *
* 2 * * *
* 1 * * *
* 0 * * *
*/20 0 * * *
30 0 * * *
0 0 * * 0
0 9 * * 1-5
0 9 * * MON-FRI
30 8 * * mon-fri
0 18 * * FRI
0 10 * * SAT,SUN
0 10 * * 6,0
0 10 * * 6,7
0 0 * * 7
0 0 1 * *
0 0 15 * *
0 0 1,15 * *
0 0 L * *
0 0 LW * *
0 17 L * *
0 9 LW * *
0 0 L 2 *
0 12 * * 5L
0 12 * * 0L
0 12 * * 7L
0 9 * * 0#2
0 9 * * 7#2
0 9 * * MON#1
0 9 * * FRI#3
0 9 * * 1#5
0 9 * * 1#1,5L
0 0 29 2 *
0 0 28 2 *
0 0 31 * *
0 0 30 * *
0 0 1 1 *
0 0 1 JAN *
0 0 25 DEC *
0 0 1 */3 *
0 0 1 JAN-MAR *
0 6 * JUN-AUG *
0 12 1 * MON
0 12 13 * FRI
0 12 */2 * MON
0 12 * * */2
0 0 1-7 * 1
5 4 * * sun
0 22 * * 1-5
23 0-20/2 * * *
0 0,12 1 */2 *
0 4 8-14 * *
0 0 * * 1,3,5
0 8-17 * * 1-5
*/5 9-17 * * 1-5
0 9-17/2 * * *
15 14 1 * *
0 0 1 1,4,7,10 *
5 0 * 8 *
0 0 L * 5
0 0 LW * 1
0 0 L,15 * *
0 0 LW,1 * *
0 0 1,L * *
0 0 * * 1L,5L
0 0 * * 2#2,4#4
0 2 * 3 0
0 2 * 10 0
30 2 * 3 *
30 2 * 11 *
0 0 * 9 0
0 0 * 4 0
*/7 * * * *
*/13 */5 * * *
1-59/2 * * * *
0/15 * * * *
5/10 * * * *
0 0/6 * * *
0 1/2 * * *
0 0 1/10 * *
0 0 * 1/2 *
0 0 * * 1/2
0 0 * * MON/2
7,19,37 1,2,3 * * *
0 0 * * *
@yearly
@annually
@monthly
@weekly
@daily
@midnight
@hourly
"""

FIELDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
DAYS = "SUN MON TUE WED THU FRI SAT".split()
DST_HOURS = [0, 1, 2, 3]


def term(rng: random.Random, index: int) -> str:
    low, high = FIELDS[index]
    kind = rng.choice(["star", "value", "range", "step", "rangestep", "list", "valuestep", "name"])
    if index == 1 and rng.random() < 0.5:  # hours around DST transitions
        kind = rng.choice(["value", "range", "list"])
        values = sorted(rng.sample(DST_HOURS + [rng.randint(0, 23)], 2))
        if kind == "value":
            return str(values[0])
        if kind == "range":
            return f"{values[0]}-{values[1]}" if values[0] < values[1] else str(values[0])
        return ",".join(str(v) for v in sorted(set(values)))
    if kind == "star":
        return "*"
    if kind == "value":
        return str(rng.randint(low, high))
    if kind == "range":
        a = rng.randint(low, high - 1)
        return f"{a}-{rng.randint(a + 1, high)}"
    if kind == "step":
        return f"*/{rng.randint(1, min(high - low, 20))}"
    if kind == "rangestep":
        a = rng.randint(low, high - 2)
        b = rng.randint(a + 1, high)
        return f"{a}-{b}/{rng.randint(1, high - low)}"
    if kind == "valuestep":
        return f"{rng.randint(low, high - 1)}/{rng.randint(1, high - low)}"
    if kind == "list":
        values = sorted(set(rng.randint(low, high) for _ in range(rng.randint(2, 4))))
        return ",".join(str(v) for v in values)
    if index == 3:
        a = rng.randint(0, 10)
        return f"{MONTHS[a]}-{MONTHS[rng.randint(a + 1, 11)]}" if rng.random() < 0.5 else MONTHS[a]
    if index == 4:
        a = rng.randint(0, 5)
        return f"{DAYS[a]}-{DAYS[rng.randint(a + 1, 6)]}" if rng.random() < 0.5 else DAYS[a]
    return str(rng.randint(low, high))


def field(rng: random.Random, index: int) -> str:
    if index == 2 and rng.random() < 0.15:
        return rng.choice(["L", "LW", "L,1", "LW,15", "1,L"])
    if index == 4 and rng.random() < 0.2:
        day = rng.randint(0, 7)
        return rng.choice([f"{day}L", f"{day}#{rng.randint(1, 5)}", f"{DAYS[day % 7]}#{rng.randint(1, 4)}",
                           f"{day}L,{rng.randint(0, 7)}"])
    if index >= 2 and rng.random() < 0.45:
        return "*"
    if rng.random() < 0.2:
        return f"{term(rng, index)},{term(rng, index)}"
    return term(rng, index)


def accepted(expr: str) -> bool:
    try:
        CronSim(expr, datetime(2026, 1, 1, tzinfo=timezone.utc))
        return True
    except CronSimError:
        return False


def main() -> None:
    rng = random.Random(20260301)
    out = [line for line in COLLECTED.strip().splitlines()]
    seen = set(out)
    while len(out) < 360:
        expr = " ".join(field(rng, i) for i in range(5))
        parts = expr.split()
        # keep away from Almanac's deliberate deviations (see cronsim_diff.py)
        if any("/" in p and p.split("/")[0].split("-")[0] == p.split("/")[0].split("-")[-1]
               and "-" in p.split("/")[0] for p in parts):
            continue
        if expr in seen or not accepted(expr):
            continue
        seen.add(expr)
        out.append(expr)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
