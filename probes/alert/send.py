"""Sending alerts with apprise: one URL per destination, every alert to every URL.

URLs are apprise's (https://github.com/caronc/apprise/wiki): ``dingtalk://TOKEN/`` (钉钉 group
robot, ``dingtalk://SECRET@TOKEN/`` when it signs), ``wecombot://KEY`` (企业微信 group robot),
``mailto://USER:PASSWORD@HOST?to=ADDR`` (e-mail over SMTP), ``json://HOST:PORT/PATH`` (a
webhook that receives ``{"title", "message", "type", ...}`` as JSON; ``jsons://`` over https).
A URL apprise cannot read is refused before any work (``check_urls``). A send that fails never
fails the command or the job that sent it: it is logged and returned, and the caller says it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import apprise

from probes.alert.events import Alert

log = logging.getLogger("probes.alert")
log.addHandler(logging.NullHandler())  # a command says its failures itself; a scheduler logs them


class AlertURLError(ValueError):
    """An alert URL apprise cannot read; the message names it."""


@dataclass(frozen=True)
class Failure:
    url: str  # as shown: secrets hidden
    event: str
    error: str

    def said(self) -> str:
        return f"告警发送失败：{self.url}（{self.event}）：{self.error}"


def _service(url: str):
    server = apprise.Apprise.instantiate(url)
    if server is None:
        raise AlertURLError(
            f"告警地址 {url!r} 无法识别：应为 apprise 地址，如 json://主机:端口/路径、"
            "dingtalk://令牌/、wecombot://密钥、mailto://用户:密码@主机"
        )
    return server


def _shown(server, url: str) -> str:
    try:  # secrets masked, apprise's default parameters left out
        return server.url(privacy=True).split("?", 1)[0]
    except Exception:  # a plugin that cannot say its own url: show the scheme alone
        return url.split("://", 1)[0] + "://…"


def check_urls(urls: Iterable[str]) -> tuple[str, ...]:
    """The URLs, each one apprise can read; AlertURLError naming the first it cannot."""
    urls = tuple(u.strip() for u in urls if u and u.strip())
    for url in urls:
        _service(url)
    return urls


def send_alerts(alerts: Sequence[Alert], urls: Sequence[str]) -> list[Failure]:
    """Send each alert to each URL; the sends that failed (logged), never an exception."""
    failures = []
    for url in urls:
        try:
            server = _service(url)
        except AlertURLError as exc:
            failures += [
                Failure(url.split("://", 1)[0] + "://…", a.event, str(exc)) for a in alerts
            ]
            continue
        shown = _shown(server, url)
        for alert in alerts:
            try:
                ok = server.notify(
                    body=alert.body(), title=alert.title, notify_type=apprise.NotifyType.WARNING
                )
                error = "" if ok else "对方未接受或无法连接（详见日志）"
            except Exception as exc:  # a plugin's own failure is a failed send, nothing more
                error = f"{type(exc).__name__}: {exc}"
            if error:
                failure = Failure(shown, alert.event, error)
                log.warning("%s", failure.said())
                failures.append(failure)
            else:
                log.info("alert sent to %s: %s", shown, alert.title)
    return failures
