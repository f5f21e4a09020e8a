"""The schedule and estimate commands of the real binary (issues 3 and 7)."""
import json
import subprocess

from conftest import ROOT, almanac_bin


def almanac(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([almanac_bin(), *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_next_prints_rfc3339_with_local_offsets_across_fall_back():
    out = almanac("next", "*:30", "--tz", "America/New_York", "--after", "2026-11-01T00:45:00-04:00", "--count", "4")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00",
                                  "2026-11-01T02:30:00-05:00", "2026-11-01T03:30:00-05:00"]


def test_bad_expression_exits_2_with_field_and_column():
    out = almanac("next", "8-25:00")
    assert out.returncode == 2
    assert '"8-25:00": hour 25 is out of range 0-23 (column 3)' in out.stderr


def test_estimate_reproduces_the_platform_arithmetic():
    every_minute = json.loads(almanac("estimate", "*:*", "--credits", "2", "--date", "2026-07-01", "--json").stdout)
    assert (every_minute["runsPerDay"], every_minute["creditsPerDay"]) == (1440, 2880)
    hourly = json.loads(almanac("estimate", "*:00", "--credits", "2", "--date", "2026-07-01", "--json").stdout)
    assert (hourly["runsPerDay"], hourly["creditsPerDay"]) == (24, 48)
    fall_back = json.loads(almanac("estimate", "*:00", "--date", "2026-11-01", "--json").stdout)
    assert fall_back["runsPerDay"] == 25


def test_estimate_app_prices_each_job_with_the_pricing_table_and_assumed_usage(tmp_path):
    usage = json.dumps({"emails": 1, "ai": [{"model": "gpt-4o-mini", "inputTokens": 1000, "outputTokens": 100}]})
    pricing = tmp_path / "pricing.json"
    pricing.write_text(json.dumps([{
        "version": "test-1", "effectiveFrom": "2026-01-01T00:00:00Z",
        "baseByComplexity": [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000],
        "aiModels": {"gpt-4o-mini": {"inputPer1000": 150, "outputPer1000": 600}}, "defaultAIModel": "gpt-4o-mini",
        "emailEach": 100, "smsEach": 1000}]))
    out = almanac("estimate", "--app", "examples/apps/support-queue.yaml", "--date", "2026-03-02", "--usage", usage,
                  "--pricing", str(pricing), "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    job = result["jobs"][0]
    assert job["runsPerDay"] == 11 * 12          # 8-18:*/5
    # complexity 4 = 4000, 1000 input tokens at 150/1000 = 150, 100 output at 600/1000 = 60, one email 100
    assert job["millicreditsPerRun"] == 4000 + 150 + 60 + 100
    assert job["millicreditsPerDay"] == 132 * 4310
    assert result["pricingVersion"] == "test-1"


def test_estimate_app_refuses_a_bad_usage_object():
    out = almanac("estimate", "--app", "examples/apps/support-queue.yaml", "--usage", "{\"emails\": -1}")
    assert out.returncode == 2
    assert "--usage: usage cannot be negative" in out.stderr
    typo = almanac("estimate", "--app", "examples/apps/support-queue.yaml", "--usage", "{\"email\": 5}")
    assert typo.returncode == 2 and '--usage: unknown key "email" (expected ai, emails, sms)' in typo.stderr


def test_estimate_refuses_dates_the_calendar_does_not_have():
    for date, reason in (("2026-02-30", "is not a date YYYY-MM-DD"), ("2026-04-31", "is not a date YYYY-MM-DD"),
                         ("1800-06-01", "estimates cover 1970-01-01 to 2199-12-31")):
        out = almanac("estimate", "*:*", "--date", date)
        assert out.returncode == 2 and reason in out.stderr, (date, out.stdout, out.stderr)
    leap = json.loads(almanac("estimate", "*:00", "--date", "2028-02-29", "--json").stdout)
    assert leap["runsPerDay"] == 24


def test_estimate_app_refuses_usage_no_run_reports_and_names_an_estimate_past_64_bits(tmp_path):
    app = "examples/apps/support-queue.yaml"
    huge = almanac("estimate", "--app", app, "--usage", json.dumps({"emails": 2**63 - 1}))
    assert huge.returncode == 2, huge.stdout
    assert "--usage: the run's emails would exceed 1000000000000" in huge.stderr
    twice = almanac("estimate", "--app", app, "--usage", json.dumps(
        {"ai": [{"model": "m", "inputTokens": 10**12, "outputTokens": 0}, {"model": "m", "inputTokens": 1, "outputTokens": 0}]}))
    assert twice.returncode == 2 and "--usage: the run's m input tokens would exceed 1000000000000" in twice.stderr
    models = almanac("estimate", "--app", app, "--usage",
                     json.dumps({"ai": [{"model": f"m{n}", "inputTokens": 1, "outputTokens": 1} for n in range(101)]}))
    assert models.returncode == 2 and "--usage: the run's AI models would exceed 100" in models.stderr
    # The largest run a worker takes at the largest prices: one run's price fits 64 bits (about
    # 2 x 10^18 millicredits), a day of them every 5 minutes does not.
    pricing = tmp_path / "pricing.json"
    pricing.write_text(json.dumps({
        "version": "most", "effectiveFrom": "2026-01-01T00:00:00Z", "baseByComplexity": [10**6] * 10,
        "aiModels": {"m": {"inputPer1000": 10**6, "outputPer1000": 10**6}}, "defaultAIModel": "m",
        "emailEach": 10**6, "smsEach": 10**6}))
    most = almanac("estimate", "--app", app, "--date", "2026-03-02", "--pricing", str(pricing), "--usage",
                   json.dumps({"emails": 10**12, "sms": 10**12}), "--json")
    assert most.returncode == 2, most.stdout
    assert "the estimate passes 64-bit millicredits (9223372036854775807); assume less usage per run" in most.stderr
    assert "Traceback" not in most.stderr and "Fatal error" not in most.stderr


def test_manual_triggers_are_runs_of_their_own_even_in_the_same_second(dev_factory, example_apps):
    from conftest import by_type
    dev = dev_factory(["--apps", str(example_apps), "--start", "2026-03-02T12:01:00-05:00", "--speed", "10", "--run-for", "3m"])
    dev.wait_for(lambda: any("clock is running" in line for line in dev.lines), 60, "dev clock")
    first = dev.cli("trigger", "inventory-sync", "sync-stock", "--params", '{"reason": "test"}')
    second = dev.cli("trigger", "inventory-sync", "sync-stock")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    unknown = dev.cli("trigger", "inventory-sync", "no-such-job")
    assert unknown.returncode == 2 and 'has no job "no-such-job"' in unknown.stderr
    assert dev.finish(timeout=120) == 0, dev.stderr[-2000:]
    events = dev.events()
    manual = [t["data"] for t in by_type(events, "almanac.job.triggered") if t["data"]["source"] == "manual"]
    assert len(manual) == 2 and manual[0]["triggerId"] != manual[1]["triggerId"]
    assert manual[0]["params"] == {"reason": "test"}
    completed = {c["data"]["triggerId"] for c in by_type(events, "almanac.job.completed")}
    assert {m["triggerId"] for m in manual} <= completed
