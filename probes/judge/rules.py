"""Judgement of an extracted guide: the 全面性 (completeness) and 准确性 (accuracy) facts of
the ``guide`` indicator (易获性 is scored from the probe's own record in ``probes/score/scoring.py``).

The step after ``probes/judge/extract.py`` in the data flow (*extract and judge from the evidence ->
score*). Every function is pure: link statuses, the other channel's extraction and whether an
online-apply entry led anywhere are passed in by the caller, who got them from stored evidence.
Findings carry an English ``code`` for code and a Chinese ``detail`` for evaluators.

    Finding.code
    ├── broken_form_link           a blank form's link answered non-2xx, or not at all
    ├── broken_sample_link         a sample's link answered non-2xx, or not at all
    ├── promise_exceeds_statutory  承诺办结时限 longer than 法定办结时限
    ├── unparseable_time_limit     a time limit that is not a number of days
    ├── bad_phone                  咨询方式 / 监督投诉方式 claims a phone and shows none
    ├── online_inconsistent        是否网办 says yes without an online entry, or no with one
    └── materials_differ           this channel and the other list different materials
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from probes.judge.extract import Extraction
from probes.plan.elements import IMMEDIATE_WORDS, load_elements

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


_CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}


_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


_NUM = r"(\d+|[零〇一二两三四五六七八九十百千]+)"


def _cn_number(text: str) -> int | None:
    """'30' or '三十' or '一百二十' -> int."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


_DAY_UNITS = {"工作日": 1, "自然日": 1, "日": 1, "天": 1, "个月": 30, "月": 30, "周": 7, "星期": 7}


def parse_days(text: str) -> int | None:
    """A time limit in days: "20个工作日" -> 20, "即办" / "当场" / "即时办结" -> 0, "5天" -> 5,
    "三十个工作日" -> 30.

    Months count as 30 days, weeks as 7, hours as whole days (48小时 -> 2). A number of days
    wins over an immediate word beside it ("当场受理，5个工作日内办结" -> 5), so a promise is
    never read shorter than it is. None when the text holds no time limit.
    """
    s = _norm(text)
    if not s:
        return None
    units = "|".join(sorted(map(re.escape, [*_DAY_UNITS, "小时"]), key=len, reverse=True))
    m = re.search(_NUM + r"个?\(?(" + units + ")", s)
    if m:
        n = _cn_number(m.group(1))
        if n is None:
            return None
        if m.group(2) == "小时":
            return n // 24
        return n * _DAY_UNITS.get(m.group(2), _DAY_UNITS.get(m.group(2).removeprefix("个"), 1))
    if any(x in s for x in IMMEDIATE_WORDS):  # 即办, 当场, 即时办结: done on the spot
        return 0
    m = re.fullmatch(_NUM + r"[。.]?", s)
    return _cn_number(m.group(1)) if m else None


_ZERO_VISITS = ("零跑动", "零跑腿", "不用跑", "无需跑", "不见面", "无需到现场", "无需到场", "零次")


def parse_visits(text: str) -> int | None:
    """On-site visits: "0次" -> 0, "零跑动" / "不用跑" -> 0, "最多跑一次" -> 1, "2" -> 2."""
    s = _norm(text)
    if not s:
        return None
    if any(x in s for x in _ZERO_VISITS):
        return 0
    m = re.search(r"最多跑?" + _NUM + r"次", s) or re.search(_NUM + r"次", s)
    if m:
        return _cn_number(m.group(1))
    m = re.fullmatch(r"(\d+)", s)
    return int(m.group(1)) if m else None


_PHONE = re.compile(
    r"(?<!\d)(?:"
    r"\(?0\d{2,3}\)?[-－—\s]?\d{3,4}[-\s]?\d{4}"  # landline with area code: 0571-87654321
    r"|[48]00[-\s]?\d{3}[-\s]?\d{4}"  # 400 / 800 numbers
    r"|1[3-9]\d{9}"  # mobile
    r"|[2-9]\d{6,7}"  # local landline without area code
    r"|(?:12|9[56])\d{3}"  # hotlines: 12345, 12315, 95598
    r")(?!\d)"
)


def looks_like_phone(text: str) -> bool:
    """True when the text holds a phone number (extensions such as 转8012 may follow)."""
    return bool(_PHONE.search(unicodedata.normalize("NFKC", text or "")))


@dataclass(frozen=True)
class Completeness:
    required: tuple[str, ...]
    present: tuple[str, ...]
    missing: tuple[str, ...]
    ratio: float  # present / required; 1.0 when nothing is required


def completeness(ex: Extraction, required: Sequence[str]) -> Completeness:
    """Which required elements the guide shows with a real value (申请材料: at least one item)."""
    names = load_elements().names
    unknown = [r for r in required if r not in names]
    if unknown:
        raise ValueError(f"not canonical guide elements: {', '.join(unknown)}")
    req = tuple(dict.fromkeys(required))

    def has(name: str) -> bool:
        return bool(ex.materials) if name == "申请材料" else name in ex.elements

    present = tuple(r for r in req if has(r))
    missing = tuple(r for r in req if not has(r))
    return Completeness(req, present, missing, len(present) / len(req) if req else 1.0)


@dataclass(frozen=True)
class Finding:
    code: str
    element: str | None
    detail: str  # Chinese, for evaluators: what is wrong, with the values


def _status_text(status: int | None) -> str:
    return "无响应" if status is None else f"HTTP {status}"


def _broken(status: int | None) -> bool:
    return status is None or not 200 <= status < 300


