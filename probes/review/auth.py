"""Who is asking: evaluator tokens, signed session cookies and CSRF tokens for the review pages.

- A *token* belongs to one evaluator (``{name: token}``, from a YAML or JSON file). The
  evaluator's name on every judgement comes from the token, never from a form field.
- Logging in (``/login?token=...`` or the login form) sets a session cookie: the evaluator's
  name, a random session id and the time, signed with HMAC-SHA256 under a secret drawn at random
  when the process starts (so a restart logs everyone out). ``Authorization: Bearer <token>``
  is accepted too; its session id is derived from the token.
- A *CSRF token* is the HMAC of the session id: every form carries it, and a POST without the
  session's own is refused.

Everything here is pure (no Starlette): ``probes/review/app.py`` wires it to requests.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

COOKIE = "govprobe_review"


SESSION_SECONDS = 12 * 3600


TOKENS_ENV = "GOVPROBE_REVIEW_TOKENS"


MIN_TOKEN_LENGTH = 16


class TokenError(ValueError):
    """A tokens file that cannot be used; the message names the file."""


@dataclass(frozen=True)
class Session:
    evaluator: str
    sid: str  # random per login; the CSRF token is bound to it


def load_tokens(path: str | os.PathLike) -> dict[str, str]:
    """``{evaluator name: token}`` from a YAML or JSON file (JSON is YAML)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TokenError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or not data:
        raise TokenError(f"{path}: expected a mapping of evaluator name to token")
    tokens: dict[str, str] = {}
    for name, token in data.items():
        if not isinstance(name, str) or not name.strip():
            raise TokenError(f"{path}: {name!r}: an evaluator's name must be non-empty text")
        if not isinstance(token, str) or len(token) < MIN_TOKEN_LENGTH:
            raise TokenError(
                f"{path}: {name}: the token must be text of at least {MIN_TOKEN_LENGTH} characters"
            )
        tokens[name.strip()] = token
    if len(set(tokens.values())) != len(tokens):
        raise TokenError(f"{path}: two evaluators share a token")
    return tokens


def generated_tokens() -> dict[str, str]:
    """One random token for the current OS user, for a review started with no tokens file."""
    return {getpass.getuser(): secrets.token_urlsafe(24)}


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Authority:
    """Tokens, sessions and CSRF tokens of one review process."""

    def __init__(self, tokens: Mapping[str, str], *, secret: bytes | None = None) -> None:
        if not tokens:
            raise TokenError("the review needs at least one evaluator token")
        self._tokens = dict(tokens)
        self._secret = secret or secrets.token_bytes(32)

    def _mac(self, purpose: str, message: str) -> str:
        digest = hmac.new(self._secret, f"{purpose}\0{message}".encode(), hashlib.sha256)
        return _b64(digest.digest())

    def evaluator_of(self, token: str | None) -> str | None:
        """The evaluator a token belongs to, or None (compared in constant time)."""
        if not token:
            return None
        found = None
        for name, known in self._tokens.items():
            if hmac.compare_digest(token.encode(), known.encode()):
                found = name
        return found

    def bearer_session(self, token: str | None) -> Session | None:
        name = self.evaluator_of(token)
        if name is None:
            return None
        return Session(name, self._mac("bearer", token or ""))

    def new_cookie(self, evaluator: str, *, now: float | None = None) -> str:
        """A signed cookie value for a fresh session of ``evaluator``."""
        payload = json.dumps(
            {"n": evaluator, "s": secrets.token_urlsafe(16), "t": int(now or time.time())},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        body = _b64(payload.encode())
        return f"{body}.{self._mac('cookie', body)}"

    def cookie_session(self, value: str | None, *, now: float | None = None) -> Session | None:
        """The session a cookie carries, or None when it is unsigned, forged or expired."""
        if not value or value.count(".") != 1:
            return None
        body, mac = value.split(".")
        if not hmac.compare_digest(mac.encode(), self._mac("cookie", body).encode()):
            return None
        try:
            payload = json.loads(_unb64(body))
            name, sid, issued = payload["n"], payload["s"], int(payload["t"])
        except (ValueError, KeyError, TypeError):
            return None
        if (now or time.time()) - issued > SESSION_SECONDS or name not in self._tokens:
            return None
        return Session(name, sid)

    def csrf_token(self, session: Session) -> str:
        return self._mac("csrf", f"{session.evaluator}\0{session.sid}")

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(
            str(token).encode(), self.csrf_token(session).encode()
        )
