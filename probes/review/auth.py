"""Who is asking: evaluator tokens, server-side sessions, the review's secret, CSRF tokens and
where a request comes from.

- A *token* belongs to one evaluator (``{name: token}``, from a YAML or JSON file). The
  evaluator's name on every judgement comes from the token, never from a form field. Names are
  normalised (``probes.store.overrides.evaluator_name``: NFKC, no invisible characters, spaces
  collapsed) and must stay distinct once normalised: a file naming ``李评估`` and ``李\u200b评估``
  is refused at load, naming the file and both spellings.
- Logging in (``/login?token=...`` or the login form) opens a *session*: a random id, recorded
  server-side (table ``review_sessions``, ``probes/store/sessions.py``: a table rather than a file
  because the database already serialises writers, and logging out must be seen by every process
  serving it). The cookie carries the id and its HMAC-SHA256 under the review's *secret*; the
  database keeps only the id's sha256. Logging out revokes the session, so a copied cookie stops
  working; a session ends by itself ``SESSION_SECONDS`` after login; a restart keeps sessions.
- The *secret* lives beside the database (``SECRET_FILE``), made on first use with mode 0600; a
  secret file that others may read (group or world bits) or that is not a plain file is refused.
- ``Authorization: Bearer <token>`` is accepted too; its session id is derived from the token
  (nothing to revoke: the token itself is the credential).
- A *CSRF token* is the HMAC of the session id: every form carries it, and a POST without the
  session's own is refused.
- ``from_elsewhere`` tells a request another site made the browser send (login CSRF: another
  site logging the browser in as another evaluator) from the browser's ``Sec-Fetch-Site``,
  ``Origin`` and ``Referer`` headers.

No Starlette here: ``probes/review/app.py`` wires it to requests.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import ipaddress
import os
import secrets
import stat
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import yaml

from probes import store
from probes.store import sessions as stored_sessions
from probes.store.overrides import OverrideError, evaluator_name, same_evaluator_key

COOKIE = "govprobe_review"


SESSION_SECONDS = 12 * 3600


TOKENS_ENV = "GOVPROBE_REVIEW_TOKENS"


MIN_TOKEN_LENGTH = 16


# Beside the database, in the data folder; never under evidence/ (which is served).
SECRET_FILE = "review-secret"


SECRET_BYTES = 32


class TokenError(ValueError):
    """A tokens file that cannot be used; the message names the file."""


class SecretError(ValueError):
    """The review's secret file cannot be used safely; the message names it and says why."""


@dataclass(frozen=True)
class Session:
    evaluator: str
    sid: str  # random per login; the CSRF token is bound to it


def evaluator_tokens(tokens: Mapping, where: str) -> dict[str, str]:
    """``{normalised name: token}``, refusing names that are one evaluator once normalised,
    tokens too short to be secret and tokens shared; ``where`` (the file) starts each message."""
    checked: dict[str, str] = {}
    spellings: dict[str, str] = {}
    for name, token in tokens.items():
        try:
            normal = evaluator_name(name) if isinstance(name, str) else ""
        except OverrideError:
            normal = ""
        if not normal:
            raise TokenError(f"{where}: {name!r}: an evaluator's name must be non-empty text")
        if not isinstance(token, str) or len(token) < MIN_TOKEN_LENGTH:
            raise TokenError(
                f"{where}: {normal}: the token must be text of at least {MIN_TOKEN_LENGTH} characters"
            )
        key = same_evaluator_key(normal)
        if key in spellings:
            raise TokenError(
                f"{where}: {spellings[key]!r} and {name!r} are one evaluator (they differ only by"
                " invisible characters, full-width forms or spaces); give each evaluator one name"
            )
        spellings[key] = name
        checked[normal] = token
    if len(set(checked.values())) != len(checked):
        raise TokenError(f"{where}: two evaluators share a token")
    return checked


