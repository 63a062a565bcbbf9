"""The guide elements (``scenarios/elements.yaml``): their names, the labels portals use for
them, and the text normalisation labels are compared under (the same for the catalog and for
extraction)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from probes.plan.datafiles import DataFileError, data_file, read_model
from probes.settings import DATA_DIR

ELEMENTS_FILE = DATA_DIR / "elements.yaml"  # the shipped one


class ElementsError(DataFileError):
    """scenarios/elements.yaml is missing or wrong; the message names the file and the key."""


class _ElementSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    labels: list[str]

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v.strip()

    @field_validator("labels")
    @classmethod
    def _labels_not_empty(cls, v: list[str]) -> list[str]:
        if not v or any(not str(x).strip() for x in v):
            raise ValueError("must be a non-empty list of non-blank labels")
        return v


class _MaterialColumns(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: list[str]
    media: list[str]
    copies: list[str]
    source: list[str]
    required: list[str]
    form: list[str]
    sample: list[str]


class _ElementsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    elements: list[_ElementSpec]
    other_labels: list[str] = []
    placeholders: list[str]
    material_columns: _MaterialColumns
    form_link_texts: list[str]
    sample_link_texts: list[str]
    online_apply_texts: list[str]
    link_only_texts: list[str] = []

    @model_validator(mode="after")
    def _labels_are_unique(self) -> _ElementsFile:
        owner: dict[str, str] = {}
        names: set[str] = set()
        for i, spec in enumerate(self.elements):
            if spec.name in names:
                raise ValueError(f"elements[{i}].name: duplicate element {spec.name!r}")
            names.add(spec.name)
            for j, label in enumerate([spec.name, *spec.labels]):
                where = f"elements[{i}]." + ("name" if j == 0 else f"labels[{j - 1}]")
                key = clean_label(label)
                if not key:
                    raise ValueError(f"{where}: {label!r} is only decoration")
                if owner.get(key, spec.name) != spec.name:
                    raise ValueError(f"{where}: label {label!r} already belongs to {owner[key]!r}")
                owner[key] = spec.name
        for k, label in enumerate(self.other_labels):
            if clean_label(label) in owner:
                raise ValueError(
                    f"other_labels[{k}]: {label!r} is a label of {owner[clean_label(label)]!r}"
                )
        return self


@dataclass(frozen=True)
class ElementCatalog:
    """The loaded, validated scenarios/elements.yaml."""

    names: tuple[str, ...]  # canonical element names, in the file's order
    label_map: Mapping[str, str]  # cleaned label -> canonical name
    other_labels: frozenset[str]  # cleaned labels of fields govprobe does not report
    placeholders: frozenset[str]
    material_columns: Mapping[str, frozenset[str]]  # MaterialItem field -> cleaned headers
    form_link_texts: tuple[str, ...]
    sample_link_texts: tuple[str, ...]
    online_apply_texts: tuple[str, ...]
    link_only_texts: frozenset[str]  # action words (查看详情, 下载, 展开), as action_key has them
    label_regex: re.Pattern[str] = field(repr=False)  # every known label followed by a colon
    prose_regex: re.Pattern[str] = field(repr=False)  # "法定期限为20个工作日" (no colon)


def load_elements(path: str | Path | None = None) -> ElementCatalog:
    """Load and validate the element catalogue; raises ElementsError naming the file and key."""
    return _load_elements(str(path or data_file("elements.yaml")))


@functools.cache
def _load_elements(path: str) -> ElementCatalog:
    spec = read_model(path, _ElementsFile, ElementsError)

    label_map: dict[str, str] = {}
    for e in spec.elements:
        for label in [e.name, *e.labels]:
            label_map[clean_label(label)] = e.name
    others = frozenset(clean_label(x) for x in spec.other_labels)
    every = sorted({*label_map, *others}, key=len, reverse=True)
    # A label starts a pair when it begins a line or follows a space or a separator, optionally
    # decorated, optionally with a parenthesis ("法定时限（工作日）"), and ends in a colon.
    label_regex = re.compile(
        r"(?:^|(?<=[\s;；。,，、|｜]))"
        r"(?:[★☆*※●○■□◆◇▪•·]|\d{1,2}[.．、]|[（(]\d{1,2}[)）]|[一二三四五六七八九十]{1,2}、)?\s*"
        r"【?(?P<label>" + "|".join(re.escape(x) for x in every) + r")】?"
        r"\s*(?:[（(][^（()）\n]{0,12}[)）])?\s*[：:]",
        re.MULTILINE,
    )
    return ElementCatalog(
        names=tuple(e.name for e in spec.elements),
        label_map=label_map,
        other_labels=others,
        placeholders=frozenset(squash(x).lower() for x in spec.placeholders),
        material_columns={
            k: frozenset(clean_label(x) for x in v)
            for k, v in spec.material_columns.model_dump().items()
        },
        form_link_texts=tuple(spec.form_link_texts),
        sample_link_texts=tuple(spec.sample_link_texts),
        online_apply_texts=tuple(spec.online_apply_texts),
        link_only_texts=frozenset(action_key(x) for x in spec.link_only_texts),
        label_regex=label_regex,
        prose_regex=prose_regex(label_map),
    )


def prose_regex(label_map: Mapping[str, str]) -> re.Pattern[str]:
    """A time limit or a visit count stated in prose: the label, then 为 / 是 / a colon or
    nothing, then the amount (or an immediate word such as 当场); the value is only the amount,
    so two limits in one sentence each keep their own."""
    labels = sorted((k for k, v in label_map.items() if v in PROSE_ELEMENTS), key=len, reverse=True)
    return re.compile(
        r"(?P<label>" + "|".join(map(re.escape, labels)) + r")"
        r"(?:[（(][^（()）\n]{0,12}[)）])?\s*(?:为|是|：|:)?\s*"
        r"(?P<value>" + AMOUNT + "|" + "|".join(map(re.escape, IMMEDIATE_WORDS)) + r")"
    )


WHITESPACE = re.compile(r"[\s\u00a0\u3000\u200b\u200c\u200d\ufeff]+")


_LEAD_DECOR = re.compile(
    r"^(?:[★☆*＊※●○■□◆◇▪•·>》\-—]+"
    r"|\d{1,2}[.．、)）]"
    r"|[（(](?:\d{1,2}|[一二三四五六七八九十]{1,3})[)）]"
    r"|[一二三四五六七八九十]{1,3}[、.．])"
)


_TRAIL_PAREN = re.compile(r"[（(][^（()）]{0,16}[)）]$")


LABEL_SUFFIXES = ("说明", "信息", "情况", "目录", "列表", "一览表", "及要求", "要求", "图")


def squash(text: str) -> str:
    return WHITESPACE.sub("", text)


_ARROWS = re.compile(r"[>》›»＞〉→←<《‹«＜〈\[\]【】…\.。:：]+")


def action_key(text: str) -> str:
    """Link text without whitespace, arrows and brackets ("查看详情 >>" -> "查看详情")."""
    return _ARROWS.sub("", squash(unicodedata.normalize("NFKC", text or "")))


def clean_label(text: str) -> str:
    """Label text without whitespace and decoration ("★1. 法定时限（工作日）：" -> "法定时限")."""
    s = squash(unicodedata.normalize("NFKC", text)) if text else ""
    s = s.replace("\ufe55", ":")
    previous = None
    while s != previous:
        previous = s
        s = s.rstrip("：:").strip("【】[]〖〗")
        s = _LEAD_DECOR.sub("", s)
        s = _TRAIL_PAREN.sub("", s)
    return s


# The elements whose value is a short fact (a time limit, a count, a yes/no) that prose states
# without a colon: "法定期限为20个工作日，承诺期限为5个工作日", "到现场次数0次".
PROSE_ELEMENTS = ("法定办结时限", "承诺办结时限", "到办事现场次数")


AMOUNT = (
    r"(?:不超过|不多于|最多|最长)?\s*[0-9０-９零〇一二两三四五六七八九十百]+\s*"
    r"(?:个\s*)?(?:工作日|自然日|日|天|个?月|小时|次)"
)


IMMEDIATE_WORDS = (
    "即来即办",
    "即时办结",
    "即时办理",
    "当场办结",
    "当场办理",
    "立即办结",
    "立等可取",
    "当即办结",
    "当日办结",
    "当天办结",
    "即办",
    "当场",
    "即时",
)


def in_canonical_order(names: Iterable[str]) -> list[str]:
    """The element names in the order ``scenarios/elements.yaml`` lists them (the order a
    guide's elements are always shown in); names it does not list come after, as given."""
    rank = {name: i for i, name in enumerate(load_elements().names)}
    given = list(dict.fromkeys(names))
    return sorted(given, key=lambda n: (rank.get(n, len(rank)), given.index(n)))
