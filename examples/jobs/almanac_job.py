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
