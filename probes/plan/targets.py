"""Where to probe: portal addresses for the sandbox, the live portals, or one bare url.

The sandbox is another process reached over HTTP only: ``SandboxProcess`` starts
``python -m sandbox serve --port 0`` and reads the address it prints; ``sandbox_directory``
asks a running sandbox where each city's portal is (the sandbox's equivalent of the registry's
real addresses: it is never asked for the truth).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from probes.plan.cities import City, Registry
from probes.plan.scenarios import ScenarioError
from probes.settings import CHINA


@contextlib.contextmanager
def sandbox_url_for(sandbox_url: str | None):
    """The given sandbox, or one started for the duration of the block."""
    if sandbox_url:
        yield sandbox_url.rstrip("/")
        return
    with SandboxProcess() as sandbox:
        yield sandbox.url


READY_PREFIX = "govprobe sandbox listening on "

# Where a target's address came from.
ADDRESSES = {
    "sandbox": "the sandbox's directory (its PC or H5 address)",
    "pc_url": "the registry's PC portal (for mobile: walked with a phone's viewport and agent)",
    "mobile_url": "the registry's mobile H5 site",
    "portal_url": "the one bare --portal-url",
}


@dataclass(frozen=True)
class Target:
    """One portal to walk for one city and channel; ``address`` says where ``url`` came from."""

    city: City | None
    channel: str
    url: str
    address: str = ""  # ADDRESSES


class SandboxProcess:
    """A sandbox in a child process on free ports; a context manager."""

    def __init__(self, *extra_args: str, timeout: float = 60.0):
        self.extra_args = extra_args
        self.timeout = timeout
        self.url: str | None = None
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> SandboxProcess:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> str:
        cmd = [sys.executable, "-m", "sandbox", "serve", "--port", "0", *self.extra_args]
        self._proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )  # fmt: skip
        found: list[str] = []

        def read() -> None:
            assert self._proc and self._proc.stdout
            for line in self._proc.stdout:
                if line.startswith(READY_PREFIX):
                    found.append(line[len(READY_PREFIX) :].split()[0].strip())
                    break

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(self.timeout)
        if not found:
            self._proc.kill()
            err = self._proc.stderr.read()[-2000:] if self._proc.stderr else ""
            self.stop()
            raise RuntimeError(f"the sandbox did not start within {self.timeout:.0f}s: {err}")
        self.url = found[0]
        # keep draining stdout/stderr so the child never blocks on a full pipe
        self._drains = [
            threading.Thread(target=stream.read, daemon=True)
            for stream in (self._proc.stdout, self._proc.stderr)
        ]
        for drain in self._drains:
            drain.start()
        return self.url

    def stop(self) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for drain in getattr(self, "_drains", ()):
            drain.join(5)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
        self._proc = None


def sandbox_directory(sandbox_url: str, client: httpx.Client | None = None) -> dict[str, dict]:
    """The sandbox's city directory keyed by Chinese name: pc_url and mobile_url per city."""
    own = client is None
    client = client or httpx.Client(timeout=15)
    try:
        response = client.get(sandbox_url.rstrip("/") + "/__sandbox/cities")
        response.raise_for_status()
        return {c["name"]: c for c in response.json()}
    finally:
        if own:
            client.close()


def sandbox_targets(
    registry: Registry, cities: tuple[City, ...], channels: tuple[str, ...], directory: dict
) -> list[Target]:
    targets = []
    for city in cities:
        entry = directory.get(city.name)
        if entry is None:
            raise ScenarioError(f"{registry.source}: city {city.name} is not in the sandbox")
        for channel in channels:
            url = entry["pc_url"] if channel == "pc" else entry.get("mobile_url")
            if url:
                targets.append(Target(city, channel, url, "sandbox"))
    return targets


def city_targets(
    target: str,
    sandbox_url: str | None,
    registry: Registry,
    cities: tuple[City, ...],
    channels: tuple[str, ...],
) -> list[Target]:
    """The cities' portals on each channel: on the sandbox at ``sandbox_url`` (its directory
    names their addresses), else at their real addresses (``live_targets``)."""
    if target == "sandbox":
        return sandbox_targets(registry, cities, channels, sandbox_directory(sandbox_url))
    return live_targets(cities, channels)


def live_targets(cities: tuple[City, ...], channels: tuple[str, ...]) -> list[Target]:
    """Real addresses (unverified). Mobile is probed on the city's H5 site (``mobile_url``)
    where the registry has one, else on the PC address with a phone's viewport and user agent
    (many portals send phones on to their H5 site from there); ``address`` says which."""
    targets = []
    for city in cities:
        for channel in channels:
            if channel == "mobile" and city.mobile_url:
                targets.append(Target(city, channel, city.mobile_url, "mobile_url"))
            else:
                targets.append(Target(city, channel, city.pc_url, "pc_url"))
    return targets


def portal_clock(target: str, sandbox_url: str | None = None) -> Callable[[], datetime]:
    """ "Now" as the portals live it: the sandbox's simulated clock (it moves only when a test
    or an evaluator moves it), or the real time in China for live portals."""
    if target != "sandbox":
        return lambda: datetime.now(CHINA)
    if not sandbox_url:
        raise ValueError("the sandbox's clock needs --sandbox-url")
    url = sandbox_url.rstrip("/") + "/__sandbox/clock"

    def now() -> datetime:
        response = httpx.get(url, timeout=15)
        response.raise_for_status()
        return datetime.fromisoformat(response.json()["now"])

    return now


# The clock a round is stamped with (its start, its end, and a check round's rows): the
# machine's ("real"), or the sandbox's simulated one ("sandbox"), so that a season simulated on
# the sandbox has its rules that read time (a portal down for a day, the availability week,
# the previous round) see the portals' time. A round says which in its params (``clock``).
CLOCKS = ("real", "sandbox")


def round_stamp(clock: str, target: str, sandbox_url: str | None) -> Callable[[], str] | None:
    """The stamp of a round's times on ``clock``, as the store writes its own (UTC ISO to the
    second, so they compare with the rest); None for the real clock (the store's own)."""
    if clock not in CLOCKS:
        raise ScenarioError(f"clock {clock!r}: expected one of {', '.join(CLOCKS)}")
    if clock == "real":
        return None
    if target != "sandbox":
        raise ScenarioError(f"clock 'sandbox' needs the sandbox as target, not {target!r}")
    now = portal_clock(target, sandbox_url)
    return lambda: now().astimezone(UTC).isoformat(timespec="seconds")
