"""Extraction: a captured guide page's HTML -> the canonical guide elements.

One step of the data flow (*walk journey -> store the evidence -> extract and judge*): a journey
stores the guide's DOM after tabs and collapsed sections were opened; this module reads that HTML
and names what it finds with the canonical elements of ``scenarios/elements.yaml`` (the brief's
"guide elements" table). ``probes/judge/rules.py`` then judges the result. Everything here is a pure
function of the HTML: no browser, no HTTP, no database, no clock, so old evidence can be
re-extracted with today's rules.

The extractor is not tuned to any portal. It reads label/value pairs wherever guides put them:

* structural pairs: a label element (``th``, ``td``, ``dt``, ``span``, ``h3``, ``div.title``...)
  whose whole text is a known label, with the value in what follows it (its tail text and next
  siblings, up to the next label) - this covers dl/dt/dd, "<b>label：</b>value", sections headed
  by h3/h4, phone layouts' label-left / value-right cells (Vant's van-cell), collapse items and
  steps under a title, and flat grids of key/value cells;
* table rows of label, value, label, value (th/td or td/td, two or three pairs a row as Element's
  el-descriptions draws them): a label the catalogue lacks (窗口名称) still ends the value before
  it, and a group cell spanning the rows (窗口信息) is left out;
* inline pairs: "标签：值" inside one block of text (``p``, ``li``, ``div``), several per block,
  and time limits in prose ("法定期限为20个工作日，承诺期限为5个工作日"), each its own value;
* vertical tables: a row of labels above a row of values;
* tab panels: a tab header whose text is a label, and the panel it opens (hidden panels are read);
* materials: a table with a material-name column, read as a grid (rowspan and colspan: a 材料类别
  cell over several rows, a header in two rows, a cell across columns), also when the header and
  body are two tables as UI kits render them (Element's el-table); else a ul/ol list, cards, or
  numbered text under the 申请材料 label.

Link texts such as 查看详情 / 点击下载 / 更多 / 展开 (``link_only_texts``) are never a value nor part
of one: the value is where the link goes, kept by the journey as a hidden snapshot
(``<div hidden data-govprobe-snapshot>``, read like the rest of the page), or it is missing. A
``tel:`` link that only says 拨打 reads as the number it dials.

Page furniture (header, nav, footer, sidebars, "相关事项" blocks, scripts, styles) is removed first,
so that a footer's 联系电话 or a sidebar's 在线办理 button is never read as the guide's.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urljoin

from lxml import etree

from probes.charsets import decode_html
from probes.plan.elements import LABEL_SUFFIXES, action_key, clean_label, load_elements, squash


def is_link_only(text: str) -> bool:
    """True when a text is only an action word of a link (查看详情, 点击下载, 更多, 展开 ...):
    it leads to a value elsewhere and is never the value itself."""
    key = action_key(text)
    return bool(key) and key in load_elements().link_only_texts


@functools.cache
def _label_kind(text: str) -> str | None:
    """The canonical name for a label, "" for a known non-canonical label, None otherwise."""
    if not text or len(text) > 40:
        return None
    cat = load_elements()
    s = clean_label(text)
    if not s or len(s) > 16:
        return None
    if s in cat.label_map:
        return cat.label_map[s]
    if s in cat.other_labels:
        return ""
    for suffix in LABEL_SUFFIXES:
        if s.endswith(suffix) and s[: -len(suffix)] in cat.label_map:
            return cat.label_map[s[: -len(suffix)]]
    return None


def normalize_label(text: str) -> str | None:
    """Label text as a page shows it -> the canonical element name, or None if it is none."""
    return _label_kind(text) or None


_PUNCT_EDGES = "\"'“”‘’。.,，;；:：、!！?？()（）[]【】<>《》 "


def is_placeholder(value: str, element: str | None = None) -> bool:
    """True when a value says nothing: blank, 暂无, 无, "-", "/", 待补充, an unrendered template...

    "无" counts as a placeholder for every element, 收费标准 included (the brief: a value is
    required); a real "no" is written 不收费 / 否 / 0次, and those are values.
    """
    cat = load_elements()
    s = squash(unicodedata.normalize("NFKC", value or ""))
    if "{{" in s or "${" in s:  # a client template that never rendered
        return True
    s = re.sub(r"[>》›»〉→]+$", "", s)  # the arrow of an entry to a sub-page
    core = s.strip(_PUNCT_EDGES).lower()
    if not core:
        return True
    if core in cat.placeholders or s.lower() in cat.placeholders:
        return True
    if is_link_only(s):  # 查看详情 / 点击下载 / 更多: the value is elsewhere
        return True
    if re.fullmatch(r"[（(]\d{1,3}[)）]", s):  # "（3）": how many, beside an entry's label
        return True
    if element == "申请材料" and re.fullmatch(r"共?\d{1,3}(?:项|份|个|件|条)?(?:材料)?", core):
        return True  # a count of materials is not a material
    return bool(re.fullmatch(r"[-—_/\\.·…*]+", s))


@dataclass(frozen=True)
class MaterialItem:
    name: str
    media: str | None = None  # 纸质 / 电子 ...
    copies: str | None = None
    source: str | None = None
    required: str | None = None  # 必要 / 非必要 / 容缺后补
    form_url: str | None = None  # blank form (空表/表格下载/空白表格); absolute with base_url
    sample_url: str | None = None  # filled-in sample (样表/示例样本/填写样例)


@dataclass(frozen=True)
class Extraction:
    title: str  # the guide's name as shown (best guess)
    elements: Mapping[str, str]  # canonical -> value text, only elements with real values
    empty: tuple[str, ...]  # canonical labels seen with no real value
    materials: tuple[MaterialItem, ...]
    online_apply: tuple[str, ...]  # hrefs of online-apply entries (a raw "javascript:" if none)
    links: tuple[str, ...]  # every form/sample href (absolute when base_url was given)


_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "caption",
    ]
)


_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])


_DROP_TAGS = ("script", "style", "noscript", "template", "head", "iframe", "svg", "object")


_NOISE_TAGS = frozenset({"header", "footer", "nav", "aside"})


_NOISE_CLASS = re.compile(
    r"^(?:(?:site|page|g|main|top|global|common|m|l)[-_])?"
    r"(?:header|head-?top|top-?bar|topbar|nav|navbar|nav-?bar|main-?nav|menu-?bar|footer|foot|"
    r"sidebar|side-?bar|side|aside|breadcrumbs?|bread|crumbs?|location|position|related|"
    r"related-?(?:items?|matters?|list)|xgsx|hot-?items?|copyright|friend-?links?|links-?box)$",
    re.IGNORECASE,
)


_NOISE_HEADINGS = frozenset(
    {"相关事项", "相关服务", "热门事项", "热门服务", "猜你喜欢", "相关推荐", "其他事项", "关联事项"}
)


_TAB_CONTAINER = re.compile(
    r"^(?:[a-z]+[-_])?tabs?(?:[-_]{0,2}(?:nav|head|header|title|titles|hd|list|menu|bar|btns?))?$"
    r"|^(?:nav|hd)[-_]tabs?$",
    re.IGNORECASE,
)


_TAB_PANEL = re.compile(
    r"^(?:[a-z]+[-_])?tab[-_]?(?:pane|panel|content|con|item|box|bd|body|cont)$", re.IGNORECASE
)


def _tag(el: etree._Element) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _tokens(el: etree._Element) -> list[str]:
    return (el.get("class") or "").split() + ([el.get("id")] if el.get("id") else [])


def _drop(el: etree._Element) -> None:
    """Remove an element but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _parse(html: str) -> etree._Element | None:
    parser = etree.HTMLParser(
        recover=True, remove_comments=True, remove_pis=True, huge_tree=True, encoding="utf-8"
    )
    data = (html or "").encode("utf-8", "replace")
    if not data.strip():
        return None
    try:
        return etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, etree.ParserError, ValueError):
        return None


