"""Which search result (or navigation link) is the matter's guide: a pure function.

Portals name the same matter differently (公共场所卫生许可（新证） / 公共场所卫生许可证核发) and list
decoys beside it (…（延续）, …注销登记, 职工…). A candidate is scored by its best fuzzy match against
the matter's name and aliases; a candidate carrying an ``avoid`` word that the matter's own name
does not carry is never picked, and the ``prefer`` words break ties toward the variant wanted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from probes.scenarios import Matter

THRESHOLD = 72.0
_NOISE = re.compile(r"[\s（）()【】\[\]《》<>“”\"'、，,。.:：;；·\-—_/|]+")


def normalize(text: str) -> str:
    return _NOISE.sub("", text or "")


@dataclass(frozen=True)
class Candidate:
    text: str
    index: int  # position among the listed results (0-based)


@dataclass(frozen=True)
class Pick:
    candidate: Candidate
    score: float
    rank: int  # 1-based position among the listed results


def score(matter: Matter, text: str, *, decoys: bool = False) -> float:
    """0-100: how much a result's text looks like the matter's guide: 0 for a decoy, unless
    ``decoys`` (used to rank a result among everything that resembles the matter)."""
    norm = normalize(text)
    if not norm:
        return 0.0
    own = normalize(matter.name + "".join(matter.aliases))
    for word in matter.avoid:
        if word in norm and word not in own and not decoys:
            return 0.0
    best = 0.0
    for name in matter.queries:
        target = normalize(name)
        if not target:
            continue
        if target in norm:
            # the whole name is inside: near-perfect, minus a little for extra words
            s = 100.0 - min(15.0, (len(norm) - len(target)) * 0.8)
        else:
            # whole-string similarity only: a partial match would take 建筑工程施工许可证核发
            # for 卫生许可证核发 because they share 许可证核发
            s = fuzz.ratio(norm, target)
        best = max(best, s)
    bonus = sum(2.0 for w in matter.prefer if w in norm)
    return min(100.0, best + bonus)


def pick(matter: Matter, candidates: list[Candidate], threshold: float = THRESHOLD) -> Pick | None:
    """The best candidate at or above the threshold; earlier results win ties. The rank is the
    candidate's position among those given (the results that resemble the matter, decoys too)."""
    best: Pick | None = None
    for cand in candidates:
        s = score(matter, cand.text)
        if s >= threshold and (best is None or s > best.score):
            best = Pick(cand, s, cand.index + 1)
    return best
