"""The script-challenge web firewall (the 加速乐 / Alibaba Cloud kind real portals put in front).

A request without a valid cookie gets HTTP 521 (cookie ``__jsluid_s``) or 412 (cookie
``acw_sc__v2``) with a small page whose script computes the cookie from a seed in the page,
sets it and reloads. A real browser passes; a plain HTTP client without JavaScript does not.
One secret serves all sites, so cookies from different ports on 127.0.0.1 never fight.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from http.cookies import SimpleCookie

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

# archetype id -> (cookie name, status). Other archetypes under the refuse_bots fault use listfw's.
STYLES: dict[str, tuple[str, int]] = {
    "listfw": ("__jsluid_s", 521),
    "zjsearch": ("acw_sc__v2", 412),
}
DEFAULT_STYLE = STYLES["listfw"]

_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>安全验证</title></head>
<body><p>正在进行安全验证，请稍候……</p>
<script>
(function(){{var n="{nonce}",s="{sig}",a={a},b={b};
var v=(a*b+(a%7))^{c};
document.cookie="{name}="+n+"."+s+"."+v+"; path=/";
location.reload();}})();
</script></body></html>"""


class Challenge:
    """Issues and verifies challenge cookies with one secret."""

    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or secrets.token_bytes(16)

    def _sig(self, nonce: str) -> str:
        return hmac.new(self.secret, nonce.encode(), hashlib.sha256).hexdigest()[:16]

    @staticmethod
    def _numbers(nonce: str) -> tuple[int, int, int]:
        digest = hashlib.sha256(nonce.encode()).digest()
        return 100 + digest[0] * 7, 13 + digest[1], digest[2]

    def _answer(self, nonce: str) -> int:
        a, b, c = self._numbers(nonce)
        return (a * b + (a % 7)) ^ c

    def page(self, cookie_name: str) -> str:
        nonce = secrets.token_hex(8)
        a, b, c = self._numbers(nonce)
        return _PAGE.format(nonce=nonce, sig=self._sig(nonce), a=a, b=b, c=c, name=cookie_name)

    def valid(self, value: str | None) -> bool:
        if not value or value.count(".") != 2:
            return False
        nonce, sig, answer = value.split(".")
        return hmac.compare_digest(sig, self._sig(nonce)) and answer == str(self._answer(nonce))


def cookie_value(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                continue
            if name in jar:
                return jar[name].value
    return None


class FirewallLayer:
    """Guards an app with the script challenge when ``active()`` says so."""

    def __init__(
        self,
        app: ASGIApp,
        challenge: Challenge,
        style: tuple[str, int],
        active: Callable[[], bool],
    ) -> None:
        self.app, self.challenge, self.style, self.active = app, challenge, style, active

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.active():
            await self.app(scope, receive, send)
            return
        name, status = self.style
        if self.challenge.valid(cookie_value(scope, name)):
            await self.app(scope, receive, send)
            return
        page = HTMLResponse(
            self.challenge.page(name), status_code=status, headers={"cache-control": "no-store"}
        )
        await page(scope, receive, send)
