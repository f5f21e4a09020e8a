"""Helpers for Almanac job scripts: the run's context and the report protocol (ALMANAC_REPORT_FD)."""
import datetime as dt
import json
import os
import sys


def scheduled_for() -> dt.datetime:
    """The run's fire time (UTC, aware) from ALMANAC_SCHEDULED_FOR."""
    return dt.datetime.fromisoformat(os.environ["ALMANAC_SCHEDULED_FOR"].replace("Z", "+00:00"))


def params() -> dict:
    """The run's params (JSON on stdin)."""
    text = sys.stdin.read()
    return json.loads(text) if text.strip() else {}


def _report(obj: dict) -> None:
    fd = int(os.environ.get("ALMANAC_REPORT_FD", "-1"))
    if fd < 0:
        return
    os.write(fd, (json.dumps(obj) + "\n").encode())


def report_usage(*, emails: int = 0, sms: int = 0, ai: list | None = None) -> None:
    """Meters usage for billing: emails, SMS and AI tokens [{model, inputTokens, outputTokens}]."""
    _report({"type": "usage", "emails": emails, "sms": sms, "ai": ai or []})


def queue_follow_up(job: str, params: dict | None = None) -> None:
    """Queues another job of this app to run right after this one."""
    _report({"type": "followUp", "job": job, "params": params or {}})


def path_from_env(name: str) -> str:
    return os.path.abspath(os.environ[name])


def dry_run(run_params: dict) -> bool:
    """Whether the run was asked to only show what it would do (`{"dryRun": true}` in its params):
    then it sends nothing, writes nothing and reports no usage, so it is charged its base only."""
    value = run_params.get("dryRun", False)
    if not isinstance(value, bool):
        raise SystemExit(f"params.dryRun must be true or false, not {json.dumps(value)}")
    return value


def output_dir(override: str | None = None) -> str:
    """The folder this run writes its outputs to: the variable named `override` when the app file's
    `env` sets it, else ALMANAC_OUTPUT_DIR, which the worker gives every job (`<state directory>/out/<app>`,
    outside the checkout). Created if missing."""
    if override and os.environ.get(override):
        path = path_from_env(override)
    elif os.environ.get("ALMANAC_OUTPUT_DIR"):
        path = path_from_env("ALMANAC_OUTPUT_DIR")
    else:
        raise SystemExit("no output folder: the worker sets ALMANAC_OUTPUT_DIR (almanac dev and almanac run do)"
                         + (f"; or set {override} in the app file's env" if override else ""))
    os.makedirs(path, exist_ok=True)
    return path