_ACTION_ATTR = "data-govprobe-action"  # set by _mark_actions on links that are only an action


def _text(el: etree._Element) -> str:
    """The element's text with block boundaries as line breaks, whitespace tidied, no tail.

    The words of an action link inside it (查看详情, 展开, 下载) are left out: they lead to a value
    elsewhere and are never part of this one."""
    parts: list[str] = []
    skipping: etree._Element | None = None
    for event, node in etree.iterwalk(el, events=("start", "end")):
        if skipping is not None:
            if event == "end" and node is skipping:
                skipping = None
                parts.append(" " + (node.tail or ""))
            continue
        tag = _tag(node)
        if event == "start":
            if node is not el and node.get(_ACTION_ATTR) is not None:
                skipping = node
                continue
            if tag in _BLOCK or tag == "br":
                parts.append("\n")
            elif node is not el and _adjacent_inline(node):
                parts.append(" ")  # <span>受理</span><span>审查</span> reads as two words
            if node.text and isinstance(node.tag, str):
                parts.append(node.text)
        else:
            if tag in _BLOCK:
                parts.append("\n")
            if node is not el and node.tail:
                parts.append(node.tail)
    return _tidy("".join(parts))


def _adjacent_inline(node: etree._Element) -> bool:
    prev = node.getprevious()
    return prev is not None and _tag(prev) not in _BLOCK and not (prev.tail or "").strip()


def _tidy(text: str) -> str:
    lines = (
        re.sub(r"[ \t\r\f\v\u00a0\u3000\u200b\ufeff]+", " ", x).strip() for x in text.split("\n")
    )
    return "\n".join(x for x in lines if x)


def _flat(el: etree._Element) -> str:
    return squash("".join(el.itertext()))


_ACTION_CLASS = re.compile(r"more|toggle|btn|button|link|arrow|expand|detail|zk|fold", re.I)


