"""Which search result (or navigation link) is the matter's guide: pure functions.

Portals name the same matter differently (公共场所卫生许可（新证） / 公共场所卫生许可证核发) and list
beside it the variants real catalogues hold: 延续/变更/注销, other kinds of enterprise (合伙企业设立
登记 for 企业设立登记), other groups of people (新生儿…参保登记), 告知承诺 variants and "一件事" theme
packages, often ranked above the right one by a fuzzy search. The rules, in order:

1. a candidate carrying a qualifier the matter's own names do not carry is not the matter: the
   scenario's ``avoid`` words, and the general qualifiers below (a kind of enterprise, a group of
   people, a package, a 告知承诺 way of handling, another stage of the licence's life), whatever
   the portal;
2. a candidate whose name *is* the matter's name or an alias (brackets, spaces and the
   scenario's ``prefer`` words such as 新办 aside) is an exact match and beats any other;
3. one that holds a name whole and adds only neutral words is a partial match; one that is
   merely similar (``rapidfuzz`` ratio) comes after;
4. a partial match is accepted only after the rest of the results and the aliases have been
   searched for an exact one (the journey's part: ``Choice.final``).

Every judgement carries its reason in Chinese, so a probe records why it picked a result and
why it passed the others over.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from probes.plan.scenarios import Matter

THRESHOLD = 72.0


_NOISE = re.compile(r"[\s（）()【】\[\]《》<>“”\"'‘’、，,。.:：;；·\-—_/|]+")


# Qualifiers that make a catalogue entry another matter than the one named without them. They
# are general knowledge of Chinese service catalogues, not of any portal: a candidate carrying
# one that the matter's own name and aliases do not carry is not the matter.
QUALIFIERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "另一类市场主体",
        ("合伙", "个人独资", "独资", "外商投资", "外商", "外资", "外国", "分公司", "分支机构",
         "个体工商户", "个体户", "农民专业合作社", "合作社", "非公司", "一人有限", "股份有限"),
    ),
    (
        "另一类人群",
        ("新生儿", "大学生", "在校学生", "中小学生", "学生", "儿童", "职工", "灵活就业",
         "退役军人", "被征地农民", "港澳台", "外籍", "外国人", "残疾人", "低保", "特困"),
    ),
    ("主题套餐", ("一件事", "一次办", "套餐", "联办", "集成办")),
    # a catalogue entry of its own: other conditions (a promise in place of proof), other
    # materials; the guide of the matter is the entry without it
    ("另一办理方式", ("告知承诺", "承诺制")),
    (
        "另一办理阶段",
        ("延续", "变更", "注销", "补办", "补领", "换证", "换发", "遗失", "撤销", "迁移", "转移",
         "接续", "待遇", "暂停", "恢复", "复核", "备案", "终止", "申领"),
    ),
)  # fmt: skip


EXACT, PARTIAL, SIMILAR, REJECTED = 3, 2, 1, 0


TIER_NAMES = {EXACT: "exact", PARTIAL: "partial", SIMILAR: "similar"}


def normalize(text: str) -> str:
    return _NOISE.sub("", text or "")


@dataclass(frozen=True)
class Candidate:
    text: str
    index: int  # position among the listed results (0-based)


@dataclass(frozen=True)
class Verdict:
    """What a candidate is to the matter: its tier (``EXACT`` … ``REJECTED``), a 0-100 score
    within the tier, and why, in words an evaluator reads."""

    tier: int
    score: float
    why: str

    @property
    def key(self) -> tuple[int, float]:
        return (self.tier, self.score)


@dataclass(frozen=True)
class Pick:
    candidate: Candidate
    score: float
    rank: int  # 1-based position among the listed results
    tier: int = EXACT
    why: str = ""

    @property
    def exact(self) -> bool:
        return self.tier == EXACT

    @property
    def key(self) -> tuple[int, float]:
        return (self.tier, self.score)


def _own_words(matter: Matter) -> str:
    return normalize(matter.name + "".join(matter.aliases))


def qualifier(matter: Matter, text: str) -> tuple[str, str] | None:
    """(kind, word) of the first qualifier in ``text`` that the matter's names do not carry."""
    norm, own = normalize(text), _own_words(matter)
    for word in matter.avoid:
        if word in norm and word not in own:
            return "不是所需事项", word
    for kind, words in QUALIFIERS:
        for word in words:
            if word in norm and word not in own:
                return kind, word
    return None


def _similarity(matter: Matter, norm: str) -> tuple[float, str | None]:
    """The best similarity to a name or alias, and the name held whole in ``norm`` (if any)."""
    best, held = 0.0, None
    for name in matter.queries:
        target = normalize(name)
        if not target:
            continue
        if target in norm:
            # the whole name is inside: near-perfect, minus a little for extra words
            s = 100.0 - min(15.0, (len(norm) - len(target)) * 0.8)
            if s > best or held is None:
                best, held = max(best, s), target
        else:
            # whole-string similarity only: a partial match would take 建筑工程施工许可证核发
            # for 卫生许可证核发 because they share 许可证核发
            best = max(best, fuzz.ratio(norm, target))
    return best, held


def judge(matter: Matter, text: str) -> Verdict:
    """The verdict on one candidate (see the module's rules)."""
    norm = normalize(text)
    if not norm:
        return Verdict(REJECTED, 0.0, "无名称")
    found = qualifier(matter, text)
    if found:
        kind, word = found
        return Verdict(REJECTED, 0.0, f"含限定词「{word}」({kind})")
    best, held = _similarity(matter, norm)
    bonus = sum(2.0 for w in matter.prefer if w in norm)
    score = min(100.0, best + bonus)
    if held is not None:
        rest = norm.replace(held, "", 1)
        for word in sorted(matter.prefer, key=len, reverse=True):
            rest = rest.replace(normalize(word), "")
        if not rest:
            return Verdict(EXACT, 100.0, f"名称即「{held}」")
        return Verdict(PARTIAL, score, f"名称含「{held}」, 另有「{rest}」")
    if score < THRESHOLD:
        return Verdict(REJECTED, score, f"与事项名称相似度 {score:.0f} 低于 {THRESHOLD:.0f}")
    return Verdict(SIMILAR, score, f"与事项名称相似 ({score:.0f})")


def score(matter: Matter, text: str, *, decoys: bool = False) -> float:
    """0-100: how much a result's text looks like the matter's guide: 0 for a rejected one,
    unless ``decoys`` (used to tell results that resemble the matter at all from the rest)."""
    if decoys:
        norm = normalize(text)
        return min(100.0, _similarity(matter, norm)[0]) if norm else 0.0
    verdict = judge(matter, text)
    return verdict.score if verdict.tier > REJECTED else 0.0


def pick(matter: Matter, candidates: Iterable[Candidate]) -> Pick | None:
    """The best candidate by tier then score; earlier results win ties. The rank is the
    candidate's position among those given (the results that resemble the matter, decoys too)."""
    best: Pick | None = None
    for cand in candidates:
        v = judge(matter, cand.text)
        if v.tier == REJECTED:
            continue
        if best is None or v.key > best.key:
            best = Pick(cand, v.score, cand.index + 1, v.tier, v.why)
    return best


def passed_over(matter: Matter, candidates: Iterable[Candidate], chosen: Pick | None) -> list:
    """Why each other candidate was not taken: [{"text", "why"}], for the probe's record."""
    out = []
    for cand in candidates:
        if chosen is not None and cand == chosen.candidate:
            continue
        v = judge(matter, cand.text)
        why = v.why if v.tier == REJECTED else f"{v.why}; 不如所选"
        out.append({"text": cand.text, "why": why})
    return out
