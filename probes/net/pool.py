"""The browsers a round walks in, and what happens when one is lost.

A round walks in one local Chromium, or in Playwright browser servers on other machines
(``python -m playwright run-server``, ``deploy/compose.yaml``; docs/operations.md, "多机扩展"):
each connection to a server is a browser of its own, launched by the server with the options
this side sends (``x-playwright-launch-options``: the flags and, where this machine has one,
the Chromium executable of ``probes.net.browser.server_launch_options``; a server that has no
such file launches its own Chromium instead, and says so).

``BrowserPool.run`` runs one piece of work (a job's journeys) on the live browser with the
least work on it. A browser is lost when Playwright says so: its ``disconnected`` event (the
server died, the connection dropped), or a call made to it after the work that finds it closed.
Never guessed from how a journey ended: a portal that fails is the portal's outcome. Work that
was on a lost browser is cancelled and run again, from its start, on a live one, and told
which losses it met (``Loss``), so that what it stores can say it was walked again and why.
Servers that do not answer at the start are left out, each with a line saying so; when no
browser is left, ``NoBrowserLeft``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from typing import TypeVar

from playwright.async_api import Browser
from playwright.async_api import Error as PlaywrightError

T = TypeVar("T")

LOCAL = "本机 Chromium"
CONNECT_TIMEOUT_S = 30.0  # a server that has not answered by then is left out of the round
ANSWER_TIMEOUT_S = 60.0  # opening a context after a piece of work: past it the browser is lost
CANCEL_TIMEOUT_S = 30.0  # the lost work's own clean-up; past it the work is left behind
DISCONNECTED = "浏览器连接已断开（Playwright: disconnected）"


class NoBrowserLeft(RuntimeError):
    """Every browser of the pool is lost (or none answered at the start); the message names
    each one and why."""


@dataclass(frozen=True)
class Loss:
    """A browser lost under a piece of work, as the work's probes keep it (``extra``)."""

    endpoint: str  # the server's address, or LOCAL
    reason: str  # Playwright's own words
    lost_at: str  # ISO 8601, UTC

    def as_dict(self) -> dict:
        return {"endpoint": self.endpoint, "reason": self.reason, "lost_at": self.lost_at}


@dataclass(eq=False)
class Member:
    name: str  # the endpoint, or LOCAL
    browser: Browser
    busy: int = 0  # pieces of work on it now
    loss: Loss | None = None
    lost: asyncio.Event = field(default_factory=asyncio.Event)


def _said(exc: BaseException) -> str:
    """The first line of an error, without Playwright's ``BrowserType.connect:`` prefix."""
    text = (str(exc) or type(exc).__name__).strip().splitlines()[0]
    return re.sub(r"^\w+\.\w+: ", "", text)[:300]


def _versions(message: str) -> str:
    """Both versions, where a server refused this side's Playwright."""
    found = dict(re.findall(r"(server|client) version: v?([\d.]+)", message))
    if not found and "version" not in message.lower():
        return ""
    server = found.get("server", "?")
    return f"（服务器 Playwright {server}，本机 {version('playwright')}，两边须一致）"


async def _connect(playwright, endpoint: str, launch: dict, say: Callable[[str], None]) -> Browser:
    """One connection to a browser server, the server launching its browser with ``launch``
    (Playwright's option names). A server without the executable named there is asked again
    without it, and launches its own Chromium."""
    options = dict(launch)
    while True:
        headers = {"x-playwright-launch-options": json.dumps(options)}
        try:
            return await playwright.chromium.connect(
                endpoint, timeout=CONNECT_TIMEOUT_S * 1000, headers=headers
            )
        except PlaywrightError as exc:
            path = options.get("executablePath")
            if not path or f"executable doesn't exist at {path}" not in str(exc):
                raise
            say(f"浏览器服务器 {endpoint} 上没有 {path}：改用它自带的 Chromium")
            del options["executablePath"]


