"""Replies read from the stored pages of 我的咨询 / 我的投诉 / 我的信件: HTML in, list rows out.

Step 5 of the data flow (README, "Architecture") for consultations and complaints, as
``extract`` is for guides. The interaction journey (``probes/walk/consult.py``) keeps the HTML of
a list page and of an item's detail page as they stood in the browser (``page.content()``,
stored as the item's ``list_html`` / ``detail_html`` evidence) and reads them here, with lxml
and no browser; a poll judges what it read, and ``govprobe rejudge`` reads the same stored
pages again with today's rules (``probes/judge/rejudge.py``). Everything here is a pure
function of the HTML.

A page is read as a person reads it:

* a table by its headers (``page_tables`` -> ``read_rows``): 标题 / 编号 / 时间 / 状态 / 答复 /
  答复时间, in any order and any wording of ``HEADER_ROLES``;
* blocks (cards) around an item's ticket, status word or title (``page_cards`` ->
  ``read_card``): the smallest block that holds a link and the ticket or title, never one
  holding two items;
* a detail page by its labels (``page_segments`` -> ``read_detail``): 答复单位 / 答复时间 /
  答复内容, 办理状态, however they are laid out (label and value in two cells, ``dt`` / ``dd``,
  ``<label>信件编号：</label><em>…</em>``, "答复时间：2026-11-03").

Text is what the browser's ``innerText`` gives (``inner_text``): what is not rendered is not
read (``script``, ``style``, ``template``, ``head``, a ``hidden`` attribute, an inline
``display: none`` or ``visibility: hidden``, a closed ``<details>``, ``<input type=hidden>``),
whitespace collapses as CSS collapses it, blocks and ``<br>`` break lines, ``<p>`` leaves a blank
line, cells are separated by tabs. As in the browser, an element that is not rendered reads as
its text content: so a table's hidden rows (a portal's second page, the other tab's list) are
still rows of the list. What a stylesheet hides cannot be known from the HTML and is read.

These functions read exactly what the journey's page scripts used to read in the browser
(``READ_TABLES``, ``READ_CARDS``, ``READ_SEGMENTS``, retired with issue 15): the same tables,
cards (``{i, segments: [{t, v}], links: [{k, text, href}]}``) and segments, so the rules that
turn them into ``ListRow`` values are the ones the journey has always used.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree

from probes.charsets import decode_html
from probes.settings import CHINA

TICKET = re.compile(
    r"(受理编号|查询码|查询编号|信件编号|业务编号|留言编号|咨询编号|投诉编号|办件编号|受理号|编号)"
    r"\s*[:：]?\s*([A-Za-z0-9][A-Za-z0-9_-]{3,})"
)


PORTAL_TIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)


# a page that names itself a list of one's messages (its heading or title)
LIST_HEADING = re.compile(
    r"(我的咨询|我的留言|咨询记录|我的信件|我的投诉|投诉记录|我的诉求|我的办件)"
)


# headers of a list page (我的咨询) by role
HEADER_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("unit", re.compile(r"(回复|答复|办理|处理|承办|受理|办结)(单位|部门|机构)")),
    ("replied", re.compile(r"(回复|答复|办结|处理)(时间|日期)")),
    ("submitted", re.compile(r"(提交|留言|写信|咨询|投诉|受理)?(时间|日期)")),
    ("ticket", re.compile(r"编号|查询码|受理号")),
    ("status", re.compile(r"状态|进度")),
    ("reply", re.compile(r"回复|答复|办理结果|处理结果|意见")),
    ("title", re.compile(r"标题|主题|题目|事项")),
)


REPLIED_STATUS = re.compile(r"(已回复|已答复|已办结|已处理|已完成|办结|已反馈)")


STATUS_WORD = re.compile(
    r"(已回复|已答复|已办结|已处理|已完成|已反馈|待回复|待答复|未答复|未回复|办理中|处理中|已受理|"
    r"待受理|待处理|审核中|已转办|未办结|待办理|受理中)"
)


NO_REPLY = re.compile(
    r"^(暂无|暂无答复|暂无回复|暂未答复|暂未回复|尚未答复|尚未回复|未答复|未回复|无|-+|—+|/)$"
)


DETAIL_LINK = re.compile(r"^(查看|详情|查看详情|查看回复|查看答复|办理详情|信件详情|>>|»|›|>)$")


GENERIC_LINK = re.compile(
    r"^(查看|详情|查看详情|查看回复|查看答复|办理详情|信件详情|评价|删除|撤回|修改|更多|进入|>>|»|›|>)$"
)


# what finds a card: a ticket's label and code, a status word (as a page shows them, unfolded)
_CARD_TICKET = re.compile(r"(编号|查询码|受理号|单号|流水号)[:：]?([A-Za-z0-9][A-Za-z0-9_-]{3,})")


# a page that says it has nothing yet (暂无信件, 暂无记录, 没有找到相关记录)
_EMPTY = re.compile(
    r"(暂无(信件|记录|数据|留言|咨询|投诉|诉求|内容|相关)|没有(找到)?(相关|任何)?的?(记录|信件|数据|留言))"
)


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def parse_portal_time(text: str | None) -> str | None:
    """A time as a portal shows it (2026-11-02 09:00:00, 2026年11月2日 9:00, 2026/11/02) as ISO
    8601 China time; ``None`` when there is none. A date alone is taken at 00:00."""
    if not text:
        return None
    m = PORTAL_TIME.search(unicodedata.normalize("NFKC", text))
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=CHINA).isoformat()
    except ValueError:
        return None


# -- rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    """One row of 我的咨询 / 我的投诉."""

    title: str
    ticket: str | None
    submitted_at: str | None
    status: str
    reply: str
    replied_at: str | None
    replied: bool  # the status or a reply text says it was answered
    link: str = ""  # the address of the item's detail page, where the list links one
    # where the detail link sits on the page it was read from, "card-link" ("3-0": ``ListPage``
    # gives its XPath), for a link that works by script and is clicked
    mark: str = ""


def says_replied(status: str, reply: str = "") -> bool:
    """The status says answered (已答复, 已办结; not 未办结), or there is no status but a reply."""
    status = _fold(status)
    if status:
        return bool(REPLIED_STATUS.search(status)) and not re.search(r"未|待|尚未", status)
    return bool(reply)


def _header_roles(headers: Sequence[str]) -> dict[str, int]:
    roles: dict[str, int] = {}
    for i, header in enumerate(headers):
        h = _fold(header)
        for role, pattern in HEADER_ROLES:
            if role not in roles and pattern.search(h):
                roles[role] = i
                break
    return roles


def is_list(tables: Sequence[dict]) -> bool:
    """A table whose headers name a title or a ticket and a status or a reply: a list of
    one's consultations, even while it is empty (暂无记录)."""
    for table in tables:
        roles = _header_roles(table["headers"])
        if ({"title", "ticket"} & roles.keys()) and ({"status", "reply"} & roles.keys()):
            return True
    return False


