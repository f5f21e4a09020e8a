"""Who may read and change what on a running `almanac dev --token-file` (issue 22): every data route
needs a token; an account token sees exactly its accounts' apps, on the API and in the panel
(headless Chromium); changing another account's app is refused and publishes nothing; events name
the principal as the actor; the token file is reloaded without a restart; `almanac token create`
prints a token and the line that grants it."""
import hashlib
import subprocess
import time

from conftest import almanac_bin, by_type
from http_support import Client, OpenAPI

START = "2026-03-02T07:55:00-05:00"
DATA_ROUTES = ["/v1/apps", "/v1/apps/clinic-reminders", "/v1/accounts",
               "/v1/apps/clinic-reminders/jobs/send-reminders/runs", "/v1/dlq", "/metrics"]


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_file(entries: list[tuple[str, str, str, list[str]]]) -> str:
    """YAML of (name, token, role, accounts) entries."""
    lines = ["tokens:"]
    for name, token, role, accounts in entries:
        listed = f", accounts: [{', '.join(accounts)}]" if accounts else ""
        lines.append(f"  - {{name: {name}, role: {role}{listed}, sha256: {sha256(token)}}}")
    return "\n".join(lines) + "\n"


def test_token_create_prints_a_token_and_the_line_that_grants_it():
    made = subprocess.run([almanac_bin(), "token", "create", "--name", "alice", "--account", "acme"],
                          capture_output=True, text=True, timeout=30)
    assert made.returncode == 0, made.stderr
    token, line = made.stdout.splitlines()
    assert token.startswith("alm_") and len(token) == 47
    assert line == f"  - {{name: alice, role: account, accounts: [acme], sha256: {sha256(token)}}}"
    refused = subprocess.run([almanac_bin(), "token", "create", "--name", "x"], capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2 and "needs --account" in refused.stderr


def test_account_tokens_see_only_their_apps_and_changes_name_the_actor(dev_factory, example_apps, tmp_path):
    tokens = tmp_path / "tokens.yaml"
    entries = [("ops", "ops-token", "admin", []), ("alice", "alice-token", "account", ["acme-clinics"]),
               ("nora", "nora-token", "account", ["northwind"])]
    tokens.write_text(token_file(entries))
    dev = dev_factory(["--apps", str(example_apps), "--start", START, "--speed", "60", "--quiet", "--token-file", str(tokens)])
    url = dev.http_url()
    anonymous, admin = Client(url), Client(url, token="ops-token")
    alice, nora = Client(url, token="alice-token"), Client(url, token="nora-token")
    dev.wait_for(lambda: admin.get("/readyz").status == 200 and len(admin.get("/v1/apps").json["apps"]) == 4, 60,
                 "ready with the four example apps")
    assert not (dev.state / "dev.token").exists()   # a token file given: dev makes no token of its own
    spec = OpenAPI()

    # No credentials, or unknown ones: 401 on every data route, with nothing of any tenant.
    for path in DATA_ROUTES:
        for client in (anonymous, Client(url, token="guess")):
            reply = client.get(path)
            assert reply.status == 401, (path, reply.status)
            assert b"acme" not in reply.body and b"northwind" not in reply.body
            spec.check("GET", path, reply)
    assert anonymous.get("/healthz").status == 200

    # alice sees exactly acme-clinics' app; another account's app is "not configured" for her.
    assert [a["app"] for a in alice.get("/v1/apps").json["apps"]] == ["clinic-reminders"]
    assert [a["account"] for a in alice.get("/v1/accounts").json["accounts"]] == ["acme-clinics"]
    assert sorted(a["app"] for a in nora.get("/v1/apps").json["apps"]) == ["csv-import", "inventory-sync"]
    hidden = alice.get("/v1/apps/csv-import")
    assert hidden.status == 404 and hidden.json["error"] == 'app "csv-import" is not configured (known: clinic-reminders)'
    refused = alice.post("/v1/apps/csv-import/pause", {"reason": "not mine"})
    assert refused.status == 404
    assert alice.get("/metrics").status == 403
    assert admin.get("/metrics").status == 200

    # alice pauses her own app: 202, and the event names her.
    assert alice.post("/v1/apps/clinic-reminders/pause", {"reason": "clinic closed"}).status == 202
    assert alice.post("/v1/apps/clinic-reminders/jobs/send-reminders/trigger", {}).status == 202
    paused = admin.wait_for("/v1/apps/clinic-reminders", lambda a: not a["enabled"], 30, "alice's pause")["paused"]
    assert paused["actor"] == "alice"

    # The token file changes without a restart: alice removed, carol added; effective within a second.
    tokens.write_text(token_file([entries[0], entries[2], ("carol", "carol-token", "account", ["helpdesk-co"])]))
    deadline = time.monotonic() + 1.5
    while alice.get("/v1/apps").status != 401:
        assert time.monotonic() < deadline, "alice's removed token still works"
        time.sleep(0.05)
    assert [a["app"] for a in Client(url, token="carol-token").get("/v1/apps").json["apps"]] == ["support-queue"]
    # A broken version is refused: the last good one stays in force.
    tokens.write_text("tokens: [oops")
    time.sleep(0.5)
    assert admin.get("/v1/apps").status == 200

    # The panel: nora logs in and sees only northwind's apps.
    from test_http_panel import chrome, log_in
    browser = chrome()
    try:
        log_in(browser, url, "nora-token")
        page = browser.page_source
        assert "csv-import" in page and "inventory-sync" in page
        assert "clinic-reminders" not in page and "support-queue" not in page and "acme-clinics" not in page
        assert "nora" in browser.find_element("id", "viewer").text
    finally:
        browser.quit()

    assert dev.stop() == 0
    events = dev.events()
    pauses = [e["data"] for e in by_type(events, "almanac.schedule.paused")]
    assert pauses == [{"app": "clinic-reminders", "reason": "clinic closed", "actor": "alice"}]   # nothing for csv-import
    manual = [e["data"] for e in by_type(events, "almanac.job.triggered") if e["data"]["source"] == "manual"]
    assert [m["actor"] for m in manual] == ["alice"]
