"""Small helpers every archetype uses: how portals split keywords, how they read numbers."""

from __future__ import annotations


def bigrams(text: str) -> set[str]:
    """The two-character pieces portals' search engines match Chinese keywords on."""
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def int_param(value: object, default: int) -> int:
    """A query or JSON number, or ``default`` when it is missing or not a number."""
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