def read_rows(tables: Sequence[dict]) -> list[ListRow]:
    """Rows of the tables a list page shows (``page_tables``), by what their headers say."""
    out: list[ListRow] = []
    for table in tables:
        roles = _header_roles(table["headers"])
        if not ({"title", "ticket"} & roles.keys()):
            continue
        for cells in table["rows"]:

            def cell(role: str, cells=cells, roles=roles) -> str:
                i = roles.get(role)
                return cells[i].strip() if i is not None and i < len(cells) else ""

            ticket = cell("ticket") or None
            if ticket:
                found = TICKET.search("编号" + ticket)
                ticket = found.group(2) if found else ticket
            reply, status = cell("reply"), cell("status")
            reply = "" if NO_REPLY.match(_fold(reply)) else reply
            replied = says_replied(status, reply)
            out.append(
                ListRow(
                    title=cell("title"),
                    ticket=ticket,
                    submitted_at=parse_portal_time(cell("submitted")),
                    status=status,
                    reply=reply,
                    replied_at=parse_portal_time(cell("replied")),
                    replied=replied,
                )
            )
    return out


def match_row(
    rows: Sequence[ListRow], *, ticket: str | None, title: str, claimed: set[str] = frozenset()
) -> ListRow | None:
    """The row of an item: by its ticket when it has one, else the newest row with its title
    whose ticket no other item has claimed (a crash between submit and receipt)."""
    if ticket:
        return next((r for r in rows if r.ticket == ticket), None)
    mine = [r for r in rows if same_title(r.title, title) and r.ticket not in claimed]
    if not mine:
        return None
    return max(mine, key=lambda r: (r.submitted_at or "", r.ticket or ""))


def same_title(shown: str, title: str) -> bool:
    """A list's title is the item's: the same, or its first 20 characters, or a shortened one
    (咨询开办美容院办理…) of at least 8 characters that the item's title begins with."""
    want, seen = _fold(title), _fold(shown)
    if not want or not seen:
        return False
    if seen == want or seen.startswith(want[:20]):
        return True
    cut = re.sub(r"(…+|\.{2,})$", "", seen)
    return cut != seen and len(cut) >= 8 and want.startswith(cut)


def same_row(a: ListRow, b: ListRow) -> bool:
    """Two readings of one row: the same ticket, else the same title and time."""
    if a.ticket and b.ticket:
        return a.ticket == b.ticket
    return _fold(a.title) == _fold(b.title) and a.submitted_at == b.submitted_at


def wanted_row(row: ListRow, wanted: Sequence[tuple[str | None, str]]) -> bool:
    """The row is one of the (ticket, title) items looked for."""
    return any(
        (ticket and row.ticket == ticket) or (not ticket and same_title(row.title, title))
        for ticket, title in wanted
    )


