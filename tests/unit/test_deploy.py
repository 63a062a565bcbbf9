"""The deployment files cannot drift from the code they deploy (Docker is not run here):
``deploy/compose.yaml``'s browser servers run the Playwright that govprobe's own package
drives, and ``deploy/Dockerfile`` installs what the README says a machine needs."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from importlib.metadata import version
from pathlib import Path

import playwright
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def driver_version() -> str:
    """The Node Playwright inside the Python package: the one a browser server must match."""
    package = Path(playwright.__file__).parent / "driver" / "package" / "package.json"
    return json.loads(package.read_text(encoding="utf-8"))["version"]


def minor(v: str) -> str:
    return ".".join(v.split(".")[:2])


def test_the_compose_files_servers_run_the_playwright_govprobe_drives():
    pinned = driver_version()
    # the server's version check compares major.minor with the client's
    assert minor(pinned) == minor(version("playwright"))
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert len(services) >= 2
    ports = set()
    for name, service in services.items():
        assert service["image"] == f"mcr.microsoft.com/playwright:v{pinned}-noble", name
        command = service["command"]
        assert command[:4] == ["npx", "-y", f"playwright@{pinned}", "run-server"], name
        assert "--unsafe" in command  # the launch options govprobe sends are honoured
        port = command[command.index("--port") + 1]
        (published,) = service["ports"]
        bind, host_port, inside = published.rsplit(":", 2)
        assert inside == port, name
        assert bind == "${GOVPROBE_BIND:-127.0.0.1}", f"{name}: published on {bind}"
        ports.add(host_port)
        assert port in " ".join(service["healthcheck"]["test"]), name
    assert len(ports) == len(services)  # one host port each


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    lines = [line.strip() for line in joined.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def test_the_dockerfile_installs_what_the_readme_says_a_machine_needs():
    steps = dockerfile_instructions()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # README: "... else, as root, `apt-get install chromium fonts-noto-cjk` ..."
    (said,) = re.findall(r"`apt-get install ([^`]+)`", readme)
    runs = " && ".join(arg for op, arg in steps if op == "RUN")
    installed = set()
    for command in runs.split("&&"):
        words = shlex.split(command)
        if words[:2] == ["apt-get", "install"]:
            installed |= {w for w in words[2:] if not w.startswith("-")}
    assert set(said.split()) <= installed, runs

    (base,) = [arg for op, arg in steps if op == "FROM"]
    python = re.fullmatch(r"python:(\d+\.\d+)-slim(-\w+)?", base)
    assert python, base
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    needed = pyproject["project"]["requires-python"].removeprefix(">=")
    assert tuple(map(int, python.group(1).split("."))) >= tuple(map(int, needed.split(".")))

    env = " ".join(arg for op, arg in steps if op == "ENV")
    assert "GOVPROBE_CHROMIUM=/usr/bin/chromium" in env  # Debian's, as browser ensure finds it
    copied = {arg.split()[0] for op, arg in steps if op == "COPY"}
    assert {"probes", "scenarios", "pyproject.toml"} <= copied  # scenarios/ is read beside the code
    assert re.search(r"pip install [^&]*-e \.", runs)  # the project, installed in place
    assert ("ENTRYPOINT", '["govprobe"]') in steps
