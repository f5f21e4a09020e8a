"""Fixtures for end-to-end tests: the real `almanac` binary, the embedded broker it starts, real
job processes. Set ALMANAC_BIN to the binary (ops/test does); the cwd is the repository root."""
import json
import os
import pathlib
import shutil
import signal
import subprocess
import threading
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def pytest_configure(config):
    config.addinivalue_line("markers", "alone: run after the others, with the machine to itself (ops/test runs the rest "
                                       "two at a time with pytest-xdist)")


def almanac_bin() -> str:
    return os.environ.get("ALMANAC_BIN", str(ROOT / ".build" / "debug" / "almanac"))


class Dev:
    """A running `almanac dev`, with its stdout collected line by line."""

    def __init__(self, tmp: pathlib.Path, args: list[str], env: dict | None = None):
        self.state = tmp / "state"
        self.export = tmp / "export.jsonl"
        self.lines: list[str] = []
        # The http role listens on a free port unless a test picks one (never the default 8080,
        # which another process on the machine may hold).
        if "--http-port" not in args:
            args = [*args, "--http-port", "0"]
        self.env = env or {}
        self.cmd = [almanac_bin(), "dev", "--state-directory", str(self.state), "--export", str(self.export), *args]
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, **(env or {})})
        self.stderr = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._err.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def _read_err(self):
        self.stderr = self.proc.stderr.read()

    def wait_for(self, predicate, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; last output: {self.lines[-10:]} stderr: {self.stderr[-2000:]}")

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([almanac_bin(), *args, "--state-directory", str(self.state)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)

    def finish(self, timeout: float = 300) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        self._err.join(timeout=10)
        return code

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        return self.finish(timeout=120)

    def http_url(self, timeout: float = 60) -> str:
        """The base URL of the dev's http role, from dev.json once it listens."""
        found: list[str] = []

        def listening() -> bool:
            try:
                url = json.loads((self.state / "dev.json").read_text()).get("httpURL")
            except (OSError, ValueError):
                return False
            if url:
                found.append(url)
            return bool(url)

        self.wait_for(listening, timeout, "the http role's URL in dev.json")
        return found[-1]

    def token(self) -> str:
        """The admin token of the dev's http role: ALMANAC_ADMIN_TOKEN when the test set one, else
        the one dev made for itself in <state>/dev.token."""
        given = self.env.get("ALMANAC_ADMIN_TOKEN")
        if given:
            return given
        path = self.state / "dev.token"
        self.wait_for(path.exists, 60, "dev.token")
        return path.read_text().strip()

    def events(self) -> list[dict]:
        """Every message of the export, decoded: {"topic", "partition", "offset", "key", "value"}."""
        with open(self.export) as f:
            return [json.loads(line) for line in f if line.strip()]


@pytest.fixture
def dev_factory(tmp_path):
    started: list[Dev] = []

    def start(args: list[str], env: dict | None = None) -> Dev:
        dev = Dev(tmp_path, args, env)
        started.append(dev)
        return dev

    yield start
    for dev in started:
        if dev.proc.poll() is None:
            dev.proc.kill()
            dev.proc.wait()


@pytest.fixture
def example_apps(tmp_path) -> pathlib.Path:
    """examples/apps copied into tmp with absolute paths (outputs go under the dev's state directory)."""
    apps = tmp_path / "apps"
    apps.mkdir()
    for src in (ROOT / "examples" / "apps").glob("*.yaml"):
        text = src.read_text()
        text = text.replace("../jobs/", str(ROOT / "examples" / "jobs") + "/")
        text = text.replace("../data/", str(ROOT / "examples" / "data") + "/")
        (apps / src.name).write_text(text)
    return apps


def by_type(events: list[dict], type_: str) -> list[dict]:
    return [e["value"] for e in events if isinstance(e.get("value"), dict) and e["value"].get("type") == type_]
