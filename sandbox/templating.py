"""The Jinja2 environment every sandbox page is rendered with (``sandbox/templates/``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, /, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A template under ``sandbox/templates/`` (``"epoint/guide.html"``) as a page; ``template``
    is positional only, so a context value may be called ``name``."""
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code)
