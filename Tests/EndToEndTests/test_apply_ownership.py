"""An app belongs to its account (issue 22): `almanac apply` of a file that reuses another
account's app id is refused naming the owner and publishes nothing; the dry run lists what a
change would do (jobs added, removed, changed, with the fields)."""
import json

from conftest import by_type

START = "2026-03-02T07:55:00-05:00"


def test_apply_refuses_to_move_an_app_and_the_dry_run_prints_a_diff(dev_factory, example_apps, tmp_path):
    dev = dev_factory(["--apps", str(example_apps), "--start", START, "--speed", "1", "--quiet"])
    dev.http_url()   # every role is up, the example apps are applied
    original = (example_apps / "clinic-reminders.yaml").read_text()

    stolen = tmp_path / "stolen"
    stolen.mkdir()
    (stolen / "clinic.yaml").write_text(original.replace("account: acme-clinics", "account: mallory"))
    refused = dev.cli("apply", str(stolen))
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert 'app "clinic-reminders" belongs to account "acme-clinics"; this file would move it to "mallory": refused' in refused.stderr
    assert "applied" not in refused.stdout
    as_json = dev.cli("apply", str(stolen), "--dry-run", "--json")
    assert as_json.returncode == 2
    row = json.loads(as_json.stdout)["apps"][0]
    assert row["state"] == "refused" and row["changes"][0] == "account acme-clinics → mallory"

    edited = tmp_path / "edited"
    edited.mkdir()
    text = original.replace('schedule: "8:00"', 'schedule: "9:00"') if 'schedule: "8:00"' in original else original.replace("schedule: 8:00", "schedule: 9:00")
    assert text != original, "the example's schedule line changed: update this test"
    (edited / "clinic.yaml").write_text(text)
    preview = dev.cli("apply", str(edited), "--dry-run")
    assert preview.returncode == 0, preview.stderr
    assert "would be changed clinic-reminders" in preview.stdout
    assert "    ~ job send-reminders: schedule" in preview.stdout

    assert dev.stop() == 0
    configured = [e["data"]["config"]["app"] for e in by_type(dev.events(), "almanac.app.configured")]
    assert configured.count("clinic-reminders") == 1   # neither the refused file nor the dry run published