def _mark_actions(root: etree._Element) -> None:
    """Mark the links and buttons that only lead elsewhere (查看详情, 更多>>, 展开, 点击下载), so
    that no value is read from their words (see ``_text``), and give a ``tel:`` link whose text
    holds no number ("拨打") the number it dials, which is the value a citizen gets."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = _tag(el)
        href = (el.get("href") or "").strip()
        if tag == "a" and href.lower().startswith("tel:"):
            number = unquote(href[4:]).strip()
            if number and not re.search(r"\d", "".join(el.itertext())):
                for child in list(el):
                    el.remove(child)
                el.text = number
            continue
        actionable = len(el) <= 3 and (  # a link or a button, not a wrapper named "detail"
            tag in ("a", "button")
            or el.get("onclick") is not None
            or el.get("role") in ("button", "link")
            or any(_ACTION_CLASS.search(t) for t in _tokens(el))
        )
        if actionable and is_link_only("".join(el.itertext())):
            el.set(_ACTION_ATTR, "1")


def _is_snapshot(el: etree._Element) -> bool:
    """A hidden copy of another state of the page that the journey appended (a tab the page
    unmounted, a sub-page such as the materials page): content, never furniture."""
    return el.get("data-govprobe-snapshot") is not None


def _remove_furniture(root: etree._Element) -> None:
    for el in list(root.iter(*_DROP_TAGS)):
        _drop(el)
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _drop(el)
    # Sections such as 相关事项: the heading and everything after it in its container.
    for el in list(root.iter()):
        if el.getparent() is None or _flat(el) not in _NOISE_HEADINGS:
            continue
        node = el
        for _ in range(3):
            if node.getnext() is not None or node.getparent() is None:
                break
            node = node.getparent()
        for sib in list(node.itersiblings()):
            if not _is_snapshot(sib):
                _drop(sib)
        if not _is_snapshot(node):
            _drop(node)
    noise = [
        el
        for el in root.iter()
        if _tag(el) in _NOISE_TAGS or any(_NOISE_CLASS.match(t) for t in _tokens(el))
    ]
    for el in noise:
        if el.getparent() is not None and _label_count(el) < 3:
            _drop(el)


def _label_count(el: etree._Element) -> int:
    """How many guide labels an element holds (a page furniture block holds one or none)."""
    cat = load_elements()
    return len({m.group("label") for m in cat.label_regex.finditer(_text(el))})


@dataclass
class _Pair:
    order: int
    element: str  # canonical name ("" for a known non-canonical label)
    value: str
    nodes: tuple[etree._Element, ...] = ()  # where the value came from
    label: str = ""  # the label as written, when it is not simply the element's name


class _Page:
    def __init__(self, root: etree._Element):
        self.root = root
        self.order = {el: i for i, el in enumerate(root.iter())}
        self.flat = {el: _flat(el) for el in root.iter()}
        self.tab_headers: set[etree._Element] = set()
        self.value_cells: set[etree._Element] = set()
        self.label_cells: set[etree._Element] = set()  # read by _table_pairs already

    def kind(self, el: etree._Element) -> str | None:
        """The label an element *is* (its whole text), or None."""
        t = self.flat.get(el, "")
        if not t or len(t) > 24 or _tag(el) in ("button", "option", "html", "body"):
            return None
        if _tag(el) == "a" and not _is_toggle(el):  # a link goes somewhere: it is not a label
            return None
        if el in self.value_cells or _tag(el) == "dd":
            return None
        if _in_value(el):
            return None
        return _label_kind(t)

    def is_label_element(self, el: etree._Element) -> bool:
        """A label element is the outermost element whose whole text is a label."""
        if self.kind(el) is None:
            return False
        parent = el.getparent()
        if parent is not None and self.flat.get(parent) == self.flat[el] and self.kind(parent):
            return False
        # a link or button carrying the text is an action, not a label; but a link that only
        # toggles its section open (href "#" or "javascript:") is the section's header
        return not any(
            _tag(x) in ("a", "button") and self.flat.get(x) == self.flat[el] and not _is_toggle(x)
            for x in el.iter()
        )

    def starts_with_label(self, el: etree._Element) -> bool:
        if _in_value(el) or _tag(el) == "dd":  # a dd is a value, even "咨询电话：0371-…"
            return False
        if self.kind(el) is not None:
            return True
        if _tag(el) in _HEADINGS:
            return True
        for node in el.iter():
            if node is not el and self.kind(node) is not None:
                return True
            if node.text and node.text.strip():
                first = node.text.strip()
                cat = load_elements()
                m = cat.label_regex.match(first)
                return bool(m) or _label_kind(first) is not None
        return False


def _in_value(el: etree._Element) -> bool:
    """An element marked as a value, or inside one (van-cell__value > span): "在线办理" there is
    the value of 办理形式, not a label. Only a hint: pairs are found by structure."""
    node: etree._Element | None = el
    for _ in range(3):
        if node is None:
            return False
        if any("value" in x.lower() or x.lower() in ("val", "v") for x in _tokens(node)):
            return True
        node = node.getparent()
    return False


def _table_pairs(page: _Page) -> Iterator[_Pair]:
    """Rows of label/value cells (th/td or td/td, several pairs a row) and vertical tables."""
    for table in page.root.iter("table"):
        rows = [r for r in table.iter("tr") if _closest(r, "table") is table]
        grid = [[c for c in r if _tag(c) in ("td", "th")] for r in rows]
        for i, cells in enumerate(grid):
            kinds = [page.kind(c) for c in cells]
            below = grid[i + 1] if i + 1 < len(grid) else []
            th_td = all(_tag(c) == "th" for c in cells[::2]) and all(
                _tag(c) == "td" for c in cells[1::2]
            )
            if (
                len(cells) >= 2
                and not th_td  # th/td pairs even when a value looks like a label (在线办理)
                and all(k is not None for k in kinds)
                and len(below) == len(cells)
                and all(page.kind(c) is None and _tag(c) != "th" for c in below)
            ):  # a row of labels above a row of values
                for label_cell, kind, cell in zip(cells, kinds, below, strict=True):
                    page.value_cells.add(cell)
                    page.label_cells.add(label_cell)
                    yield _Pair(
                        page.order[cell], kind or "", _text(cell), (cell,), page.flat[label_cell]
                    )
                continue
            pairs = _pair_row(page, cells)
            for label_cell, cell in pairs:
                page.value_cells.add(cell)
                page.label_cells.add(label_cell)
                yield _Pair(
                    page.order[cell],
                    page.kind(label_cell) or "",
                    _text(cell),
                    (cell,),
                    page.flat[label_cell],
                )


_LABEL_CLASS = re.compile(r"label|tit|name|key|lbl|head|left|th\b", re.I)


def _pair_row(
    page: _Page, cells: list[etree._Element]
) -> list[tuple[etree._Element, etree._Element]]:
    """A row read as label, value, label, value ... (Element's el-descriptions, th/td and td/td
    grids with two or three pairs a row), as (label cell, value cell) pairs; [] when the row is
    not one. A cell spanning several rows before the pairs (窗口信息 over 办理地点 and 办理时间)
    is a group's title and is left out. Every label cell must look like one (a known label, a
    th beside td values, a label's class, or a short text without digits) and one at least must
    be a known label, so a label this catalogue lacks (窗口名称) still ends the value before it.
    """
    if len(cells) >= 3 and len(cells) % 2 and _span(cells[0], "rowspan") > 1:
        cells = cells[1:]
    if len(cells) < 2 or len(cells) % 2:
        return []
    labels, values = cells[::2], cells[1::2]
    kinds = [page.kind(c) for c in labels]
    if not any(k is not None for k in kinds):
        return []
    th_beside_td = all(_tag(c) == "th" for c in labels) and all(_tag(c) == "td" for c in values)
    for cell, kind in zip(labels, kinds, strict=True):
        if kind is not None or th_beside_td:
            continue
        if any(_LABEL_CLASS.search(t) for t in _tokens(cell)):
            continue
        text = clean_label(page.flat.get(cell, ""))
        if not text or len(text) > 10 or re.search(r"\d", text):
            return []
    return list(zip(labels, values, strict=True))


def _span(cell: etree._Element, attr: str) -> int:
    """A cell's rowspan or colspan, 1 when absent or nonsense, at most 100."""
    try:
        n = int((cell.get(attr) or "1").strip())
    except ValueError:
        return 1
    return min(max(n, 1), 100)