class BrowserPool:
    def __init__(self, members: Sequence[Member], say: Callable[[str], None] = lambda m: None):
        self.members = list(members)
        self.say = say
        self._closing = False  # closing them ourselves: their disconnection is no loss
        for member in self.members:
            member.browser.on("disconnected", lambda _b, m=member: self._lose(m, DISCONNECTED))

    @classmethod
    async def open(
        cls,
        playwright,
        launch: dict,
        endpoints: Sequence[str] = (),
        say: Callable[[str], None] = lambda m: None,
    ) -> BrowserPool:
        """A local Chromium (``launch``: ``chromium.launch``'s keyword arguments), or one
        connection per browser server (``launch``: the options each server launches with,
        ``server_launch_options``), made at once. A server that does not answer is left out
        with a line saying so (a server of another Playwright version with both versions
        named); ``NoBrowserLeft`` when none answers."""
        if not endpoints:
            return cls([Member(LOCAL, await playwright.chromium.launch(**launch))], say)
        got = await asyncio.gather(
            *(_connect(playwright, e, launch, say) for e in endpoints), return_exceptions=True
        )
        members, refused = [], []
        for endpoint, browser in zip(endpoints, got, strict=True):
            if isinstance(browser, PlaywrightError):
                why = _said(browser) + _versions(str(browser))
                refused.append(f"{endpoint}：{why}")
                say(f"浏览器服务器 {endpoint} 无应答，本轮不用它：{why}")
            elif isinstance(browser, BaseException):
                raise browser
            else:
                members.append(Member(endpoint, browser))
        if not members:
            raise NoBrowserLeft("所有浏览器服务器均无应答：" + "；".join(refused))
        return cls(members, say)

    @property
    def first(self) -> Browser:
        return self.members[0].browser

    def live(self) -> list[Member]:
        return [m for m in self.members if m.loss is None]

    def _lose(self, member: Member, reason: str) -> None:
        if member.loss is not None or self._closing:
            return
        member.loss = Loss(member.name, reason, datetime.now(UTC).isoformat(timespec="seconds"))
        member.lost.set()
        left = len(self.live())
        then = (
            f"其上进行中的 {member.busy} 组探测改在其余 {left} 个上重新进行"
            if left
            else "已无可用的浏览器"
        )
        self.say(f"浏览器 {member.name} 已失去（{reason}）：{then}")

    def _pick(self) -> Member:
        live = self.live()
        if not live:
            lost = "；".join(f"{m.name}：{m.loss.reason}" for m in self.members if m.loss)
            raise NoBrowserLeft(f"所有浏览器都已失去（{lost}）")
        return min(live, key=lambda m: m.busy)  # the first of the least busy

    async def run(self, work: Callable[[Browser], Awaitable[T]]) -> tuple[T, tuple[Loss, ...]]:
        """``work(browser)`` on a live browser; when that browser is lost before the work is
        done, the work is cancelled and run again, from its start, on another. Returns what
        the work returned and the losses it met, in order (empty: walked once). An error of
        the work itself, on a browser that still answers, is raised as it is."""
        losses: list[Loss] = []
        while True:
            member = self._pick()
            member.busy += 1
            try:
                done, value = await self._on(member, work)
            finally:
                member.busy -= 1
            if done:
                return value, tuple(losses)
            assert member.loss is not None
            losses.append(member.loss)

    async def _on(self, member: Member, work: Callable[[Browser], Awaitable[T]]):
        """(True, what the work returned), or (False, None) when the browser was lost."""
        task = asyncio.ensure_future(work(member.browser))
        watch = asyncio.ensure_future(member.lost.wait())
        try:
            await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # the round itself is being stopped
            task.cancel()
            raise
        finally:
            watch.cancel()
        # The work may have ended on errors of a connection that closed just before Playwright's
        # event comes: a call that must cross the connection settles it.
        if member.loss is None and task.done() and await self._answers(member):
            return True, task.result()  # the work's own error, if any, is raised here
        if not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=CANCEL_TIMEOUT_S)
        if task.done() and not task.cancelled():
            task.exception()  # read, so that asyncio does not report it as never retrieved
        return False, None

    async def _answers(self, member: Member) -> bool:
        try:
            context = await asyncio.wait_for(member.browser.new_context(), ANSWER_TIMEOUT_S)
            await asyncio.wait_for(context.close(), ANSWER_TIMEOUT_S)
        except PlaywrightError as exc:
            self._lose(member, _said(exc))
        except TimeoutError:
            self._lose(member, f"{ANSWER_TIMEOUT_S:.0f} 秒内无应答")
        return member.loss is None

    async def close(self) -> None:
        self._closing = True
        for member in self.members:
            with contextlib.suppress(PlaywrightError):  # already gone with its server
                await member.browser.close()