def _online_claim(value: str) -> bool | None:
    """What 是否网办 claims: True (online), False (not online) or None (it does not say)."""
    s = _norm(value).upper()
    if not s:
        return None
    if re.match(r"^(否|不可|不支持|不能|暂不|无)", s) or any(
        x in s for x in ("不可网办", "仅窗口", "仅限窗口", "不支持网上", "暂不支持", "只能窗口")
    ):
        return False
    if re.search(r"(?<![A-Z])(III|IV)(?![A-Z])|[三四]级", s):
        return True
    if re.match(r"^是", s) or any(
        x in s for x in ("可网办", "全程网办", "网上办理", "在线办理", "网上申报", "网办")
    ):
        return True
    if re.fullmatch(r"(?:窗口办理|窗口)(?:。)?", s):
        return False
    return None


_NAME_JUNK = re.compile(r"[\s《》〈〉「」『』“”\"'‘’()（）\[\]【】,，.。;；:：、/\\\-—_·*★]")


_COPY_SUFFIX = re.compile(r"(原件|复印件|原件及复印件|原件和复印件|原件或复印件|扫描件)+$")


def _material_key(name: str) -> str:
    s = unicodedata.normalize("NFKC", name)
    s = re.sub(r"^(?:\d{1,3}|[一二三四五六七八九十]{1,3})[.．、)）]", "", s.strip())
    s = _NAME_JUNK.sub("", s)
    previous = None
    while previous != s:
        previous = s
        s = _COPY_SUFFIX.sub("", s)
    return s


def accuracy(
    ex: Extraction,
    *,
    link_status: Mapping[str, int | None] = {},  # noqa: B006 - read only, never mutated
    other_channel: Extraction | None = None,
    online_apply_reached: bool | None = None,
) -> tuple[Finding, ...]:
    """Everything wrong with a guide that can be told from its evidence.

    ``link_status`` maps a form/sample url to the status it answered (None: no answer); a link
    not in it was not checked and is not judged. ``other_channel`` is the same matter's guide on
    the other channel (PC / mobile, or the offline list). ``online_apply_reached`` says whether
    the online-apply entry led to a working page, when the journey followed it.
    """
    findings: list[Finding] = []

    checked: set[str] = set()
    for m in ex.materials:
        for url, code, what in (
            (m.form_url, "broken_form_link", "空表"),
            (m.sample_url, "broken_sample_link", "样表"),
        ):
            if not url or url in checked or url not in link_status:
                continue
            checked.add(url)
            if _broken(link_status[url]):
                findings.append(
                    Finding(
                        code,
                        "申请材料",
                        f"材料“{m.name}”的{what}链接无法打开（{_status_text(link_status[url])}）：{url}",
                    )
                )
    for url in ex.links:
        if url in checked or url not in link_status:
            continue
        checked.add(url)
        if _broken(link_status[url]):
            findings.append(
                Finding(
                    "broken_form_link",
                    None,
                    f"表格链接无法打开（{_status_text(link_status[url])}）：{url}",
                )
            )

    days: dict[str, int] = {}
    for name in ("法定办结时限", "承诺办结时限"):
        value = ex.elements.get(name)
        if value is None:
            continue
        parsed = parse_days(value)
        if parsed is None:
            findings.append(
                Finding("unparseable_time_limit", name, f"{name}“{value}”无法识别为天数")
            )
        else:
            days[name] = parsed
    if len(days) == 2 and days["承诺办结时限"] > days["法定办结时限"]:
        findings.append(
            Finding(
                "promise_exceeds_statutory",
                "承诺办结时限",
                f"承诺办结时限“{ex.elements['承诺办结时限']}”（{days['承诺办结时限']}天）"
                f"长于法定办结时限“{ex.elements['法定办结时限']}”（{days['法定办结时限']}天）",
            )
        )

    for name in ("咨询方式", "监督投诉方式"):
        value = ex.elements.get(name)
        if value is None:
            continue
        claims_phone = "电话" in value or any(
            ch.isdigit() for ch in unicodedata.normalize("NFKC", value)
        )
        if claims_phone and not looks_like_phone(value):
            findings.append(Finding("bad_phone", name, f"{name}“{value}”中没有有效的电话号码"))

    claim = _online_claim(ex.elements.get("是否网办", ""))
    has_entry = bool(ex.online_apply) and online_apply_reached is not False
    shown = ex.elements.get("是否网办", "")
    if claim is True and not has_entry:
        why = (
            "在线办理入口无法进入"
            if ex.online_apply and online_apply_reached is False
            else "页面没有在线办理入口"
        )
        findings.append(Finding("online_inconsistent", "是否网办", f"是否网办为“{shown}”，但{why}"))
    elif claim is False and (ex.online_apply or online_apply_reached):
        findings.append(
            Finding(
                "online_inconsistent",
                "是否网办",
                f"是否网办为“{shown}”，但页面有在线办理入口：{'、'.join(ex.online_apply) or '（已进入）'}",
            )
        )

    if other_channel is not None:
        mine = {_material_key(m.name): m.name for m in ex.materials}
        theirs = {_material_key(m.name): m.name for m in other_channel.materials}
        only_mine = [mine[k] for k in mine if k not in theirs]
        only_theirs = [theirs[k] for k in theirs if k not in mine]
        if only_mine or only_theirs:
            findings.append(
                Finding(
                    "materials_differ",
                    "申请材料",
                    "两个渠道的申请材料不一致："
                    f"仅本渠道列出：{'、'.join(only_mine) or '无'}；"
                    f"仅另一渠道列出：{'、'.join(only_theirs) or '无'}",
                )
            )
    return tuple(findings)
