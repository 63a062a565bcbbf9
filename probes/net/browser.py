"""Finding, installing and launching the Chromium that journeys and checks drive, and the one
way a context is opened in it (``new_context``).

The discovery order (first that works wins, and the caller is told which):

1. ``GOVPROBE_CHROMIUM`` - an explicit executable path;
2. Playwright's own Chromium, when ``playwright install`` has put one in its cache;
3. Debian's ``/usr/bin/chromium`` (or ``chromium-browser`` on the PATH);
4. as root, ``apt-get install -y chromium fonts-noto-cjk``;
5. ``python -m playwright install chromium``.

Chromium is started with flags that keep it from reaching the internet on its own
(background networking, component updates, sync) and, as root, without its sandbox.
``environment`` says what a round ran with (the versions and the machine), for its params.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path

from playwright.async_api import Browser, BrowserContext

import probes

ENV_VAR = "GOVPROBE_CHROMIUM"


LAUNCH_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
)


class BrowserNotFound(RuntimeError):
    """No Chromium could be found or installed; the message lists what was tried."""


@dataclass(frozen=True)
class BrowserChoice:
    executable: str | None  # None: Playwright's bundled build, located by Playwright itself
    source: str  # "env", "playwright", "system", "apt", "playwright-install"

    def describe(self) -> str:
        where = self.executable or "Playwright's own Chromium"
        return f"{where} (from {self.source})"


def _playwright_own() -> str | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a hard dependency
        return None
    try:
        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:
        return None
    return path if path and Path(path).is_file() else None


def _system() -> str | None:
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def find_chromium() -> BrowserChoice | None:
    """The first Chromium already on this machine, without installing anything. Call it outside
    a running event loop (it asks Playwright's sync API where its own build would be); the
    answer is kept for the process."""
    return _find(os.environ.get(ENV_VAR))


@functools.cache
def _find(explicit: str | None) -> BrowserChoice | None:
    if explicit:
        if not (Path(explicit).is_file() and os.access(explicit, os.X_OK)):
            raise BrowserNotFound(f"{ENV_VAR}={explicit!r} is not an executable file")
        return BrowserChoice(explicit, "env")
    own = _playwright_own()
    if own:
        return BrowserChoice(None, "playwright")
    system = _system()
    if system:
        return BrowserChoice(system, "system")
    return None


def ensure_chromium(log=print) -> BrowserChoice:
    """Find a Chromium, installing one if needed (apt as root, else Playwright's download)."""
    choice = find_chromium()
    if choice:
        return choice
    _find.cache_clear()  # what is installed below must be found afterwards
    tried = []
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("no Chromium found: installing Debian's chromium and fonts-noto-cjk with apt-get")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        done = subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-cjk"], check=False, env=env
        )
        system = _system()
        _find.cache_clear()
        if done.returncode == 0 and system:
            return BrowserChoice(system, "apt")
        tried.append(f"apt-get install chromium (exit {done.returncode})")
    log("no Chromium found: trying `python -m playwright install chromium`")
    done = subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], check=False)
    _find.cache_clear()
    if done.returncode == 0 and _playwright_own():
        return BrowserChoice(None, "playwright-install")
    tried.append(f"playwright install chromium (exit {done.returncode})")
    raise BrowserNotFound(
        "no Chromium: looked for $GOVPROBE_CHROMIUM, Playwright's own build and "
        "/usr/bin/chromium; then tried " + "; ".join(tried)
    )


def server_launch_options(headless: bool = True) -> dict:
    """The options a Playwright browser server launches a round's browser with (Playwright's
    own names, sent as ``x-playwright-launch-options``; the server honours them when started
    with ``--unsafe``): the flags of ``launch_options``, without Chromium's sandbox, and the
    executable this machine would launch, when it is a file of its own (Debian's
    ``/usr/bin/chromium``, ``$GOVPROBE_CHROMIUM``); with Playwright's own build, or none here,
    the server launches its own. Call it outside a running event loop (``find_chromium``)."""
    choice = find_chromium()
    options: dict = {"headless": headless, "args": [*LAUNCH_ARGS, "--no-sandbox"]}
    if choice is not None and choice.executable:
        options["executablePath"] = choice.executable
    return options