def needs_detail(row: ListRow) -> bool:
    """A row whose reply (or ticket) the list does not show, but whose detail page may: it
    says answered, or says nothing of its state, or has no ticket."""
    if not (row.link or row.mark) or row.reply:
        return False
    return row.replied or not row.status or not row.ticket


_COLON = re.compile(r"^\s*([^:：]{1,10}?)\s*[:：]\s*(.*)$", re.S)


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _label_role(label: str) -> str | None:
    text = _fold(label).rstrip(":：")
    for role, pattern in HEADER_ROLES:
        if pattern.search(text):
            return role
    return None


def _labelish(text: str) -> bool:
    """A piece that reads as a label: 信件编号：, or a short role word (答复时间)."""
    m = _COLON.match(text)
    if m and _CJK.search(m.group(1)):
        return True
    folded = _fold(text)
    return (
        len(folded) <= 6
        and bool(_CJK.search(folded))
        and not STATUS_WORD.fullmatch(folded)
        and _label_role(folded) is not None
    )


def _value_after(segments: Sequence[dict], i: int) -> tuple[str, int] | None:
    """The value of the label at ``i``: the element after it (all its text), else the next
    piece. ``None`` where what follows holds labels of its own: a section's heading (答复信息
    over 答复单位, 答复时间, ...), not a label."""
    value = (segments[i].get("v") or "").strip()
    j = i + 1
    if value:
        while j < len(segments) and segments[j]["t"] in value:
            if _labelish(segments[j]["t"]):
                return None
            j += 1
        return value, j
    if j < len(segments):
        if _labelish(segments[j]["t"]):
            return ("", j) if _COLON.match(segments[i]["t"]) else None
        return segments[j]["t"].strip(), j + 1
    return "", j


def read_pairs(segments: Sequence[dict]) -> tuple[list[tuple[str, str]], list[str]]:
    """A block's text pieces (``page_cards`` / ``page_segments``) as (label, value) pairs, as
    a person reads 信件编号：ZX… or 答复单位 | 市卫健委, and the pieces no label claims."""
    pairs: list[tuple[str, str]] = []
    loose: list[str] = []
    i = 0
    while i < len(segments):
        text = segments[i]["t"].strip()
        m = _COLON.match(text)
        if m and _CJK.search(m.group(1)):
            label, rest = m.group(1).strip(), m.group(2).strip()
            after = None if rest else _value_after(segments, i)
            if rest or after is not None:
                value, i = (rest, i + 1) if rest else after
                pairs.append((label, value))
                continue
        elif _labelish(text) and (after := _value_after(segments, i)) is not None:
            value, i = after
            pairs.append((text, value))
            continue
        loose.append(text)
        i += 1
    return pairs, loose