def _closest(el: etree._Element, tag: str) -> etree._Element | None:
    node = el.getparent()
    while node is not None and _tag(node) != tag:
        node = node.getparent()
    return node


def _tab_pairs(page: _Page) -> Iterator[_Pair]:
    """Tab headers whose text is a label, and the panels they open (hidden ones too)."""
    by_id = {el.get("id"): el for el in page.root.iter() if el.get("id")}
    containers = [
        el
        for el in page.root.iter()
        if el.get("role") == "tablist" or any(_TAB_CONTAINER.match(t) for t in _tokens(el))
    ]
    for box in containers:
        headers = [h for h in box.iter() if h.get("role") == "tab"] or [
            li for li in box.iter("li") if _tab_box(li, containers) is box
        ]
        if not headers:
            headers = [c for c in box if isinstance(c.tag, str) and page.flat.get(c)]
        if not headers or any(
            len(page.flat.get(h, "")) > 24 or any(_is_tab_part(d, containers) for d in h.iter())
            for h in headers
        ):
            continue  # a wrapper around a whole tab widget, not the bar of tab headers
        page.tab_headers.update(x for h in headers for x in h.iter())
        panels: list[etree._Element | None] = []
        for h in headers:
            target = None
            for node in h.iter():
                ref = (
                    node.get("aria-controls")
                    or node.get("data-target")
                    or node.get("data-tab")
                    or node.get("data-id")
                    or node.get("href")
                    or ""
                ).lstrip("#")
                if ref and ref in by_id:
                    target = by_id[ref]
                    break
            panels.append(target)
        if any(p is None for p in panels):
            candidates = _panels_after(box, len(headers))
            if len(candidates) == len(headers):
                panels = [c if p is None else p for p, c in zip(panels, candidates, strict=True)]
        for h, panel in zip(headers, panels, strict=True):
            kind = _label_kind(page.flat[h])
            if kind is None or panel is None:
                continue
            if any(page.kind(d) == kind for d in panel.iterdescendants()):
                continue  # the panel labels its own value (收费标准 | 不收费): that pair is read
            yield _Pair(page.order.get(panel, 0), kind, _text(panel), (panel,), page.flat[h])


def _is_tab_part(el: etree._Element, boxes: list[etree._Element]) -> bool:
    """A tab bar or a tab panel (what a single tab header never contains)."""
    return (
        el in boxes or el.get("role") == "tabpanel" or any(_TAB_PANEL.match(t) for t in _tokens(el))
    )


def _tab_box(el: etree._Element, boxes: list[etree._Element]) -> etree._Element | None:
    return next((a for a in el.iterancestors() if a in boxes), None)


