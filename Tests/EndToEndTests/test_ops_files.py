"""The deployment files of ops/ that CI cannot run (no systemd as init, no container engine),
checked as far as they can be here: the systemd template unit with `systemd-analyze verify`, the
compose file and the Containerfile statically."""
import pathlib
import re
import shutil
import subprocess

import yaml

from conftest import ROOT, almanac_bin

OPS = ROOT / "ops"


def test_systemd_units_are_templates_where_they_use_the_instance_and_verify_clean(tmp_path):
    units = sorted(OPS.glob("*.service"))
    assert [u.name for u in units] == ["almanac@.service"]
    for unit in units:
        text = unit.read_text()
        if re.search(r"%[iI]", text):
            assert unit.name.endswith("@.service"), f"{unit.name} uses %i but is not a template (name@.service)"
    assert shutil.which("systemd-analyze"), "systemd-analyze is missing (ops/install-deps installs Debian's systemd)"
    # verify needs ExecStart's program to exist: point it at the binary under test; an instance
    # (almanac@worker.service) is what systemd would load.
    text = (OPS / "almanac@.service").read_text()
    assert "ExecStart=/usr/local/bin/almanac run --roles ${ALMANAC_ROLES}" in text
    (tmp_path / "almanac@.service").write_text(text.replace("/usr/local/bin/almanac", str(pathlib.Path(almanac_bin()).resolve())))
    (tmp_path / "almanac@worker.service").symlink_to("almanac@.service")
    verify = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "almanac@worker.service")],
                            capture_output=True, text=True, timeout=60)
    # verify exits 0 on warnings (an unknown key, a bad value it ignores): any output is a finding.
    assert verify.returncode == 0 and verify.stdout.strip() == "" and verify.stderr.strip() == "", verify


def test_compose_runs_a_built_image_and_installs_nothing_at_start():
    compose = yaml.safe_load((OPS / "compose.yaml").read_text())
    services = compose["services"]
    almanac = {name: s for name, s in services.items() if s.get("image") == "almanac:local"}
    assert set(almanac) == {"ticker-a", "ticker-b", "worker-1", "worker-2", "http"}
    for name, service in services.items():
        words = " ".join(map(str, [service.get("command", ""), service.get("entrypoint", "")]))
        assert "apt-get" not in words and "pip install" not in words, f"{name} installs packages at every start"
    for name, service in almanac.items():
        build = service["build"]
        assert (OPS / build["context"] / build["dockerfile"]).resolve() == OPS / "Containerfile", name
        assert service["command"][0] == "run" and "--roles" in service["command"], name
        assert service["environment"]["ALMANAC_BROKERS"] == "kafka-1:9092,kafka-2:9092,kafka-3:9092", name

    containerfile = (OPS / "Containerfile").read_text()
    stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?$", containerfile, re.M)
    assert stages == [("swift:${SWIFT_VERSION}-bookworm", "build"), ("debian:bookworm-slim", "")], stages
    runtime = containerfile.split("FROM debian:bookworm-slim", 1)[1]
    assert re.search(r"apt-get install .*librdkafka1", runtime) and "python3" in runtime
    assert "COPY --from=build /out/almanac /usr/local/bin/almanac" in runtime
    assert 'ENTRYPOINT ["/usr/local/bin/almanac"]' in runtime
    # Every path the image copies from the build context exists in the repository.
    for source in re.findall(r"^COPY (?!--from)(\S+) ", containerfile, re.M):
        assert (ROOT / source).exists(), source
