"""The scripts run in portal pages are package data: one ``js/<name>.js`` file per constant.

``probes/walk/scripts.py`` reads ``probes/walk/js/`` into its public upper-case constants and
``probes/check/browser_checks.py`` reads ``probes/check/js/`` into its private ones; no browser
here (the journey, interaction and browser-check tests run the scripts in Chromium).
"""

from __future__ import annotations

from importlib.resources import files

import pytest

from probes.check import browser_checks
from probes.walk import scripts


def _files(package: str) -> dict[str, str]:
    """``{stem: text}`` of the package's js/*.js files."""
    folder = files(package) / "js"
    return {
        f.name.removesuffix(".js"): f.read_text(encoding="utf-8")
        for f in folder.iterdir()
        if f.name.endswith(".js")
    }


def _public_constants() -> dict[str, object]:
    return {
        name: value
        for name, value in vars(scripts).items()
        if name.isupper() and not name.startswith("_")
    }


def test_every_public_constant_of_scripts_is_the_text_of_its_file():
    found = _files("probes.walk")
    constants = _public_constants()
    assert constants, "scripts.py defines no scripts"
    for name, value in constants.items():
        assert isinstance(value, str) and value.strip(), name
        assert value == found.get(name.lower()), f"{name} is not js/{name.lower()}.js"


def test_no_walk_script_file_is_left_unread():
    assert set(_files("probes.walk")) == {name.lower() for name in _public_constants()}


def test_every_browser_check_script_file_is_read_by_the_constant_of_its_name():
    found = _files("probes.check")
    assert set(found) == {"navigation", "lcp", "text_and_links", "mobile"}
    for stem, text in found.items():
        assert getattr(browser_checks, "_" + stem.upper(), None) == text, stem


@pytest.mark.parametrize("package", ["probes.walk", "probes.check"])
def test_each_script_opens_with_what_it_does_then_the_function_evaluated(package):
    for stem, text in _files(package).items():
        lines = text.splitlines()
        assert lines[0].startswith("// "), f"{package} js/{stem}.js: no opening comment"
        code = [line for line in lines if not line.startswith("//")]
        assert code and code[0].startswith("("), f"{package} js/{stem}.js: {code[:1]}"
        assert text.endswith("\n"), stem


def test_a_missing_script_file_is_named_in_the_error():
    with pytest.raises(FileNotFoundError, match=r"no_such_script\.js"):
        scripts._read("no_such_script")