def _panels_after(box: etree._Element, count: int) -> list[etree._Element]:
    """Panels that pair with a tab bar by position: marked tab panels near the bar."""
    scope = box
    for _ in range(3):
        if scope.getparent() is None:
            break
        scope = scope.getparent()
        marked = [
            el
            for el in scope.iter()
            if el.get("role") == "tabpanel" or any(_TAB_PANEL.match(t) for t in _tokens(el))
        ]
        marked = [el for el in marked if not any(a in marked for a in el.iterancestors())]
        if len(marked) >= count:
            return marked
    return []


def _is_toggle(el: etree._Element) -> bool:
    """A link that goes nowhere: it opens or closes something on the page."""
    href = (el.get("href") or "").strip().lower()
    return _tag(el) == "a" and (href in ("", "#") or href.startswith("javascript"))


def _structural_pairs(page: _Page) -> Iterator[_Pair]:
    """Label elements with the value in their tail and following siblings."""
    for el in page.root.iter():
        if el in page.tab_headers or el in page.value_cells or el in page.label_cells:
            continue
        if not page.is_label_element(el):
            continue
        if _tag(el) in ("td", "th") and el.getparent() is not None and _tag(el.getparent()) == "tr":
            siblings = [c for c in el.itersiblings() if _tag(c) in ("td", "th")]
            if not siblings:
                continue  # a lone label cell: the header of a vertical or material table
        kind = page.kind(el) or ""
        node = el
        for _ in range(3):  # climb out of a wrapper that holds only decoration beside the label
            if (node.tail and node.tail.strip()) or node.getnext() is not None:
                break
            parent = node.getparent()
            if parent is None or len(page.flat.get(parent, "")) - len(page.flat[el]) > 4:
                break
            node = parent
        parts: list[str] = []
        nodes: list[etree._Element] = []
        if node.tail and node.tail.strip():
            parts.append(node.tail)
        for sib in node.itersiblings():
            if page.starts_with_label(sib) or sib in page.tab_headers:
                break
            if _tag(el) in ("dt", "th") and _tag(sib) == _tag(el):
                break  # the next dt (th) is the next label, known or not
            nodes.append(sib)
            parts.append(_text(sib))
            if sib.tail:
                parts.append(sib.tail)
        value = _tidy("\n".join(parts))
        cat = load_elements()
        m = cat.label_regex.search(value)
        if m and m.start() > 0:  # an inline label after the value ends it
            value = value[: m.start()].strip()
        yield _Pair(page.order[el], kind, value, tuple(nodes), page.flat[el])


def _leaf_blocks(root: etree._Element) -> Iterator[etree._Element]:
    for el in root.iter():
        if _tag(el) in _BLOCK and not any(_tag(d) in _BLOCK for d in el.iterdescendants()):
            yield el


def _inline_pairs(page: _Page) -> Iterator[_Pair]:
    """ "标签：值" pairs inside one block of text, several per block; and time limits or visit
    counts stated in prose ("法定期限为20个工作日，承诺期限为5个工作日"), each its own value."""
    cat = load_elements()
    for block in _leaf_blocks(page.root):
        if block in page.tab_headers:
            continue
        text = _text(block)
        matches = list(cat.label_regex.finditer(text))
        prose = [m for m in cat.prose_regex.finditer(text) if _starts_clause(text, m.start())]
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            kind = _label_kind(m.group("label")) or ""
            if kind and i + 1 < len(matches) and not text[m.end() : end].strip():
                # "投诉渠道：投诉电话：0571-…": a label of the same element starts the value
                same = _label_kind(matches[i + 1].group("label")) == kind
                if same:
                    end = matches[i + 2].start() if i + 2 < len(matches) else len(text)
            # a prose limit after this value ends it ("受理条件：…。法定期限为20个工作日")
            end = min([end] + [p.start() for p in prose if m.end() < p.start() < end])
            value = text[m.end() : end].strip()
            if not value:
                continue  # "label：" alone: a structural pair reads the value that follows
            yield _Pair(page.order[block], kind, value, (block,), m.group("label"))
        for m in prose:
            kind = _label_kind(m.group("label")) or ""
            yield _Pair(page.order[block], kind, m.group("value"), (block,), m.group("label"))


def _starts_clause(text: str, at: int) -> bool:
    """Whether a prose label begins a clause: at the start, after punctuation or a space, or
    after words that introduce it (本事项, 该事项, 其); not inside a longer word or sentence
    ("超过法定期限20日的")."""
    before = text[:at].rstrip(" ")
    return not before or before[-1] in "。；;，,、：:（(\n" or before.endswith(("事项", "本", "其"))


# Elements whose value is one short fact: a full stop after it is the sentence's, not the value's.
_SHORT_FACTS = frozenset({"法定办结时限", "承诺办结时限", "到办事现场次数", "是否网办", "收费标准"})


def _clean_value(value: str, element: str) -> str:
    """A value without the separator that ended it in prose ("20个工作日，" -> "20个工作日")."""
    value = value.strip().rstrip("，,；;、 ").strip()
    if element in _SHORT_FACTS:
        value = value.rstrip("。.").strip()
    return value


def _link_kind(text: str) -> str | None:
    cat = load_elements()
    s = clean_label(text)
    if not s or len(s) > 10:
        return None
    if any(x in s for x in cat.sample_link_texts):
        return "sample"
    if any(x in s for x in cat.form_link_texts):
        return "form"
    return None


