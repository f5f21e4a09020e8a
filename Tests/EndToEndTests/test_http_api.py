"""The http role of a running `almanac dev` (issue 9): every endpoint of the /v1 API, /healthz,
/readyz and /metrics, each response checked against schemas/openapi.yaml; pause, resume and
trigger checked by what the scheduler then does; API errors. Access rules: test_http_access.py."""
import json
import re

import pytest
from confluent_kafka import Producer

from conftest import by_type
from http_support import Client, OpenAPI, prometheus_samples, sample

START = "2026-03-02T07:55:00-05:00"


@pytest.fixture
def api(dev_factory, example_apps):
    dev = dev_factory(["--apps", str(example_apps), "--start", START, "--speed", "60", "--quiet"])
    client = Client(dev.http_url(), token=dev.token())
    dev.wait_for(lambda: client.get("/readyz").status == 200, 60, "/readyz 200")
    return dev, client


def test_every_endpoint_answers_as_the_openapi_document_says(api):
    dev, client = api
    spec = OpenAPI()

    def call(method: str, path: str, body=None, expect: int = 200):
        reply = client.get(path) if method == "GET" else client.post(path, body)
        assert reply.status == expect, f"{method} {path}: {reply.status} {reply.body[:500]!r}"
        spec.check(method, path, reply)
        return reply

    for path in ["/healthz", "/readyz"]:
        call("GET", path)
    # The scheduler runs: wait until the 8:00 runs have finished and been charged.
    listed = client.wait_for("/v1/apps", lambda body: any(
        run["status"] == "succeeded" for app in body["apps"] if app["app"] == "clinic-reminders"
        for job in app["jobs"] for run in job["lastRuns"]), 90, "clinic-reminders' 8:00 run")
    apps = {app["app"]: app for app in call("GET", "/v1/apps").json["apps"]}
    assert set(apps) == {"clinic-reminders", "csv-import", "inventory-sync", "support-queue"}
    clinic = apps["clinic-reminders"]
    assert clinic["account"] == "acme-clinics" and clinic["zone"] == "America/New_York" and clinic["enabled"]
    remind = clinic["jobs"][0]
    assert remind["schedule"] == "8:00" and remind["enabled"]
    assert [n["local"] for n in remind["nextRuns"]][:2] == ["2026-03-03T08:00:00-05:00", "2026-03-04T08:00:00-05:00"]
    assert remind["nextRuns"][0]["utc"] == "2026-03-03T13:00:00.000Z"
    assert remind["lastRuns"][0]["triggerId"] == "acme-clinics/clinic-reminders/send-reminders@2026-03-02T13:00Z"
    assert remind["lastRuns"][0]["durationMilliseconds"] >= 0
    client.wait_for("/v1/apps/clinic-reminders", lambda app: app["creditsToday"]["millicredits"] > 0, 30, "the 8:00 charge")
    assert listed["day"] == "2026-03-02"

    one = call("GET", "/v1/apps/clinic-reminders").json
    assert one["app"] == "clinic-reminders" and one["creditsToday"]["runs"] >= 1
    accounts = {a["account"]: a for a in call("GET", "/v1/accounts").json["accounts"]}
    assert accounts["acme-clinics"]["apps"] == ["clinic-reminders"]
    assert accounts["acme-clinics"]["creditsToday"]["millicredits"] == one["creditsToday"]["millicredits"]
    runs = call("GET", "/v1/apps/clinic-reminders/jobs/send-reminders/runs?limit=5").json
    assert runs["key"] == "acme-clinics/clinic-reminders/send-reminders" and runs["runs"][0]["status"] == "succeeded"

    # Pause one job of support-queue (every 5 minutes), then the whole app, then resume.
    paused = call("POST", "/v1/apps/support-queue/jobs/triage-tickets/pause", {"reason": "tickets migrating"}, 202).json
    assert paused["type"] == "almanac.schedule.paused" and paused["topic"] == "almanac.control"
    job = client.wait_for("/v1/apps/support-queue", lambda app: not app["jobs"][0]["enabled"], 30, "the job pause")["jobs"][0]
    assert job["paused"]["reason"] == "tickets migrating" and job["paused"]["actor"] == "admin"
    call("POST", "/v1/apps/support-queue/jobs/triage-tickets/resume", {}, 202)
    call("POST", "/v1/apps/support-queue/pause", {"reason": "maintenance"}, 202)
    app = client.wait_for("/v1/apps/support-queue", lambda a: not a["enabled"], 30, "the app pause")
    assert app["paused"]["reason"] == "maintenance" and not app["jobs"][0]["enabled"]
    # While paused, its slots are skipped (paused), not run.
    client.wait_for("/v1/apps/support-queue/jobs/triage-tickets/runs", lambda body: any(
        r["status"] == "skipped" and r.get("skipReason") == "paused" for r in body["runs"]), 60, "a paused skip")
    call("POST", "/v1/apps/support-queue/resume", b"", 202)
    client.wait_for("/v1/apps/support-queue", lambda a: a["enabled"], 30, "the resume")

    # Trigger a job now: a manual run with a UUID id, run by the worker.
    triggered = call("POST", "/v1/apps/inventory-sync/jobs/sync-stock/trigger", {"params": {"note": "by hand"}}, 202).json
    uuid = triggered["triggerId"]
    client.wait_for("/v1/apps/inventory-sync/jobs/sync-stock/runs", lambda body: any(
        r["triggerId"] == uuid and r["status"] == "succeeded" for r in body["runs"]), 60, "the manual run")

    # A malformed message on control reaches the dlq, and the API shows it.
    brokers = (dev.state / "dev.brokers").read_text().strip()
    producer = Producer({"bootstrap.servers": brokers})
    producer.produce("almanac.control", key=b"support-queue", value=b"{not json")
    producer.flush(10)
    dlq = client.wait_for("/v1/dlq", lambda body: body["total"] >= 1, 30, "the rejection")
    call("GET", "/v1/dlq?limit=10")
    assert dlq["rejections"][0]["reason"] == "not_json" and dlq["rejections"][0]["topic"] == "almanac.control"

    # /metrics: the named series exist with values that agree with what happened above.
    reply = call("GET", "/metrics")
    assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    m = prometheus_samples(reply.text)
    assert sample(m, "almanac_ticks_total") >= 10
    assert sample(m, "almanac_triggers_total", source="scheduled") >= 3   # the three 8:00 runs
    assert sample(m, "almanac_triggers_total", source="manual") == 1
    assert sample(m, "almanac_skips_total", reason="paused") >= 1
    succeeded = sample(m, "almanac_runs_total", status="succeeded")
    assert succeeded >= 4   # those and the manual run
    assert sample(m, "almanac_run_duration_seconds_count", status="succeeded") == succeeded
    assert sample(m, "almanac_run_duration_seconds_bucket", status="succeeded", le="+Inf") == succeeded
    assert sample(m, "almanac_run_duration_seconds_sum", status="succeeded") > 0
    assert 0 <= sample(m, "almanac_runs_in_progress") <= 4
    assert sample(m, "almanac_consumer_lag", group="projector") >= 0
    assert sample(m, "almanac_consumer_lag", group="almanac-workers") >= 0
    assert sample(m, "almanac_dlq_messages") >= 1
    assert sample(m, "almanac_dlq_total", consumer="projector", reason="not_json") >= 1
    assert sample(m, "almanac_ready") == 1
    assert sample(m, "almanac_jobs", state="enabled") == 4
    assert sample(m, "almanac_events_published_total", type="almanac.schedule.paused") == 2
    charged = sample(m, "almanac_credits_charged_millicredits_total", account="acme-clinics")
    assert charged == client.get("/v1/accounts").json["accounts"][0]["creditsToday"]["millicredits"] > 0

    # Every operation of the document was called and its answer validated.
    assert {(m, t) for m, t, _ in spec.checked} == spec.all_operations()

    assert dev.stop() == 0
    # The API's pause is the same event `almanac pause` writes.
    pauses = [e["data"] for e in by_type(dev.events(), "almanac.schedule.paused") if e["data"]["app"] == "support-queue"]
    assert {"app": "support-queue", "reason": "maintenance", "actor": "admin"} in pauses