def load_tokens(path: str | os.PathLike) -> dict[str, str]:
    """``{evaluator name: token}`` from a YAML or JSON file (JSON is YAML), names normalised."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TokenError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or not data:
        raise TokenError(f"{path}: expected a mapping of evaluator name to token")
    return evaluator_tokens(data, str(path))


def generated_tokens() -> dict[str, str]:
    """One random token for the current OS user, for a review started with no tokens file."""
    return {evaluator_name(getpass.getuser()): secrets.token_urlsafe(24)}


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def from_elsewhere(
    *, host: str | None, origin: str | None, referer: str | None, fetch_site: str | None
) -> bool:
    """True when the browser says another site (or an opaque origin) made this request.

    ``Sec-Fetch-Site`` (set by the browser, no page can forge or drop it) must be
    ``same-origin`` or ``none`` (typed, pasted, a bookmark): ``same-site`` is refused too, since
    every port of 127.0.0.1 is the same site, the sandbox's portals included. Then ``Origin``
    (``null`` is not ours) or, without it, ``Referer`` must name this server (``host``, the
    address the browser asked for). A request with none of them came from no browser, and no
    other site can have made it send one.
    """
    if fetch_site and fetch_site.strip().lower() not in ("same-origin", "none"):
        return True
    claimed = origin if origin is not None else referer
    if claimed is None:
        return False
    parts = urlsplit(claimed.strip())
    return parts.scheme not in ("http", "https") or parts.netloc.lower() != (host or "").lower()


def load_secret(folder: str | os.PathLike) -> bytes:
    """The review's secret in ``folder/SECRET_FILE``, made (mode 0600) when there is none.

    Refused (SecretError) when the file is readable or writable by others, is not a plain file
    (a symlink, a folder) or does not hold a secret."""
    path = Path(folder) / SECRET_FILE
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return _new_secret(path)
    except OSError as exc:
        raise SecretError(f"{path}: cannot read the review's secret: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(file.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise SecretError(f"{path}: the review's secret must be a plain file")
        if mode & 0o077:
            raise SecretError(
                f"{path}: mode {stat.S_IMODE(mode):04o} lets other users read or change the"
                f" review's secret; run `chmod 600 {path}` (or delete it: a new one is made and"
                " every evaluator logs in again)"
            )
        text = file.read().decode("ascii", errors="replace").strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) < SECRET_BYTES:
        raise SecretError(
            f"{path}: not a review secret ({SECRET_BYTES * 2} hexadecimal digits expected);"
            " delete it and a new one is made"
        )
    return secret


def _new_secret(path: Path) -> bytes:
    """Write a new secret, whole, under its name (0600), unless another process just did."""
    secret = secrets.token_bytes(SECRET_BYTES)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            os.fchmod(file.fileno(), 0o600)
            file.write(secret.hex() + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(draft, path)  # never over an existing file
        except FileExistsError:
            return load_secret(path.parent)
    finally:
        draft.unlink(missing_ok=True)
    return secret


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


class SessionBook(Protocol):
    """Where sessions are kept: ``StoredSessions`` (the database), or a test's own."""

    def open(self, sid: str, evaluator: str, *, at: str, expires_at: str) -> None: ...

    def find(self, sid: str) -> dict | None: ...

    def revoke(self, sid: str, *, at: str) -> None: ...


class StoredSessions:
    """Sessions in the review's database (``probes/store/sessions.py``), one connection a call
    (the review serves requests from several threads)."""

    def __init__(self, db_path: str | os.PathLike) -> None:
        self.db_path = Path(db_path)

    def _call(self, function, *args, **kwargs):
        db = store.connect(self.db_path)
        try:
            return function(db, *args, **kwargs)
        finally:
            db.close()

    def open(self, sid: str, evaluator: str, *, at: str, expires_at: str) -> None:
        self._call(stored_sessions.open_session, sid, evaluator, at=at, expires_at=expires_at)

    def find(self, sid: str) -> dict | None:
        return self._call(stored_sessions.session_row, sid)

    def revoke(self, sid: str, *, at: str) -> None:
        self._call(stored_sessions.revoke_session, sid, at=at)


class Authority:
    """Tokens, sessions and CSRF tokens of one review: one secret, one session book."""

    def __init__(self, tokens: Mapping[str, str], *, secret: bytes, sessions: SessionBook) -> None:
        if not tokens:
            raise TokenError("the review needs at least one evaluator token")
        if len(secret) < SECRET_BYTES:
            raise SecretError(f"the review's secret must be at least {SECRET_BYTES} bytes")
        self._tokens = evaluator_tokens(tokens, "tokens")
        self._secret = secret
        self._sessions = sessions

    def _mac(self, purpose: str, message: str) -> str:
        digest = hmac.new(self._secret, f"{purpose}\0{message}".encode(), hashlib.sha256)
        return digest.hexdigest()

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
        """Open a session for ``evaluator``; the cookie value that carries it."""
        issued = now if now is not None else time.time()
        sid = secrets.token_urlsafe(24)
        self._sessions.open(
            sid, evaluator, at=_iso(issued), expires_at=_iso(issued + SESSION_SECONDS)
        )
        return f"{sid}.{self._mac('cookie', sid)}"

    def cookie_session(self, value: str | None, *, now: float | None = None) -> Session | None:
        """The session a cookie carries, or None when it is forged, unknown, revoked, expired or
        its evaluator no longer has a token."""
        if not value or value.count(".") != 1:
            return None
        sid, mac = value.split(".")
        if not hmac.compare_digest(mac.encode(), self._mac("cookie", sid).encode()):
            return None
        row = self._sessions.find(sid)
        if row is None or row["revoked_at"]:
            return None
        if _iso(now if now is not None else time.time()) >= row["expires_at"]:
            return None
        if row["evaluator"] not in self._tokens:
            return None
        return Session(row["evaluator"], sid)

    def end_session(self, session: Session, *, now: float | None = None) -> None:
        """Log out: the session's cookie is refused from now on, wherever it was copied."""
        self._sessions.revoke(session.sid, at=_iso(now if now is not None else time.time()))

    def csrf_token(self, session: Session) -> str:
        return self._mac("csrf", f"{session.evaluator}\0{session.sid}")

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(
            str(token).encode(), self.csrf_token(session).encode()
        )