def _href(a: etree._Element, base_url: str | None) -> str | None:
    raw = (a.get("href") or a.get("data-href") or a.get("data-url") or "").strip()
    onclick = a.get("onclick") or ""
    if not raw or raw.lower().startswith("javascript") or raw == "#":
        m = re.search(r"""(?:open|href|location)\s*(?:=|\()\s*['"]([^'"]+)['"]""", onclick)
        if m:
            raw = m.group(1)
    if not raw:
        return None
    if raw.lower().startswith(("javascript", "#", "mailto:", "tel:")):
        return raw
    return urljoin(base_url, raw) if base_url else raw


def _column_field(header: str) -> str | None:
    s = clean_label(header)
    for name, heads in load_elements().material_columns.items():
        if s in heads:
            return name
    return None


_Grid = list[list[etree._Element | None]]


def _grid(table: etree._Element) -> _Grid:
    """The table's own rows (not a nested table's) as a grid: a cell spanning rows or columns
    fills every slot it covers, so each column holds one field whatever spans there are."""
    grid: _Grid = []
    pending: dict[int, tuple[etree._Element, int]] = {}  # column -> (cell, rows still to fill)

    def carry(row: list[etree._Element | None], col: int) -> int:
        while col in pending:
            cell, left = pending.pop(col)
            row.append(cell)
            if left > 1:
                pending[col] = (cell, left - 1)
            col += 1
        return col

    for tr in (r for r in table.iter("tr") if _closest(r, "table") is table):
        row: list[etree._Element | None] = []
        col = 0
        for cell in (c for c in tr if _tag(c) in ("td", "th")):
            col = carry(row, col)
            rowspan, colspan = _span(cell, "rowspan"), min(_span(cell, "colspan"), 30)
            for _ in range(colspan):
                row.append(cell)
                if rowspan > 1:
                    pending[col] = (cell, rowspan - 1)
                col += 1
        for later in sorted(k for k in pending if k >= col):  # spans past the row's last cell
            row.extend([None] * (later - len(row)))
            carry(row, later)
        if row:
            grid.append(row)
    return grid


def _header(page: _Page, grid: _Grid) -> tuple[int, list[str | None], list[str]] | None:
    """Where a materials table's header ends, each column's field and its own header text.

    The header is the first row (of the first four) naming a material-name column, with the
    rows under it that only subdivide it (材料要求 over 材料形式 / 份数 / 是否必要): a column
    takes the field of its lowest header cell that names one."""
    for i, cells in enumerate(grid[:4]):
        texts = [page.flat.get(c, "") if c is not None else "" for c in cells]
        fields = [_column_field(t) for t in texts]
        named = any(f == "name" and "材料" in t for f, t in zip(fields, texts, strict=True))
        if not ("name" in fields and (named or sum(f is not None for f in fields) >= 2)):
            continue
        end = i + 1
        while end < len(grid) and _subheader(page, grid[end], grid[end - 1]):
            for col, cell in enumerate(grid[end]):
                if col >= len(fields) or cell is None or cell is grid[end - 1][col]:
                    continue
                text = page.flat.get(cell, "")
                texts[col] = text
                fields[col] = _column_field(text) or fields[col]
            end += 1
        return end, fields, texts
    return None


def _subheader(page: _Page, row: list[etree._Element | None], above: list) -> bool:
    """A row under a header that subdivides it: its own cells are header cells (th, or texts
    that are column names), and at least one of them is new."""
    new = [c for k, c in enumerate(row) if c is not None and (k >= len(above) or c is not above[k])]
    return bool(new) and all(
        _tag(c) == "th" or _column_field(page.flat.get(c, "")) is not None for c in new
    )


_MARK = re.compile(r"^[√✓✔☑●■是有]$")


