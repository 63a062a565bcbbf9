"""``govprobe review``: serve the review pages with uvicorn, safely by default.

- Listens on 127.0.0.1 unless told otherwise; a non-loopback address is refused unless the
  evaluators' tokens come from a file (``--tokens FILE`` or ``$GOVPROBE_REVIEW_TOKENS``), so a
  review open to a network never runs on a token nobody chose.
- Without a tokens file one random token is made for the current OS user and the login URL is
  printed once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from probes.review.auth import TOKENS_ENV, TokenError, generated_tokens, is_loopback, load_tokens


def resolve_tokens(tokens_file: str | os.PathLike | None) -> tuple[dict[str, str], bool]:
    """The evaluators' tokens and whether they came from a file (the option, else the
    environment variable); else one generated token for the current user."""
    path = tokens_file or os.environ.get(TOKENS_ENV)
    if path:
        return load_tokens(path), True
    return generated_tokens(), False


def serve(
    db_path: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    tokens_file: str | os.PathLike | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """Check the address and tokens, say where to log in, and serve until interrupted."""
    import uvicorn

    from probes.review.app import create_app

    tokens, from_file = resolve_tokens(tokens_file)
    if not is_loopback(host) and not from_file:
        raise TokenError(
            f"refusing to listen on {host}: not a loopback address. Give the evaluators' tokens "
            f"in a file (--tokens FILE or ${TOKENS_ENV}) to serve beyond this machine."
        )
    app = create_app(db_path, tokens=tokens)
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    if from_file:
        echo(f"review: {base}/login  ({len(tokens)} evaluators from the tokens file)")
    else:
        ((name, token),) = tokens.items()
        echo(f"review for {name}: {base}/login?token={token}")
    uvicorn.run(app, host=host, port=port, log_level="warning", lifespan="off")
