"""Chromium discovery: an explicit path wins, a wrong one is refused by name."""

from __future__ import annotations

import os

import pytest

from probes.net.browser import ENV_VAR, BrowserNotFound, find_chromium, launch_options


def test_an_explicit_executable_is_used_and_said(monkeypatch, tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv(ENV_VAR, str(fake))
    choice = find_chromium()
    assert choice.executable == str(fake) and choice.source == "env"
    assert str(fake) in choice.describe()
    options = launch_options(choice)
    assert options["executable_path"] == str(fake)
    assert "--disable-background-networking" in options["args"]
    assert ("--no-sandbox" in options["args"]) == (os.geteuid() == 0)


def test_a_wrong_explicit_path_is_refused_with_its_value(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(BrowserNotFound, match="missing"):
        find_chromium()