def test_api_errors_are_precise_4xx_json(api):
    _, client = api
    spec = OpenAPI()

    def error(method: str, path: str, body=None, status: int = 400, field: str | None = None, contains: str = "") -> dict:
        reply = client.get(path) if method == "GET" else client.post(path, body)
        assert reply.status == status, f"{method} {path}: {reply.status} {reply.body[:300]!r}"
        assert reply.headers.get("Content-Type", "").startswith("application/json")
        payload = reply.json
        assert contains in payload["error"], payload
        assert payload.get("field") == field, payload
        try:
            spec.check(method, path, reply)
        except AssertionError as e:
            if "is not in schemas/openapi.yaml" not in str(e):
                raise
        return payload

    error("POST", "/v1/apps/support-queue/pause", "{not json", 400, None, "not valid JSON")
    error("POST", "/v1/apps/support-queue/pause", "[1, 2]", 400, None, "must be a JSON object")
    error("POST", "/v1/apps/support-queue/pause", {"reason": 42}, 400, "reason", "reason must be a string")
    error("POST", "/v1/apps/support-queue/pause", {"reason": "x" * 501}, 400, "reason", "longer than 500")
    error("POST", "/v1/apps/support-queue/pause", {"reason": "ok", "until": "later"}, 400, "until", 'unknown field "until"')
    error("POST", "/v1/apps/support-queue/jobs/triage-tickets/trigger", {"parms": {}}, 400, "parms", "unknown field")
    error("POST", "/v1/apps/ghost/pause", {}, 404, "app", 'app "ghost" is not configured')
    error("GET", "/v1/apps/ghost", None, 404, "app", "known: clinic-reminders, csv-import, inventory-sync, support-queue")
    error("POST", "/v1/apps/support-queue/jobs/nope/resume", {}, 404, "job", 'has no job "nope" (jobs: triage-tickets)')
    error("GET", "/v1/apps/support-queue/jobs/nope/runs", None, 404, "job", "has no job")
    error("GET", "/v1/dlq?limit=abc", None, 400, "limit", "limit must be an integer")
    error("GET", "/v1/nothing-here", None, 404, None, "no such endpoint")
    # Nothing of that was published: the app is still enabled.
    assert client.get("/v1/apps/support-queue").json["enabled"]