def _roles(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for label, value in pairs:
        role = _label_role(label)
        if role == "title" and not re.search(r"标题|主题|题目", label):
            continue  # 涉及事项 is not the message's title
        if role and role not in roles:
            roles[role] = value.strip()
    if "reply" in roles and NO_REPLY.match(_fold(roles["reply"])):
        roles["reply"] = ""
    return roles


def ticket_of(value: str | None, text: str = "") -> str | None:
    """The ticket a labelled value holds (受理编号 ZX…), else the first one in ``text``."""
    if value:
        found = TICKET.search("编号" + unicodedata.normalize("NFKC", value))
        return found.group(2) if found else value.strip() or None
    found = TICKET.search(unicodedata.normalize("NFKC", text))
    return found.group(2) if found else None


def read_card(card: dict) -> ListRow | None:
    """One block of a list shown as cards (``page_cards``): its title (the title link, else the
    longest piece no label claims), ticket, status, time, and the link to its detail page.
    ``None``: a block with neither title nor ticket."""
    segments = card.get("segments") or []
    links = card.get("links") or []
    pairs, loose = read_pairs(segments)
    roles = _roles(pairs)
    text = " ".join(s["t"] for s in segments)
    ticket = ticket_of(roles.get("ticket"), text)

    def plain(piece: str) -> bool:
        folded = _fold(piece)
        return (
            len(folded) >= 4
            and not re.fullmatch(r"[\[【(（].*[\]】)）]", folded)  # a tag: [咨询]
            and not GENERIC_LINK.match(folded)
            and not STATUS_WORD.fullmatch(folded)
            and not parse_portal_time(folded)
            and not TICKET.search(folded)
        )

    titled = [link["text"] for link in links if plain(link.get("text", ""))]
    title = (
        roles.get("title")
        or max(titled, key=len, default="")
        or max((p for p in loose if plain(p)), key=len, default="")
    )
    if not title and not ticket:
        return None
    status = roles.get("status") or next(
        (p for p in loose if STATUS_WORD.search(p) and len(_fold(p)) <= 8), ""
    )
    submitted = parse_portal_time(roles.get("submitted")) or next(
        (t for t in (parse_portal_time(p) for p in loose) if t), None
    )
    reply = roles.get("reply", "")
    detail = next((k for k in links if DETAIL_LINK.match(_fold(k.get("text", "")))), None)
    if detail is None:
        detail = next((k for k in links if title and same_title(k.get("text", ""), title)), None)
    href = (detail or {}).get("href", "")
    if href and not href.startswith(("http://", "https://")):
        href = ""
    return ListRow(
        title=title.strip(),
        ticket=ticket,
        submitted_at=submitted,
        status=status.strip(),
        reply=reply,
        replied_at=parse_portal_time(roles.get("replied")),
        replied=says_replied(status, reply),
        link=href,
        mark=f"{card.get('i')}-{detail['k']}" if detail is not None else "",
    )


def read_detail(segments: Sequence[dict]) -> dict[str, str]:
    """A detail page's labelled values by role (status, reply, replied, unit, ticket, ...):
    答复单位 / 答复时间 / 答复内容, 办理状态, however they are laid out."""
    pairs, _loose = read_pairs(segments)
    return _roles(pairs)


def with_detail(row: ListRow, detail: Mapping[str, str]) -> ListRow:
    """A list row completed by what its detail page says."""
    status = detail.get("status") or row.status
    reply = detail.get("reply") or row.reply
    return replace(
        row,
        ticket=row.ticket or ticket_of(detail.get("ticket")),
        status=status,
        reply=reply,
        replied_at=parse_portal_time(detail.get("replied")) or row.replied_at,
        submitted_at=row.submitted_at or parse_portal_time(detail.get("submitted")),
        replied=says_replied(status, reply),
    )


def merge_rows(table_rows: Sequence[ListRow], card_rows: Sequence[ListRow]) -> list[ListRow]:
    """Rows read from tables and from blocks, each item once: a block that is a table's row
    lends it its detail link."""
    out = list(table_rows)
    for card in card_rows:
        k = next(
            (
                n
                for n, r in enumerate(out)
                if (card.ticket and r.ticket == card.ticket)
                or (
                    not (card.ticket and r.ticket)
                    and _fold(r.title) == _fold(card.title)
                    and r.submitted_at == card.submitted_at
                )
            ),
            None,
        )
        if k is None:
            out.append(card)
        elif not (out[k].link or out[k].mark) and (card.link or card.mark):
            out[k] = replace(out[k], link=card.link, mark=card.mark)
    return out


# -- the page as the browser renders it ---------------------------------------------------------

# whitespace as JavaScript's \s knows it (what the page scripts squashed), and as CSS collapses
# it (ASCII space, tab, line breaks; not U+00A0 nor U+3000)
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
_JS_SPACE += "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_JS_SPACES = re.compile(f"[{_JS_SPACE}]+")
_CSS_SPACES = re.compile(r"[ \t\n\r\f]+")


def squash(text: str) -> str:
    """Whitespace runs as one space, none at the ends (``.replace(/\\s+/g, ' ').trim()``)."""
    return _JS_SPACES.sub(" ", text or "").strip(_JS_SPACE)


def _js_fold(text: str) -> str:
    return _JS_SPACES.sub("", text or "")


# elements that draw nothing: their text is never shown
_NOT_RENDERED = frozenset(
    {
        "script", "style", "template", "noscript", "head", "title", "meta", "link", "base",
        "datalist", "param", "source", "track", "area", "map", "iframe", "option", "optgroup",
    }
)  # fmt: skip


# display: block and its kin by default (a required line break before and after in innerText)
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog",
        "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
        "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "listing",
        "main", "menu", "nav", "ol", "plaintext", "pre", "search", "section", "summary", "table",
        "caption", "ul", "xmp",
    }
)  # fmt: skip


# boxes of their own that are not blocks: whitespace at their edges collapses away
_BOXES = frozenset({"td", "th", "button", "textarea", "input", "img", "video"})


# display values of a block-level box, and of a box whose children are blocks whatever they are
_BLOCK_DISPLAYS = frozenset({"block", "flex", "grid", "list-item", "table", "flow-root"})
_ITEMS_BLOCKIFIED = frozenset({"flex", "grid", "inline-flex", "inline-grid"})


_DISPLAY = re.compile(r"(?:^|;)\s*display\s*:\s*([a-z-]+)", re.I)


_VISIBILITY = re.compile(r"(?:^|;)\s*visibility\s*:\s*([a-z-]+)", re.I)


def _tag(el) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _style(el, pattern: re.Pattern[str]) -> str | None:
    found = pattern.findall(el.get("style") or "")
    return found[-1].lower() if found else None


