"""Turning a portal page's bytes into text: the one place probes/ decides a page's encoding.

Many portals (older static guide pages especially) declare ``gb2312`` (in the Content-Type
header or a ``<meta charset>``) and then hold characters GB2312 does not have: names and places
such as 镕, 堃, 昇, 赟, 䶮. Their servers really write GBK or GB18030, and browsers agree: the
WHATWG encoding standard reads every label of that family (gb2312, gbk, gb_2312-80, x-gbk ...)
with the GB18030 decoder. Decoding those bytes as strict GB2312 would turn the rare characters
into replacement characters, so every decode of page bytes in probes/ goes through
``decode_html``: http_checks (availability, link checks) and the extraction of stored evidence.
"""

from __future__ import annotations

import codecs
import re

# Labels of the GB family (WHATWG "gbk" and "gb18030" labels, and Python's own aliases), all
# read as GB18030, the superset every one of them is a subset of.
_GB_LABELS = frozenset(
    {
        "chinese",
        "csgb2312",
        "csiso58gb231280",
        "gb2312",
        "gb_2312",
        "gb_2312-80",
        "gb2312-80",
        "gb2312-1980",
        "gbk",
        "cp936",
        "ms936",
        "windows-936",
        "iso-ir-58",
        "x-gbk",
        "euc-cn",
        "euccn",
        "x-euc-cn",
        "gb18030",
        "gb-18030",
    }
)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.+-]+)""", re.I)


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def codec_for(label: str | None) -> str | None:
    """The Python codec to read a declared charset with: the GB family -> ``gb18030``, other
    known labels as Python names them, None for a label no codec answers to."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _GB_LABELS:
        return "gb18030"
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):  # base64, zlib: bytes to bytes
        return None
    return "gb18030" if info.name in ("gb2312", "gbk") else info.name


def declared_charset(body: bytes) -> str | None:
    """The charset a page declares in its own ``<meta>`` (first 4 KiB), as written."""
    found = _META_CHARSET.search(body[:4096])
    return found.group(1).decode("ascii", "replace") if found else None


def decode_html(body: bytes, declared: str | None = None) -> str:
    """A page's text from its bytes.

    A byte-order mark decides first. Then the charset the caller was told (an HTTP header's),
    then the page's own ``<meta charset>``, then UTF-8: the first that reads the bytes without
    error wins (a body cut short inside its last character still counts). So evidence stored
    as UTF-8 (a browser's DOM, whose ``<meta>`` still says gb2312; its readers pass "utf-8")
    reads as UTF-8, and raw bytes of a gb2312-declared page read as GB18030. When none reads
    cleanly, the first candidate reads with replacement characters.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace")
    candidates: list[str] = []
    for label in (declared, declared_charset(body), "utf-8"):
        codec = codec_for(label)
        if codec and codec not in candidates:
            candidates.append(codec)
    for codec in candidates:
        try:
            # final=False: a body cut at a byte limit may end inside a character
            return codecs.getincrementaldecoder(codec)().decode(body, final=False)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode(candidates[0], errors="replace")
