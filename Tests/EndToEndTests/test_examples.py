"""The example apps as the README shows them (issue 23, items 5, 14, 15, 6, 7 and 2's apply check):
the README's dry run sends nothing and costs the base only, outputs land under the state directory,
app.configured carries commands as written (no path of the machine that applied them), `almanac
runs show` tells a run's story, the API's run view carries the charge and the tails, and `almanac
apply` refuses a command it cannot start."""
import json
import os
import pathlib
import subprocess
import time

from conftest import ROOT, almanac_bin, by_type
from http_support import Client, OpenAPI

START = "2026-03-02T07:55:00-05:00"   # the examples' first slots are 5 real minutes away at 1x


def wait_for_event(dev, type_: str, predicate, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if dev.export.exists():
            found = [e for e in by_type(dev.events(), type_) if predicate(e["data"])]
            if found:
                return found[0]["data"]
        assert dev.proc.poll() is None, dev.stderr[-2000:]
        time.sleep(0.2)
    raise AssertionError(f"no {type_} matching within {timeout} s; stderr: {dev.stderr[-2000:]}")


def trigger(dev, *args: str) -> str:
    result = dev.cli("trigger", "clinic-reminders", "send-reminders", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["triggerId"]


def test_readme_dry_run_sends_nothing_and_outputs_go_under_the_state_directory(dev_factory):
    # The examples as shipped, relative paths and all: `almanac dev`'s default apps root is --apps.
    dev = dev_factory(["--apps", "examples/apps", "--start", START, "--speed", "1"])
    configured = wait_for_event(dev, "almanac.app.configured", lambda d: d["config"]["app"] == "clinic-reminders")
    assert configured["config"]["jobs"][0]["command"] == ["../jobs/appointment_reminders.py"]
    assert str(ROOT) not in json.dumps(configured), "app.configured carries a path of this machine"
    dev.wait_for(lambda: any("The clock is running" in line for line in dev.lines), 60, "the clock to start")
    outbox = dev.state / "out" / "clinic-reminders"

    # README: almanac trigger clinic-reminders send-reminders --params '{"dryRun": true}'
    dry = trigger(dev, "--params", '{"dryRun": true}')
    done = wait_for_event(dev, "almanac.job.completed", lambda d: d["triggerId"] == dry)
    assert done["status"] == "succeeded", done.get("error")
    assert "dry run: would send" in done["stdoutTail"] and "sent none" in done["stdoutTail"]
    assert done["usage"] == {"ai": [], "emails": 0, "sms": 0}
    charge = wait_for_event(dev, "almanac.credits.charged", lambda d: d["chargeId"] == dry)
    assert [i["item"] for i in charge["lineItems"]] == ["base"] and charge["total"] == 3000
    assert not outbox.exists() or not any(outbox.iterdir()), "a dry run wrote the outbox"

    real = trigger(dev)
    done = wait_for_event(dev, "almanac.job.completed", lambda d: d["triggerId"] == real)
    assert done["status"] == "succeeded", done.get("error")
    sent = done["usage"]["sms"] + done["usage"]["emails"]
    written = (outbox / "2026-03-03.txt").read_text().splitlines()
    assert len(written) == sent > 0
    charge = wait_for_event(dev, "almanac.credits.charged", lambda d: d["chargeId"] == real)
    assert charge["total"] > 3000

    # Item 6: the run's whole story, by trigger id (as `almanac trigger` printed it) or execution id.
    shown = dev.cli("runs", "show", real, "--json")
    assert shown.returncode == 0, shown.stderr
    story = json.loads(shown.stdout)
    assert (story["triggerId"], story["outcome"], story["job"]) == (real, "succeeded", "acme-clinics/clinic-reminders/send-reminders")
    attempt = story["attempts"][0]
    assert (attempt["source"], attempt["exitCode"], attempt["executionId"]) == ("manual", 0, done["executionId"])
    assert "reminders for 2026-03-03" in attempt["stdoutTail"] and attempt["stderrTail"] == ""
    assert attempt["charge"]["millicredits"] == charge["total"] == story["millicredits"]
    assert [i["item"] for i in attempt["charge"]["lineItems"]] == [i["item"] for i in charge["lineItems"]]
    text = dev.cli("runs", "show", done["executionId"])
    assert text.returncode == 0, text.stderr
    assert f"run {real}" in text.stdout and "exit code 0" in text.stdout and "charge     " in text.stdout
    assert "base  1 × 3.000 = 3.000  (complexity 3)" in text.stdout, text.stdout
    missing = dev.cli("runs", "show", "no-such-run")
    assert missing.returncode == 1 and 'no run "no-such-run"' in missing.stderr
    printed = dev.cli("trigger", "clinic-reminders", "send-reminders", "--params", '{"dryRun": true}')
    assert printed.returncode == 0 and "almanac runs show " in printed.stdout

    # Item 7: the API's run view carries the charge and, on request, the tails.
    api = Client(dev.http_url(), token=dev.token())
    path = "/v1/apps/clinic-reminders/jobs/send-reminders/runs"
    runs = api.wait_for(path, lambda b: {r["triggerId"]: r.get("charge") for r in b["runs"]}.get(dry), 30, "the dry run's charge")
    by_id = {r["triggerId"]: r for r in runs["runs"]}
    assert by_id[dry]["charge"]["millicredits"] == 3000 and "stdoutTail" not in by_id[dry]
    assert by_id[dry]["status"] == "succeeded" and "error" not in by_id[dry] and "needsAttention" not in by_id[dry]
    spec = OpenAPI()
    reply = api.get(path + "?tails=true")
    spec.check("GET", path, reply)
    tails = {r["triggerId"]: r for r in reply.json["runs"]}
    assert "dry run: would send" in tails[dry]["stdoutTail"] and tails[real]["stderrTail"] == ""
    bad = api.get(path + "?tails=yes")
    assert bad.status == 400 and bad.json["field"] == "tails"
    dev.stop()


def apply(tmp: pathlib.Path, *args: str) -> subprocess.CompletedProcess:
    # --dry-run and no dev state: validates without a broker.
    return subprocess.run([almanac_bin(), "apply", "--dry-run", *args, "--state-directory", str(tmp / "no-dev")],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_apply_refuses_a_command_that_cannot_start_where_it_can_see_the_code(tmp_path):
    assert apply(tmp_path, "examples/apps").returncode == 0
    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "script.sh").write_text("#!/bin/sh\necho hi\n")   # not executable
    (apps / "broken.yaml").write_text("app: broken\naccount: acme\njobs:\n"
                                      "  - name: missing\n    command: ['jobs/missing.py']\n"
                                      "  - name: not-executable\n    command: ['./script.sh']\n"
                                      "  - name: no-such-program\n    command: ['no-such-program-almanac']\n"
                                      "  - name: fine\n    command: ['/bin/sh', '-c', 'true']\n"
                                      "  - name: handler\n    handler: almanac.noop\n")
    refused = apply(tmp_path, str(apps))
    assert refused.returncode == 2, refused.stderr
    assert f"jobs[0].command: \"jobs/missing.py\" resolves to {apps}/jobs/missing.py, which does not exist" in refused.stderr
    assert "jobs[1].command:" in refused.stderr and "is not executable" in refused.stderr
    assert "jobs[2].command: \"no-such-program-almanac\" is not an executable in PATH" in refused.stderr
    assert "jobs[3]" not in refused.stderr and "jobs[4]" not in refused.stderr
    # Laid out as on the workers: <apps root>/<app id>/jobs/missing.py.
    root = tmp_path / "root"
    (root / "broken" / "jobs").mkdir(parents=True)
    (root / "broken" / "jobs" / "missing.py").write_text("#!/bin/sh\n")
    os.chmod(root / "broken" / "jobs" / "missing.py", 0o755)
    from_root = apply(tmp_path, str(apps), "--apps-root", str(root))
    assert "jobs[0]" not in from_root.stderr and "jobs[1].command" in from_root.stderr
    skipped = apply(tmp_path, str(apps), "--skip-command-check")
    assert skipped.returncode == 0, skipped.stderr
    assert "commands not checked" in skipped.stderr