class _Page:
    """A parsed page and what the browser would say of its elements (rendered, visible, the
    text), each worked out once."""

    def __init__(self, root: etree._Element, url: str = ""):
        self.root = root
        self.body = root.find("body") if root.find("body") is not None else root
        base = next((b.get("href") for b in root.iter("base") if b.get("href")), None)
        self.base = urljoin(url, base.strip()) if base and url else url
        self._rendered: dict = {}
        self._visible: dict = {}
        self._folded: dict = {}
        self._text: dict = {}
        self._inner: dict = {}

    # -- what the browser draws

    def _own_hidden(self, el) -> bool:
        tag = _tag(el)
        if tag in _NOT_RENDERED:
            return True
        display = _style(el, _DISPLAY)
        if display == "none":
            return True
        if display is None and el.get("hidden") is not None:
            return True
        if tag == "input" and (el.get("type") or "").strip().lower() == "hidden":
            return True
        return tag == "dialog" and el.get("open") is None

    def rendered(self, el) -> bool:
        """Not hidden (display: none or its kin), nor inside something hidden."""
        if not isinstance(el.tag, str):
            return False
        known = self._rendered.get(el)
        if known is None:
            parent = el.getparent()
            known = not self._own_hidden(el) and (parent is None or self.rendered(parent))
            self._rendered[el] = known
        return known

    def folded(self, el) -> bool:
        """Inside a closed ``<details>`` (not its summary): the browser lays it out but draws
        no text of it (``content-visibility``), so the page scripts saw its pieces and links
        while ``innerText`` leaves it out."""
        known = self._folded.get(el)
        if known is None:
            parent = el.getparent()
            if parent is None:
                known = False
            elif _tag(parent) == "details" and parent.get("open") is None:
                known = el is not next(parent.iterchildren("summary"), None) or self.folded(parent)
            else:
                known = self.folded(parent)
            self._folded[el] = known
        return known

    def visible(self, el) -> bool:
        """Rendered and not ``visibility: hidden`` (which its descendants inherit)."""
        if not self.rendered(el):
            return False
        known = self._visible.get(el)
        if known is None:
            own = _style(el, _VISIBILITY)
            if own is not None:
                known = own not in ("hidden", "collapse")
            else:
                parent = el.getparent()
                known = parent is None or self.visible(parent)
            self._visible[el] = known
        return known

    # -- text

    def text_content(self, el) -> str:
        """Every text under the element, shown or not (``textContent``)."""
        known = self._text.get(el)
        if known is None:
            parts = [el.text or ""]
            for child in el:
                if isinstance(child.tag, str):
                    parts.append(self.text_content(child))
                parts.append(child.tail or "")
            known = self._text[el] = "".join(parts)
        return known

    def inner_text(self, el) -> str:
        """The element's text as the browser renders it (``innerText``); an element that is not
        rendered reads as its text content, as in the browser."""
        if not self.rendered(el):
            return self.text_content(el)
        known = self._inner.get(el)
        if known is None:
            items: list[str | int] = []
            if not self.folded(el):
                self._collect(el, items, pre=False, top=True)
            known = self._inner[el] = _join(items)
        return known

    def _collect(self, el, items: list, *, pre: bool, top: bool = False) -> None:
        tag = _tag(el)
        pre = pre or tag in ("pre", "textarea", "listing", "xmp", "plaintext")
        if tag == "br":
            items.append(_Break("\n"))
            return
        if tag in ("textarea", "input"):  # a control's text is its value, not innerText's
            items.append(0)
            return
        if tag == "select":  # its options, a line each, as the browser gives them
            for option in el.iter("option"):
                if all(not self._own_hidden(n) or n is option for n in self._between(el, option)):
                    items.append(_Run("\n" + squash(self.text_content(option)), True))
            return
        edge = self._edge(el)
        if edge is not None:
            items.append(edge)
        if self.visible(el) and el.text:
            items.append(_Run(el.text, pre))
        for child in el:
            if isinstance(child.tag, str) and self.rendered(child) and not self.folded(child):
                self._collect(child, items, pre=pre)
            if child.tail and self.visible(el):
                items.append(_Run(child.tail, pre))
        if tag in ("td", "th") and not top and self._cell_follows(el):
            items.append(_Break("\t"))
        if tag == "tr" and not top and self._row_follows(el):
            items.append(_Break("\n"))
        if edge is not None:
            items.append(edge)

    def _edge(self, el) -> int | None:
        """The line breaks the element's box asks for around it (``p``: 2, a block: 1), 0 for
        an inline box of its own (a cell, a button), ``None`` for plain inline text; a style
        on the element (or a flex or grid parent's) changes it."""
        display = _style(el, _DISPLAY)
        parent = el.getparent()
        if parent is not None and _style(parent, _DISPLAY) in _ITEMS_BLOCKIFIED:
            display = "block" if display in (None, "inline") else display
        if display is None:
            tag = _tag(el)
            return 2 if tag == "p" else 1 if tag in _BLOCKS else 0 if tag in _BOXES else None
        if display in _BLOCK_DISPLAYS:
            return 2 if _tag(el) == "p" else 1
        return None if display == "inline" else 0

    @staticmethod
    def _between(top, el) -> list:
        """``el`` and its ancestors below ``top``."""
        out = [el]
        for node in el.iterancestors():
            if node is top:
                break
            out.append(node)
        return out

    def _cell_follows(self, cell) -> bool:
        return any(_tag(n) in ("td", "th") and self.rendered(n) for n in cell.itersiblings())

    def _row_follows(self, row) -> bool:
        table = next(row.iterancestors("table"), None)
        if table is None:
            return False
        rows = [r for r in table.iter("tr") if next(r.iterancestors("table"), None) is table]
        later = rows[rows.index(row) + 1 :] if row in rows else []
        return any(self.rendered(r) for r in later)

    # -- what the page scripts looked for

    def is_link(self, el) -> bool:
        """``a[href], [role=link], [onclick], button, [data-href], [data-url]``."""
        tag = _tag(el)
        return (
            (tag == "a" and el.get("href") is not None)
            or tag == "button"
            or el.get("role") == "link"
            or any(el.get(a) is not None for a in ("onclick", "data-href", "data-url"))
        )

    def has_box(self, el) -> bool:
        """Visible and of some size: it holds shown text, or draws something of its own."""
        if not self.visible(el):
            return False
        if _tag(el) in _BOXES or el.find(".//img") is not None or el.find(".//svg") is not None:
            return True
        return bool(squash(self._drawn(el)))

    def _drawn(self, el) -> str:
        """The text of what is rendered under the element (laid out, drawn or not)."""
        parts = [el.text or ""]
        for child in el:
            if isinstance(child.tag, str) and self.rendered(child):
                parts.append(self._drawn(child))
            parts.append(child.tail or "")
        return "".join(parts)

    def href(self, el) -> str:
        """Where a link goes, as the page scripts read it: an anchor's href made absolute,
        else its data-href / data-url as written."""
        if _tag(el) in ("a", "area") and el.get("href") is not None:
            raw = re.sub(r"[\t\n\r]", "", el.get("href")).strip()
            return urljoin(self.base, raw) if self.base else raw
        return el.get("data-href") or el.get("data-url") or ""


