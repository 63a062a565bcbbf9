"""A wheel install works with no repository beside it: the shipped data and the init template
travel inside the package (setup.py copies scenarios/ to probes/data/)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("probes", "sandbox", "scenarios")
FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the sources (so no build folder lands in the repo)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in FILES:
        shutil.copy(REPO / name, src / name)
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    (built,) = out.glob("govprobe-*.whl")
    return built


def test_the_wheel_carries_the_shipped_data_and_the_init_template(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.relative_to(REPO / "scenarios").as_posix() for p in (REPO / "scenarios").rglob("*")
               if p.is_file()}  # fmt: skip
    assert {f"probes/data/{name}" for name in shipped} <= names
    assert "probes/cli/govprobe-template.toml" in names


def test_an_installed_wheel_finds_its_data_where_no_repository_is(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         str(wheel)], check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    # the dependencies from this virtualenv's site-packages; govprobe itself only from the wheel
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVPROBE_")}
    env["PYTHONPATH"] = sysconfig.get_paths()["purelib"]
    work = tmp_path / "elsewhere"
    work.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False
        )

    where = run(str(python), "-c", "import probes.settings as s; print(s.DATA_DIR)")
    assert where.returncode == 0, where.stderr
    data = Path(where.stdout.strip())
    assert data.is_relative_to(venv) and data.name == "data", data
    assert (data / "cities.yaml").read_bytes() == (REPO / "scenarios" / "cities.yaml").read_bytes()
    govprobe = str(venv / "bin" / "govprobe")
    done = run(govprobe, "run", "--target", "live", "--scenario", "nope", "--db", "r.db")
    assert "已有：beauty-salon, resident-insurance" in done.stderr, done.stderr
    done = run(govprobe, "init", "season")
    assert done.returncode == 0, done.stderr
    assert (work / "season" / "govprobe.toml").is_file()
    assert (work / "season" / "platforms" / "gdzwfw.yaml").is_file()