def _material_tables(page: _Page, base_url: str | None) -> list[MaterialItem]:
    items: list[MaterialItem] = []
    tables = list(page.root.iter("table"))
    used: set[etree._Element] = set()
    for t_index, table in enumerate(tables):
        if table in used:
            continue
        grid = _grid(table)
        found = _header(page, grid)
        if found is None:
            continue
        head_end, columns, heads = found
        body = grid[head_end:]
        if not body:  # header and body rendered as two tables (UI kits do this)
            width = len(columns)
            while width and not heads[width - 1]:  # the scrollbar's gutter column
                width -= 1
            for nxt in tables[t_index + 1 : t_index + 3]:
                if nxt in used:
                    continue
                cand = _grid(nxt)
                if cand and max(len(r) for r in cand) in (width, len(columns)):
                    body = cand
                    used.add(nxt)
                    break
        name_col = columns.index("name")
        for cells in body:
            cells = cells + [None] * (len(columns) - len(cells))
            name_cell = cells[name_col]
            if name_cell is None:
                continue
            span = sum(c is name_cell for c in cells)
            if span == len(columns) or (len(columns) >= 4 and span > len(columns) // 2):
                continue  # a group row ("一、主体材料") or a note across the table
            if _tag(name_cell) == "th" and page.flat.get(name_cell) == squash(heads[name_col]):
                continue  # the header again
            values: dict[str, list[str]] = {}
            form = sample = None
            seen: set[etree._Element] = set()
            for col, (field_name, cell) in enumerate(zip(columns, cells, strict=False)):
                if cell is None or cell in seen:
                    continue  # a cell spanning columns counts for the first it covers
                seen.add(cell)
                for a in cell.iter("a"):
                    kind = _link_kind(page.flat.get(a, "")) or (
                        field_name if field_name in ("form", "sample") else None
                    )
                    href = _href(a, base_url)
                    if kind == "form" and href and form is None:
                        form = href
                    elif kind == "sample" and href and sample is None:
                        sample = href
                if field_name and field_name not in ("form", "sample"):
                    value = _cell_value(cell)
                    if value and _MARK.match(value) and heads[col]:
                        value = heads[col]  # a tick under 纸质 / 电子: the column says what
                    if value:
                        values.setdefault(field_name, []).append(value)
            joined = {k: " ".join(v) for k, v in values.items()}
            name = _material_name(joined.get("name") or "")
            if not name:
                continue
            items.append(
                MaterialItem(
                    name=name,
                    media=joined.get("media"),
                    copies=joined.get("copies"),
                    source=joined.get("source"),
                    required=joined.get("required"),
                    form_url=form,
                    sample_url=sample,
                )
            )
    return items


def _cell_value(cell: etree._Element) -> str | None:
    text = " ".join(_text(cell).split("\n")).strip()
    return None if is_placeholder(text) else text


_META_WORDS = re.compile(r"份|纸质|电子|必要|容缺|申请人自备|政府部门")


_META = re.compile(r"[（(]([^（()）]*(?:份|纸质|电子|必要|容缺|来源|扫描)[^（()）]*)[)）]\s*$")


def _material_name(text: str) -> str:
    s = " ".join(text.split())
    s = re.sub(r"^\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*[.．、)）]\s*", "", s)
    s = re.sub(r"^[（(]\d{1,3}[)）]\s*", "", s)
    return s.strip(" ；;。，,、")


def _material_list(
    nodes: Iterable[etree._Element], page: _Page, base_url: str | None
) -> list[MaterialItem]:
    items: list[MaterialItem] = []
    for node in nodes:
        lists = [node] if _tag(node) in ("ul", "ol") else list(node.iter("ul", "ol"))
        for lst in lists:
            for li in (c for c in lst if _tag(c) == "li"):
                form = sample = None
                link_texts: list[str] = []
                for a in li.iter("a"):
                    kind = _link_kind(page.flat.get(a, ""))
                    if kind:
                        link_texts.append("".join(a.itertext()))
                        href = _href(a, base_url)
                        if kind == "form" and form is None:
                            form = href
                        elif kind == "sample" and sample is None:
                            sample = href
                lines = _text(li).split("\n")
                for lt in link_texts:
                    lines = [x.replace(lt.strip(), " ").strip() for x in lines]
                lines = [x for x in lines if x]
                text = " ".join(lines)
                meta_match = _META.search(text.strip())
                meta = meta_match.group(1) if meta_match else ""
                if meta_match:
                    text = text.strip()[: meta_match.start()]
                elif len(lines) > 1 and _META_WORDS.search(" ".join(lines[1:])):
                    # the name on its own line, then a line of form · copies · source · need
                    text, meta = lines[0], " ".join(lines[1:])
                name = _material_name(text)
                if not name or is_placeholder(name):
                    continue
                items.append(
                    MaterialItem(
                        name=name,
                        media=_first(meta, ("纸质和电子", "纸质", "电子")),
                        copies=(m.group(0) if (m := re.search(r"\d+\s*份", meta)) else None),
                        required=_first(meta, ("容缺后补", "非必要", "必要")),
                        form_url=form,
                        sample_url=sample,
                    )
                )
    return items


def _material_cards(
    nodes: Iterable[etree._Element], page: _Page, base_url: str | None
) -> list[MaterialItem]:
    """Materials laid out as repeated blocks ("cards": a div per material, its name on the
    first line, its form and sample links inside), as phone layouts often render them."""
    for node in nodes:
        for parent in node.iter():
            kids = [c for c in parent if isinstance(c.tag, str)]
            if not kids or len({(_tag(c), c.get("class")) for c in kids}) != 1:
                continue
            # one child is a card only when it says so; else it is a wrapper to look inside
            if len(kids) == 1 and not re.search(r"card|item|material", kids[0].get("class") or ""):
                continue
            if _tag(kids[0]) in ("ul", "ol", "li", "tr", "table", "a", "span", "br"):
                continue
            items = []
            for card in kids:
                lines = [x.strip() for x in _text(card).split("\n") if x.strip()]
                name = _material_name(lines[0]) if lines else ""
                if not name or is_placeholder(name) or _link_kind(name):
                    continue
                form = sample = None
                for a in card.iter("a"):
                    kind = _link_kind(page.flat.get(a, ""))
                    if kind == "form" and form is None:
                        form = _href(a, base_url)
                    elif kind == "sample" and sample is None:
                        sample = _href(a, base_url)
                meta = " ".join(lines[1:])
                items.append(
                    MaterialItem(
                        name=name,
                        media=_first(meta, ("纸质和电子", "纸质", "电子")),
                        copies=(m.group(0) if (m := re.search(r"\d+\s*份", meta)) else None),
                        required=_first(meta, ("容缺后补", "非必要", "必要")),
                        form_url=form,
                        sample_url=sample,
                    )
                )
            if items:
                return items
    return []


def _first(text: str, options: tuple[str, ...]) -> str | None:
    return next((o for o in options if o in text), None)


def _material_text(value: str) -> list[MaterialItem]:
    """Numbered text ("1.身份证；2.营业执照") as materials, when nothing structured was there."""
    parts = re.split(r"(?:^|\s|[；;。])(?:\d{1,2}[.．、)）]|[（(]\d{1,2}[)）])\s*", value)
    names = [_material_name(p) for p in parts]
    names = [n for n in names if n and not is_placeholder(n) and len(n) <= 80]
    if len(names) < 2:
        lines = [_material_name(x) for x in value.split("\n")]
        names = [n for n in lines if n and not is_placeholder(n) and len(n) <= 80]
    return [MaterialItem(name=n) for n in names]


def extract(html: str | bytes, base_url: str | None = None) -> Extraction:
    """Read a guide page's HTML (after tabs and sections were opened) into an Extraction.

    Bytes are stored evidence: the journey stores the DOM as UTF-8 (its ``<meta>`` may still
    say gb2312), and raw page bytes that are not UTF-8 read by their declared charset, the GB
    family as GB18030 (``probes/charsets.py``)."""
    cat = load_elements()
    if isinstance(html, bytes):
        html = decode_html(html, "utf-8")
    root = _parse(html)
    if root is None:
        return Extraction("", {}, (), (), (), ())
    head_title = ""
    for t in root.iter("title"):
        head_title = " ".join("".join(t.itertext()).split())
        break
    _remove_furniture(root)
    _mark_actions(root)
    page = _Page(root)

    pairs = [*_tab_pairs(page), *_table_pairs(page), *_structural_pairs(page), *_inline_pairs(page)]
    pairs.sort(key=lambda p: p.order)

    values: dict[str, str] = {}
    by_name: set[str] = set()  # elements whose value came under the element's own name
    seen: set[str] = set()
    material_nodes: list[etree._Element] = []
    material_texts: list[str] = []
    for p in pairs:
        if not p.element:
            continue
        seen.add(p.element)
        if p.element == "申请材料":
            material_nodes.extend(p.nodes)
            if not is_placeholder(p.value, p.element):
                material_texts.append(p.value)
            continue
        p.value = _clean_value(p.value, p.element)
        if is_placeholder(p.value, p.element):
            continue
        # the first real value wins, but one under the element's own name beats a synonym's
        # (实施编码 over 基本编码)
        named = clean_label(p.label) == p.element
        if p.element not in values or (named and p.element not in by_name):
            values[p.element] = p.value
            if named:
                by_name.add(p.element)

    materials = _material_tables(page, base_url)
    if not materials:
        materials = _material_list(material_nodes, page, base_url)
    if not materials:
        materials = _material_cards(material_nodes, page, base_url)
    if not materials and material_texts:
        materials = _material_text(material_texts[0])
    materials = _dedupe(materials)
    if materials:
        values["申请材料"] = "；".join(m.name for m in materials)
        seen.add("申请材料")

    h1 = next((page.flat[h] and _text(h) for h in root.iter("h1") if page.flat.get(h)), "")
    title = values.get("事项名称") or " ".join(h1.split()) or _page_title(head_title)
    if "事项名称" not in values and title:
        values["事项名称"] = title

    online: list[str] = []
    links: list[str] = [u for m in materials for u in (m.form_url, m.sample_url) if u]
    for a in root.iter("a", "button", "input"):
        text = page.flat.get(a, "") or squash(a.get("value") or "")
        if not text or len(text) > 12:
            continue
        if _link_kind(text):
            href = _href(a, base_url)
            if href:
                links.append(href)
        elif any(x in text for x in cat.online_apply_texts) and _is_enabled(a, text):
            online.append(_href(a, base_url) or "javascript:")

    ordered = {name: values[name] for name in cat.names if name in values}
    empty = tuple(name for name in cat.names if name in seen and name not in ordered)
    return Extraction(
        title=title,
        elements=ordered,
        empty=empty,
        materials=tuple(materials),
        online_apply=tuple(dict.fromkeys(online)),
        links=tuple(dict.fromkeys(links)),
    )


def _is_enabled(a: etree._Element, text: str) -> bool:
    if any(x in text for x in ("暂不", "不支持", "未开通", "不可")):
        return False
    if a.get("disabled") is not None or a.get("aria-disabled") == "true":
        return False
    return not any(t.lower() in ("disabled", "is-disabled", "btn-disabled") for t in _tokens(a))


def _page_title(text: str) -> str:
    """<title> without the portal's name ("事项 - XX政务服务网" -> "事项")."""
    parts = [p.strip() for p in re.split(r"\s[-_|｜—]+\s|[|｜_]|——", text) if p.strip()]
    keep = [p for p in parts if not re.search(r"(政务服务|服务网|网上办事|门户|平台)$", p)]
    return (keep or parts or [""])[0]


def _dedupe(items: list[MaterialItem]) -> list[MaterialItem]:
    seen: dict[str, MaterialItem] = {}
    for m in items:
        key = squash(m.name)
        if key not in seen:
            seen[key] = m
        else:  # a second copy (a 简版指南 tab) may carry the links the first lacked
            old = seen[key]
            seen[key] = MaterialItem(
                old.name,
                old.media or m.media,
                old.copies or m.copies,
                old.source or m.source,
                old.required or m.required,
                old.form_url or m.form_url,
                old.sample_url or m.sample_url,
            )
    return list(seen.values())
