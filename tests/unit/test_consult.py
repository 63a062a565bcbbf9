"""``consult submit --submit`` to live portals: the confirmation prompt goes to the terminal,
never into the JSON (the sending itself replaced: no test writes to a real government)."""

from __future__ import annotations

import json


def test_the_confirmation_prompt_goes_to_the_terminal_not_into_the_json(tmp_path, monkeypatch):
    """--submit to live portals asks at the terminal (stderr); --json's stdout stays one JSON
    object. The sending itself is replaced here: no test ever writes to a real government."""
    from click.testing import CliRunner

    from probes import cli
    from probes.app import consult as consult_command

    sent = []

    def pretend(**kwargs) -> dict:
        sent.append(kwargs["target"])
        return {"round": "r1", "dry_run": False, "results": []}

    monkeypatch.setattr(consult_command, "consult_submit", pretend)
    args = ["consult", "submit", "--target", "live", "--submit", "--city", "北京",
            "--contact", "李评估", "--phone", "13800000000", "--db", str(tmp_path / "g.db"),
            "--json"]  # fmt: skip
    refused = CliRunner().invoke(cli.main, args, input="n\n")
    assert refused.exit_code != 0 and refused.stdout == "" and sent == []
    assert "真实的政府部门" in refused.stderr
    agreed = CliRunner().invoke(cli.main, args, input="y\n")
    assert agreed.exit_code == 0, agreed.output
    assert json.loads(agreed.stdout) == {"round": "r1", "dry_run": False, "results": []}
    assert "真实的政府部门" in agreed.stderr and sent == ["live"]