@dataclass(frozen=True)
class _Run:
    text: str
    pre: bool


@dataclass(frozen=True)
class _Break:
    text: str  # "\n" (a <br>, a row) or "\t" (a cell)


def _join(items: Sequence[str | int | _Run | _Break]) -> str:
    """innerText's last steps: whitespace collapsed within each line (none at a box's edges),
    then runs of required line breaks as the most of them, none at the ends."""
    out: list[str | int] = []
    run: list[_Run] = []

    def flush() -> None:
        text = ""
        for r in run:  # a space after a space collapses, across elements too, not in <pre>
            piece = r.text if r.pre else _CSS_SPACES.sub(" ", r.text)
            if not r.pre and piece.startswith(" ") and text.endswith(" "):
                piece = piece[1:]
            text += piece
        if run and not run[0].pre:
            text = text.lstrip(" ")
        if run and not run[-1].pre:
            text = text.rstrip(" ")
        if text:
            out.append(text)
        run.clear()

    for item in items:
        if isinstance(item, _Run):
            run.append(item)
            continue
        flush()
        out.append(item.text if isinstance(item, _Break) else item)
    flush()
    while out and isinstance(out[0], int):
        out.pop(0)
    while out and isinstance(out[-1], int):
        out.pop()
    text: list[str] = []
    breaks: int | None = None
    for item in out:
        if isinstance(item, int):
            breaks = max(breaks or 0, item)
            continue
        if breaks:
            text.append("\n" * breaks)
        breaks = None
        text.append(item)
    return "".join(text)


def page_tree(html: str | bytes) -> etree._Element | None:
    """A page's HTML parsed; bytes are stored evidence, UTF-8 as the journey stores the DOM,
    else as the page declares (``probes/charsets.py``: the GB family as GB18030)."""
    if isinstance(html, bytes):
        html = decode_html(html, "utf-8")
    data = (html or "").encode("utf-8", "replace")
    if not data.strip():
        return None
    parser = etree.HTMLParser(recover=True, remove_pis=True, huge_tree=True, encoding="utf-8")
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, etree.ParserError, ValueError):
        return None
    if root is not None:
        for template in list(root.iter("template")):  # its content is no part of the page's tree
            template.text = None
            for child in list(template):
                template.remove(child)
    return root


def page_tables(page: _Page) -> list[dict]:
    """Every table with a header row of two cells or more: ``{headers: [...], rows: [[cell
    text, ...], ...]}``, the rows with as many cells as the headers."""
    out = []
    for table in page.root.iter("table"):
        rows = list(table.iter("tr"))
        head = next((r for r in rows if next(r.iterancestors("thead"), None) is not None), None)
        if head is None and rows:
            head = rows[0]
        cells = [c for c in head if isinstance(c.tag, str)] if head is not None else []
        headers = [squash(page.inner_text(c)) for c in cells]
        body = []
        for row in rows:
            if row is head or next(row.iterancestors("thead"), None) is not None:
                continue
            texts = [squash(page.inner_text(c)) for c in row if isinstance(c.tag, str)]
            if len(texts) == len(headers):
                body.append(texts)
        if len(headers) >= 2:
            out.append({"headers": headers, "rows": body})
    return out


