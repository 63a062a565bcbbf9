"""The review pages' safety settings: loopback only unless tokens come from a file, and tokens
long enough to be secret."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from probes.review.auth import TokenError, is_loopback, load_tokens
from probes.review.server import serve


def test_the_review_refuses_a_public_address_without_a_tokens_file(tmp_path, monkeypatch):
    from probes.cli import main

    monkeypatch.delenv("GOVPROBE_REVIEW_TOKENS", raising=False)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    with pytest.raises(TokenError, match="not a loopback address"):
        serve(tmp_path / "x.db", host="0.0.0.0", echo=lambda m: None)
    done = CliRunner().invoke(main, ["review", "--db", str(tmp_path / "x.db"), "--host", "0.0.0.0"])
    assert done.exit_code != 0 and "not a loopback address" in done.output
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text("李评估: short\n", encoding="utf-8")
    with pytest.raises(TokenError, match="at least 16"):
        load_tokens(tokens)
    tokens.write_text('{"李评估": "li-token-0123456789abcdef"}', encoding="utf-8")
    assert load_tokens(tokens) == {"李评估": "li-token-0123456789abcdef"}
