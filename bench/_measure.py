"""What the benchmarks share: the machine, the load, a process-tree memory sampler, figures.

``TreeMemory`` samples, every ~100 ms in a thread, the resident memory of one process and all
its descendants (Chromium's browser, renderer, GPU and utility processes included): the sum of
their RSS (an upper bound: pages shared between Chromium's processes are counted once per
process) and the sum of their PSS (shared pages split between the processes that share them:
the memory the tree really takes). The peaks are kept.

``Figure`` is one measured value; ``emit`` prints figures as a table or, with ``--json``, one
JSON line each: ``{"bench", "figure", "value", "unit", "machine", "load_1m", ...}``.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
GIB = 1024**3


def machine() -> str:
    """A short description of this machine: cores, CPU model, memory, OS."""
    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = psutil.virtual_memory().total / GIB
    return (
        f"{os.cpu_count()} cores, {model}, {mem:.0f} GiB, {platform.system()} {platform.release()}"
    )


def load_1m() -> float:
    return round(os.getloadavg()[0], 2)


def tree_of(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def kind_of(proc: psutil.Process) -> str:
    try:
        cmd = proc.cmdline()
    except psutil.Error:
        return "other"
    exe = Path(cmd[0]).name if cmd else ""
    if "chrom" in exe:
        kind = next((a.split("=", 1)[1] for a in cmd if a.startswith("--type=")), "browser")
        return f"chromium {kind}"
    if exe == "node":
        return "playwright driver"
    if "python" in exe or exe == "govprobe":
        return "python"
    return exe or "other"


class TreeMemory:
    """Peak memory of a process tree, sampled in a thread; a context manager.

    ``pid`` is the tree's root (default: this process). With ``pss=False`` only RSS is read
    (cheaper: /proc/PID/statm instead of smaps_rollup)."""

    def __init__(self, pid: int | None = None, interval: float = 0.1, pss: bool = True):
        self.pid = pid or os.getpid()
        self.interval = interval
        self.pss = pss
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_processes = 0
        self.samples = 0
        self._cpu: dict[tuple[int, float], float] = {}  # (pid, create time) -> cpu seconds
        self._kinds: dict[tuple[int, float], str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> None:
        rss = pss = 0
        procs = tree_of(self.pid)
        for proc in procs:
            try:
                key = (proc.pid, proc.create_time())
                times = proc.cpu_times()
                self._cpu[key] = times.user + times.system
                if self._kinds.get(key) in (None, "sh", "other"):  # a wrapper may exec
                    self._kinds[key] = kind_of(proc)
                if self.pss:
                    info = proc.memory_full_info()
                    pss += getattr(info, "pss", info.uss)
                    rss += info.rss
                else:
                    rss += proc.memory_info().rss
            except psutil.Error:  # ended between listing and reading
                continue
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_processes = max(self.peak_processes, len(procs))
        self.samples += 1

    @property
    def cpu_seconds(self) -> float:
        """CPU time the tree used (user + system), as last seen for each process."""
        return sum(self._cpu.values())

    def cpu_by_kind(self) -> dict[str, float]:
        """CPU seconds per kind of process (python, node driver, chromium ...)."""
        out: dict[str, float] = {}
        for key, seconds in self._cpu.items():
            kind = self._kinds.get(key, "other")
            out[kind] = round(out.get(kind, 0.0) + seconds, 1)
        return out

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def start(self, pid: int | None = None) -> TreeMemory:
        if pid is not None:
            self.pid = pid
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> TreeMemory:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class Timed:
    """A finished command: its wall time, exit code, output and its tree's peak memory."""

    wall_s: float
    returncode: int
    stdout: str
    stderr: str
    peak_rss: int
    peak_pss: int
    cpu_s: float
    cpu_by_kind: dict
    load_before: float
    load_after: float


def run_measured(cmd: list[str], *, cwd: str | Path | None = None, env=None) -> Timed:
    """Run a command, sampling the memory of its process tree until it ends."""
    load_before = load_1m()
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    with TreeMemory(proc.pid) as memory:
        out, err = proc.communicate()
    wall = time.monotonic() - started
    return Timed(wall, proc.returncode, out, err, memory.peak_rss, memory.peak_pss,
                 memory.cpu_seconds, memory.cpu_by_kind(), load_before, load_1m())  # fmt: skip


def dir_bytes(path: str | Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):  # removed meanwhile
                total += os.path.getsize(os.path.join(root, name))
    return total


@dataclass
class Figure:
    figure: str
    value: object
    unit: str = ""
    target: str = ""
    load_1m: float | None = None
    extra: dict = field(default_factory=dict)


def emit(bench: str, figures: list[Figure], as_json: bool, load: float | None = None) -> None:
    """Print the figures: a table, or one JSON line each. A figure without its own load
    average gets ``load`` (the highest seen while measuring), else the current one."""
    where = machine()
    load_default = load if load is not None else load_1m()
    for f in figures:
        load = f.load_1m if f.load_1m is not None else load_default
        if as_json:
            line = {"bench": bench, "figure": f.figure, "value": f.value, "unit": f.unit,
                    "machine": where, "load_1m": load}  # fmt: skip
            if f.target:
                line["target"] = f.target
            line.update(f.extra)
            print(json.dumps(line, ensure_ascii=False), flush=True)
        else:
            target = f"  (target {f.target})" if f.target else ""
            print(f"{f.figure:<52} {f.value!s:>12} {f.unit:<6} load {load:<5}{target}", flush=True)
    if not as_json:
        print(f"machine: {where}")