_SKIP_IN_CARDS = ("script", "style", "select", "option", "textarea", "head")
_SKIP_IN_SEGMENTS = ("script", "style", "noscript", "select", "option", "textarea", "head")


def _inside(el, tags: Sequence[str]) -> bool:
    return _tag(el) in tags or any(_tag(a) in tags for a in el.iterancestors())


def _text_nodes(el) -> Iterator[tuple[str, etree._Element]]:
    """The element's text nodes in document order, each with the element that holds it."""
    if el.text:
        yield el.text, el
    for child in el:
        if isinstance(child.tag, str):
            yield from _text_nodes(child)
        if child.tail:
            yield child.tail, el


def _segments(
    page: _Page, root, skip: Sequence[str], *, root_is_label: bool, limit: int = 0
) -> list[dict]:
    """The text pieces under ``root``: ``{t, v}``, ``v`` the text of the element after a
    piece that is an element of its own (a label and its value)."""
    out: list[dict] = []
    for raw, holder in _text_nodes(root):
        if _inside(holder, skip) or not page.visible(holder):
            continue
        t = squash(raw)
        if not t:
            continue
        v = ""
        after = holder.getnext()
        while after is not None and not isinstance(after.tag, str):
            after = after.getnext()
        if (
            len(t) <= 12
            and (root_is_label or holder is not root)
            and after is not None
            and squash(page.inner_text(holder)) == t
        ):
            v = page.inner_text(after).strip(_JS_SPACE)[:4000]
        out.append({"t": t, "v": v})
        if limit and len(out) >= limit:
            break
    return out


@dataclass(frozen=True)
class _Cards:
    cards: list[dict]
    links: dict[str, etree._Element]  # "i-k" -> the link element
    headings: list[str]
    empty: bool


def page_cards(page: _Page, needles: Sequence[str] = ()) -> _Cards:
    """The items of a list page shown as blocks rather than a table (我的信件 as cards): the
    smallest element around each ticket (编号 / 查询码 + code), status word (已答复, 办理中, ...)
    or wanted title (``needles``: the titles and tickets of the items looked for) that holds a
    link and a ticket or title; the outermost of nested ones, never one holding two items.
    Each card is ``{i, segments: [{t, v}], links: [{k, text, href}]}``; ``headings`` are the
    page's headings, tabs and title; ``empty`` when the page says it has nothing (暂无信件)."""
    wanted = [f[:16] for f in (_js_fold(n) for n in needles) if len(f) >= 4]

    def says(folded: str) -> bool:
        return bool(
            _CARD_TICKET.search(folded)
            or STATUS_WORD.search(folded)
            or any(n in folded for n in wanted)
        )

    body = page.body
    anchors = []
    for el in body.iterdescendants():
        if not isinstance(el.tag, str) or _inside(el, _SKIP_IN_CARDS):
            continue
        text = page.text_content(el)
        if len(text) > 300 or not says(_js_fold(text)):
            continue
        if any(says(_js_fold(page.text_content(c))) for c in el if isinstance(c.tag, str)):
            continue  # the deepest that says it
        if page.visible(el):
            anchors.append(el)

    def has_link(el) -> bool:
        return page.is_link(el) or any(
            page.is_link(d) for d in el.iterdescendants() if isinstance(d.tag, str)
        )

    blocks: list = []
    for anchor in anchors:
        block = anchor
        while block is not None and block is not body:
            folded = _js_fold(page.inner_text(block))
            if len(folded) > 800:
                break
            if has_link(block) and (
                _CARD_TICKET.search(folded) or any(n in folded for n in wanted)
            ):
                labels = [m.group(1) for m in _CARD_TICKET.finditer(folded)]
                if len(set(labels)) < len(labels):
                    break  # two items' tickets: a list, not a card
                if block not in blocks:
                    blocks.append(block)
                break
            block = block.getparent()
    outer = [b for b in blocks if not any(o is not b and b in o.iterdescendants() for o in blocks)]
    cards, links = [], {}
    for i, block in enumerate(outer[:200]):
        found = [block] if page.is_link(block) else []
        found += [d for d in block.iterdescendants() if isinstance(d.tag, str) and page.is_link(d)]
        shown = [link for link in found if page.has_box(link)]
        card_links = []
        for k, link in enumerate(shown):
            text = squash(page.inner_text(link))
            if not text and _tag(link) in ("input", "button"):
                text = squash(link.get("value") or "")
            card_links.append({"k": k, "text": text, "href": page.href(link)})
            links[f"{i}-{k}"] = link
        segments = _segments(page, block, _SKIP_IN_CARDS, root_is_label=False)
        cards.append({"i": i, "segments": segments, "links": card_links})
    headings = []
    for el in page.root.iter():
        if not isinstance(el.tag, str) or not _heading(el) or not page.visible(el):
            continue
        text = squash(page.inner_text(el))
        if text and len(text) <= 20:
            headings.append(text)
    title = next(page.root.iter("title"), None)
    headings.append(squash(page.text_content(title)) if title is not None else "")
    empty = bool(_EMPTY.search(page.inner_text(body)))
    return _Cards(cards, links, headings, empty)