def launch_options(choice: BrowserChoice | None = None, headless: bool = True) -> dict:
    """Keyword arguments for ``playwright.chromium.launch``."""
    choice = choice or find_chromium()
    if choice is None:
        raise BrowserNotFound("no Chromium found: run `govprobe browser ensure`")
    args = list(LAUNCH_ARGS)
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    options: dict = {"headless": headless, "args": args}
    if choice.executable:
        options["executable_path"] = choice.executable
    return options


def environment(browser: Browser | None = None, *, chromium: bool = True) -> dict:
    """What a round runs with, kept in its params (``environment``) so that a result can be
    traced to the code, the browser and the machine that produced it: the versions of
    govprobe, Playwright, Chromium and Python, and the machine's name, platform and CPUs.

    Chromium's version is the running browser's (``browser.version``) when one is given, else
    the one this machine would launch (``chromium_version``); None when none can be told, or
    when the round uses no browser (``chromium=False``: no executable is looked for or run)."""
    return {
        "govprobe": probes.__version__,
        "playwright": package_version("playwright"),
        "chromium": (
            browser.version if browser is not None else chromium_version() if chromium else None
        ),
        "python": platform.python_version(),
        "machine": {
            "hostname": socket.gethostname(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }


def chromium_version(choice: BrowserChoice | None = None) -> str | None:
    """The version of the Chromium ``launch_options`` would start, without starting it: an
    executable's own ``--version``, or the build Playwright pins (its ``browsers.json``)."""
    try:
        choice = choice or find_chromium()
    except BrowserNotFound:
        return None
    if choice is None:
        return None
    if choice.executable is None:  # Playwright's own build: the one its driver pins
        import playwright

        pins = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
        try:
            listed = json.loads(pins.read_text(encoding="utf-8"))["browsers"]
        except (OSError, ValueError, KeyError):
            return None
        return next((b.get("browserVersion") for b in listed if b.get("name") == "chromium"), None)
    try:
        said = subprocess.run(
            [choice.executable, "--version"], capture_output=True, text=True, timeout=30,
            check=False,
        ).stdout  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r"\d+(?:\.\d+){1,3}", said)  # "Chromium 156.0.8078.114 built on Debian"
    return found.group(0) if found else None


PC_VIEWPORT = {"width": 1366, "height": 900}


MOBILE_DEVICE = "Pixel 7"


async def new_context(
    browser: Browser,
    playwright,
    channel: str,
    *,
    user_agent_suffix: str = "",
    phone_viewport: dict | None = None,
    **extra,
) -> BrowserContext:
    """The one way a context is opened, for a journey or a check: a phone (``MOBILE_DEVICE``)
    or a PC window (``PC_VIEWPORT``), in China's locale and time zone, certificates checked.

    ``user_agent_suffix`` is appended to the browser's user agent (an identifying token);
    ``phone_viewport`` replaces the phone's own screen size (the health checks judge a page
    375 px wide); ``extra`` goes to ``browser.new_context`` as it is (a saved session's
    ``storage_state``)."""
    common = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "ignore_https_errors": False}
    common |= extra
    if channel == "mobile":
        device = dict(playwright.devices[MOBILE_DEVICE])
        device.pop("default_browser_type", None)
        if phone_viewport is not None:
            device["viewport"] = device["screen"] = phone_viewport
        if user_agent_suffix:
            device["user_agent"] = f"{device['user_agent']} {user_agent_suffix}"
        return await browser.new_context(**device, **common)
    kwargs = {"viewport": PC_VIEWPORT, **common}
    if user_agent_suffix:
        kwargs["user_agent"] = (
            f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{browser.version} Safari/537.36 {user_agent_suffix}"
        )
    return await browser.new_context(**kwargs)