def _heading(el) -> bool:
    """``h1, h2, h3, [class*=title], [aria-selected=true], .active, .on, .current``."""
    classes = el.get("class") or ""
    return (
        _tag(el) in ("h1", "h2", "h3")
        or "title" in classes
        or el.get("aria-selected") == "true"
        or bool({"active", "on", "current"} & set(classes.split()))
    )


def page_segments(page: _Page) -> list[dict]:
    """The page's text as segments (``{t, v}`` as in cards) over its main part (``main``,
    ``[role=main]``), else its body, for a detail page read by its labels."""
    main = (e for e in page.root.iter() if _tag(e) == "main" or e.get("role") == "main")
    root = next(main, None)
    return _segments(
        page, root if root is not None else page.body, _SKIP_IN_SEGMENTS, root_is_label=True,
        limit=2000,
    )  # fmt: skip


# -- what a poll reads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPage:
    """A list page read: its rows, whether it is a list of one's messages at all, and where
    each card's links are: a row's ``mark`` -> (the link's XPath on this page, its text)."""

    rows: tuple[ListRow, ...] = ()
    is_list: bool = False
    links: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def read_list_page(
    html: str | bytes, url: str = "", wanted: Sequence[tuple[str | None, str]] = ()
) -> ListPage:
    """A list page (我的咨询 / 我的投诉 / 我的信件) read: its tables' rows, then its blocks' that
    no table row has; it is a list when a table's headers say so (even empty), when a block
    carries a ticket, or when the page is named 我的信件 (...) and has blocks or says it has
    none yet. ``wanted`` (ticket, title) pairs find blocks by their titles too."""
    root = page_tree(html)
    if root is None:
        return ListPage()
    page = _Page(root, url)
    needles = [text for pair in wanted for text in pair if text]
    tables = page_tables(page)
    found = page_cards(page, needles)
    cards = [row for row in map(read_card, found.cards) if row is not None]
    named = any(LIST_HEADING.search(_fold(h)) for h in found.headings)
    listed = (
        is_list(tables)
        or any(row.ticket for row in cards)
        or (named and (found.empty or bool(cards)))
    )
    tree = root.getroottree()
    texts = {f"{c['i']}-{k['k']}": k["text"] for c in found.cards for k in c["links"]}
    links = {mark: (tree.getpath(link), texts[mark]) for mark, link in found.links.items()}
    return ListPage(tuple(merge_rows(read_rows(tables), cards)), listed, links)


def read_detail_page(html: str | bytes) -> dict[str, str]:
    """A detail page's labelled values by role (``read_detail``)."""
    root = page_tree(html)
    return {} if root is None else read_detail(page_segments(_Page(root)))


def polled_row(
    list_html: str | bytes,
    detail_html: str | bytes | None,
    *,
    ticket: str | None,
    title: str,
    claimed: set[str] = frozenset(),
    url: str = "",
) -> ListRow | None:
    """What one poll read of an item from its stored pages: its row of the list, completed by
    its detail page where the list does not show the reply (as the journey completed it)."""
    rows = read_list_page(list_html, url, [(ticket, title)]).rows
    row = match_row(rows, ticket=ticket, title=title, claimed=claimed)
    if row is not None and detail_html is not None and needs_detail(row):
        row = with_detail(row, read_detail_page(detail_html))
    return row


@dataclass(frozen=True)
class Reply:
    """A reply as a poll keeps it: its text and status, and when it came: the portal's time
    (``portal``), or the poll that first saw it (``first_seen``), up to ``uncertainty_s``
    seconds after it came (the time since the poll before)."""

    text: str
    status: str
    replied_at: str
    source: str
    uncertainty_s: int | None = None


def reply_seen(row: ListRow | None, polled_at: datetime, since: str | None) -> Reply | None:
    """The reply a poll at ``polled_at`` (the portal's clock) sees in an item's row, if any;
    ``since``: the poll before (ISO), else the item's submission, for a reply the portal
    shows no time of."""
    if row is None or not (row.replied and row.reply):
        return None
    if row.replied_at:
        return Reply(row.reply, row.status, row.replied_at, "portal")
    gap = int((polled_at - datetime.fromisoformat(since)).total_seconds()) if since else None
    return Reply(row.reply, row.status, polled_at.isoformat(timespec="seconds"), "first_seen", gap)
