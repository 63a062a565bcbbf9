"""Offline results: the service-hall side of the evaluation, imported to compare with ours.

The offline side (district service halls visited in person) stays manual; evaluators hand in a
spreadsheet and this module reads it, then combines it with the online side: the combined score,
the four quadrants, and the matters whose online and offline materials differ. Part of the
*report* step of the data flow (README, architecture). Pure: no browser, HTTP or SQLite.

The file (CSV, or the first sheet of an XLSX workbook) is one table, one row per line::

    city, offline_score, [offline_guide, offline_hardware, offline_handling, offline_interaction,]
    [matter, materials]

* ``city``: the Chinese name (广州, 广州市) or the id (``guangzhou``) of ``scenarios/cities.yaml``.
* ``offline_score``: 0..100. Each city gives it on exactly one row (a second is a duplicate).
* ``offline_<indicator>``: optional 0..100 per first-level indicator of
  ``scenarios/indicators.yaml``, on the city's score row; a blank cell is "not given".
* ``matter`` + ``materials`` (long form, optional): the materials the hall asks for one matter.
  A city's score row may carry its first matter; each further matter is a row of its own with
  the city, the matter and the materials, and the score left blank. ``matter`` is a matter id
  (``public-health-permit``), its Chinese name or one of its aliases (``scenarios/*.yaml``);
  ``materials`` are separated by ``；``, ``;`` or a line break; ``无`` says "none asked".
  One row per city and matter.

Chinese headers are read as well (``HEADERS``: 城市, 线下得分, 线下办事指南 or 办事指南, 事项,
材料 ...); headers compare after NFKC, case folding and white space removal. Other columns (备注,
区县 ...) are ignored and listed in ``OfflineResults.ignored_columns``, except one that starts
with ``offline_`` or ``线下`` and is not known: that is a typo, and an error.

A row whose first non-empty cell starts with ``#`` is a comment; a comment that says 示例 or
sample marks the file as sample data (``OfflineResults.sample``), which the report shows.
Blank rows are skipped. A CSV is read as UTF-8 (with or without the BOM Excel writes), else as
GB18030 (what Chinese Excel saves "CSV" as).

Errors are ``OfflineError`` (a ``DataFileError``) naming the file, the row as a spreadsheet
numbers it (the first row is 1) and the column as written in the file::

    offline.csv: row 7: 线下得分: '九十' is not a number
    offline.csv: row 9: 城市: 没有这个城市：'广洲'
    offline.csv: row 12: city: duplicate city 广州 (its score is on row 4)
    offline.xlsx: missing column offline_score (线下得分)

Combining (``combine``, ``quadrants``) takes city id -> score mappings: the online side is the
round's *complete* cities (``online_city_scores``), as only they enter the national figures.

Quadrants split at the mean of each side, over the cities scored on both sides: a city whose
score equals the mean at 2 decimals (the precision scores are published at) counts as *high*.
Both high 双高, both low 双低, high online only 线上优, high offline only 线下优.

Materials compare as sets of normalised names (``normalise_material``): what differs is which
documents are asked for, not how they are written. The rule ignores width (NFKC), white space,
case, punctuation and brackets (《》“”（）、。；...), list numbering (``1、``, ``(2)``, ``③``), and
the form a document is handed in: a bracket holding only form words (原件, 复印件, 副本,
扫描件, 电子版, 纸质, 加盖公章, 签字, 一式两份, 1份 ...) and one trailing copy word (营业执照复印件
is 营业执照). Every other word counts, so 身份证明（法定代表人） and 身份证明（经办人） differ.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from probes.plan.cities import Registry, load_registry
from probes.plan.datafiles import DataFileError
from probes.plan.indicators import IndicatorSystem, load_indicators
from probes.plan.scenarios import Scenario, ScenarioError, load_scenarios

QUADRANTS: Mapping[str, str] = MappingProxyType(
    {"both_high": "双高", "both_low": "双低", "online_better": "线上优", "offline_better": "线下优"}
)


# Field -> the headers that name it (besides the field's own id). Indicator columns are
# offline_<id>, 线下<name> or <name>, from the indicator system.
HEADERS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "city": ("城市", "城市名称", "城市名", "市"),
        "offline_score": ("线下得分", "线下总分", "线下评估得分", "线下分数", "得分", "总分"),
        "matter": ("事项", "事项名称", "办理事项", "线下事项"),
        "materials": ("材料", "线下材料", "申请材料", "材料清单", "线下申请材料"),
    }
)


REQUIRED = ("city", "offline_score")


NONE_ASKED = frozenset({"无", "none", "-"})  # a materials cell saying "the hall asks for none"


class OfflineError(DataFileError):
    """An offline results file is unreadable or malformed; names the file, row and column."""


@dataclass(frozen=True)
class OfflineResults:
    source: Path
    sample: bool  # a comment row says 示例 / sample: not real results
    scores: Mapping[str, float]  # city id -> offline score, in file order
    indicators: Mapping[str, Mapping[str, float]]  # city id -> indicator id -> score (given)
    materials: Mapping[tuple[str, str], tuple[str, ...]]  # (city id, matter id) -> names
    ignored_columns: tuple[str, ...] = ()


def _header_key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _csv_rows(path: Path) -> Iterator[list[Any]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OfflineError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise OfflineError(f"{path}: neither UTF-8 nor GB18030 text")
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise OfflineError(f"{path}: not valid CSV: {exc}") from exc


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise OfflineError(f"{path}: cannot read as XLSX: {exc}") from exc
    try:
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield list(row)
    finally:
        book.close()


def _rows(path: Path) -> Iterator[list[Any]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix in (".xlsx", ".xlsm"):
        if not path.exists():
            raise OfflineError(f"{path}: cannot read: no such file")
        return _xlsx_rows(path)
    raise OfflineError(f"{path}: unsupported format {suffix or '(none)'}: give a .csv or .xlsx")


def _fields(system: IndicatorSystem) -> dict[str, str]:
    """Header key -> field, every alias of every field."""
    names: dict[str, tuple[str, ...]] = dict(HEADERS)
    for ind in system.indicators:
        names[f"offline_{ind.id}"] = (f"线下{ind.name}", ind.name)
    keys: dict[str, str] = {}
    for field, aliases in names.items():
        for header in (field, *aliases):
            keys[_header_key(header)] = field
    return keys


def _number(where: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise OfflineError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise OfflineError(f"{where}: {text!r} is not a number")
    if not 0 <= value <= 100:
        raise OfflineError(f"{where}: {text} is outside 0..100")
    return value


def _matter_ids(scenarios: Mapping[str, Scenario]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for scenario in scenarios.values():
        for m in scenario.matters:
            for name in (m.id, m.name, *m.aliases):
                ids.setdefault(_header_key(name), m.id)
    return ids


def split_materials(text: str) -> tuple[str, ...]:
    """A materials cell as names: split at ；, ; and line breaks, blanks dropped."""
    parts = re.split(r"[;；\r\n]+", text)
    return tuple(p.strip() for p in parts if p.strip())


def read_offline(
    path: Path | str,
    *,
    registry: Registry | None = None,
    scenarios: Mapping[str, Scenario] | None = None,
    system: IndicatorSystem | None = None,
) -> OfflineResults:
    """Read an offline results file (module docstring for its shape and its errors)."""
    path = Path(path)
    registry = registry or load_registry()
    system = system or load_indicators()
    field_of = _fields(system)

    header: dict[int, tuple[str, str]] | None = None  # column -> (field, header as written)
    sample = False
    ignored: list[str] = []
    scores: dict[str, float] = {}
    score_row: dict[str, int] = {}
    first_row: dict[str, tuple[int, str, str]] = {}  # city -> (row, header, text) first seen
    indicators: dict[str, dict[str, float]] = {}
    materials: dict[tuple[str, str], tuple[str, ...]] = {}
    material_row: dict[tuple[str, str], int] = {}
    matter_ids: dict[str, str] | None = None

    for number, raw in enumerate(_rows(path), start=1):
        cells = [_cell_text(v) for v in raw]
        filled = [c for c in cells if c]
        if not filled:
            continue
        if filled[0].startswith("#"):
            sample = sample or any(w in " ".join(filled).casefold() for w in ("示例", "sample"))
            continue
        if header is None:
            header = {}
            for col, text in enumerate(cells):
                if not text:
                    continue
                field = field_of.get(_header_key(text))
                if field is None:
                    if _header_key(text).startswith(("offline_", "线下")):
                        raise OfflineError(f"{path}: row {number}: {text}: unknown column")
                    ignored.append(text)
                    continue
                twice = [h for f, h in header.values() if f == field]
                if twice:
                    raise OfflineError(
                        f"{path}: row {number}: {text}: names the same column as {twice[0]}"
                    )
                header[col] = (field, text)
            given = {f for f, _ in header.values()}
            for field in REQUIRED:
                if field not in given:
                    aliases = "、".join(HEADERS[field][:2])
                    raise OfflineError(f"{path}: missing column {field} ({aliases})")
            if ("matter" in given) != ("materials" in given):
                raise OfflineError(f"{path}: matter and materials columns go together")
            continue

        row = {f: (cells[c] if c < len(cells) else "", h) for c, (f, h) in header.items()}

        def where(field: str, row=row, number=number) -> str:
            return f"{path}: row {number}: {row[field][1]}"

        city_text = row["city"][0]
        if not city_text:
            raise OfflineError(f"{where('city')}: empty")
        try:
            city = registry.find(city_text).id
        except ScenarioError:
            raise OfflineError(f"{where('city')}: 没有这个城市：{city_text!r}") from None
        first_row.setdefault(city, (number, row["city"][1], city_text))

        score_text = row["offline_score"][0]
        matter_text = row["matter"][0] if "matter" in row else ""
        if score_text:
            if city in scores:
                raise OfflineError(
                    f"{where('city')}: duplicate city {city_text} "
                    f"(its score is on row {score_row[city]})"
                )
            scores[city] = _number(where("offline_score"), score_text)
            score_row[city] = number
        elif not matter_text:
            raise OfflineError(f"{where('offline_score')}: empty")

        for field, (text, _) in row.items():
            if not field.startswith("offline_") or field == "offline_score" or not text:
                continue
            if not score_text:
                raise OfflineError(f"{where(field)}: given on a row without offline_score")
            indicators.setdefault(city, {})[field.removeprefix("offline_")] = _number(
                where(field), text
            )

        if matter_text:
            if matter_ids is None:
                matter_ids = _matter_ids(scenarios if scenarios is not None else load_scenarios())
            matter = matter_ids.get(_header_key(matter_text))
            if matter is None:
                raise OfflineError(f"{where('matter')}: unknown matter {matter_text!r}")
            if (city, matter) in materials:
                raise OfflineError(
                    f"{where('matter')}: {city_text} {matter_text} is listed twice "
                    f"(first on row {material_row[city, matter]})"
                )
            text = row["materials"][0]
            if not text:
                raise OfflineError(f"{where('materials')}: empty (write 无 when none are asked)")
            names = () if text.casefold() in NONE_ASKED else split_materials(text)
            materials[city, matter] = names
            material_row[city, matter] = number
        elif "materials" in row and row["materials"][0]:
            raise OfflineError(f"{where('materials')}: given without a matter")

    if header is None:
        raise OfflineError(f"{path}: no header row")
    for city, (number, column, text) in first_row.items():
        if city not in scores:
            raise OfflineError(f"{path}: row {number}: {column}: no row gives {text} a score")
    return OfflineResults(
        source=path,
        sample=sample,
        scores=MappingProxyType(scores),
        indicators=MappingProxyType({c: MappingProxyType(v) for c, v in indicators.items()}),
        materials=MappingProxyType(materials),
        ignored_columns=tuple(ignored),
    )


def online_city_scores(score_json: Mapping[str, Any]) -> dict[str, float]:
    """The online side as ``combine`` and ``quadrants`` take it: city id -> score of the
    round's ranked cities (``RoundScore.to_json()``); incomplete cities are left out."""
    return {
        c["city"]: c["score"]
        for c in score_json["cities"]
        if c["rank"] is not None and c["score"] is not None
    }


def _both(
    online: Mapping[str, float | None], offline: Mapping[str, float | None]
) -> list[tuple[str, float, float]]:
    """The cities scored on both sides, in the online side's order."""
    return [
        (c, on, off)
        for c, on in online.items()
        if on is not None and (off := offline.get(c)) is not None
    ]


def combine(
    online: Mapping[str, float | None],
    offline: Mapping[str, float | None],
    weights: tuple[float, float] = (0.5, 0.5),
) -> dict[str, float]:
    """Combined score per city scored on both sides: the weighted mean (online, offline)."""
    w_on, w_off = weights
    if w_on < 0 or w_off < 0 or w_on + w_off <= 0:
        raise ValueError(f"weights {weights} must be >= 0 and not both 0")
    return {c: (w_on * on + w_off * off) / (w_on + w_off) for c, on, off in _both(online, offline)}


@dataclass(frozen=True)
class Quadrants:
    online_mean: float | None  # over the cities scored on both sides
    offline_mean: float | None
    of: Mapping[str, str]  # city id -> both_high | both_low | online_better | offline_better

    def members(self, quadrant: str) -> tuple[str, ...]:
        if quadrant not in QUADRANTS:
            raise KeyError(f"no quadrant {quadrant!r}")
        return tuple(c for c, q in self.of.items() if q == quadrant)

    def counts(self) -> dict[str, int]:
        """Cities per quadrant, every quadrant named (0 included), in ``QUADRANTS`` order."""
        return {q: len(self.members(q)) for q in QUADRANTS}


def quadrants(online: Mapping[str, float | None], offline: Mapping[str, float | None]) -> Quadrants:
    """Split the cities scored on both sides at the mean of each side; at the mean is high."""
    both = _both(online, offline)
    if not both:
        return Quadrants(None, None, MappingProxyType({}))
    on_mean = sum(on for _, on, _ in both) / len(both)
    off_mean = sum(off for _, _, off in both) / len(both)
    of = {}
    for city, on, off in both:
        high_on = round(on, 2) >= round(on_mean, 2)
        high_off = round(off, 2) >= round(off_mean, 2)
        if high_on and high_off:
            of[city] = "both_high"
        elif high_on:
            of[city] = "online_better"
        elif high_off:
            of[city] = "offline_better"
        else:
            of[city] = "both_low"
    return Quadrants(on_mean, off_mean, MappingProxyType(of))


_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽❶❷❸❹❺❻❼❽❾❿➀➁➂➃➄➅➆➇➈➉"


_LEADING_CIRCLED = re.compile(rf"^\s*[{_CIRCLED}]")


_NUMERAL = "[0-9一二两三四五六七八九十]+"


_COPY = "(?:原件|复印件|副本|正本|扫描件|影印件)"


_FORM_WORD = (
    rf"(?:{_COPY}|电子版|电子件|电子|纸质版|纸质件|纸质|加盖单位公章|加盖公章|盖章|签字|签名|"
    rf"一式{_NUMERAL}份|{_NUMERAL}份|各|及|和|与|或|、|,|/|;|:|\s)"
)


_FORM_BRACKET = re.compile(rf"[(\[]{_FORM_WORD}+[)\]]")


_COPY_SUFFIX = re.compile(rf"{_COPY}(?:(?:及|和|与|或|、){_COPY})*$")


_NUMBERING = re.compile(r"^(?:\(\d+\)|\d+[.、)]|[a-z][.、)])")


def normalise_material(name: str) -> str:
    """The key a material's name compares by (module docstring for the rule)."""
    text = _LEADING_CIRCLED.sub("", name)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(text.split())
    text = _NUMBERING.sub("", text)
    text = _FORM_BRACKET.sub("", text)
    stripped = _COPY_SUFFIX.sub("", text)
    if any(not unicodedata.category(ch).startswith("P") for ch in stripped):
        text = stripped
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith(("P", "Z")))


@dataclass(frozen=True)
class MaterialDifference:
    online_only: tuple[str, ...]  # names as the online guide writes them
    offline_only: tuple[str, ...]  # names as the offline file writes them


def _by_key(names: Iterable[str]) -> dict[str, str]:
    keyed: dict[str, str] = {}
    for name in names:
        if key := normalise_material(name):
            keyed.setdefault(key, name)
    return keyed


def material_differences(
    online_materials: Mapping[tuple[str, str], Sequence[str]],
    offline_materials: Mapping[tuple[str, str], Sequence[str]],
) -> dict[tuple[str, str], MaterialDifference]:
    """The (city, matter) pairs whose online and offline lists name different materials.

    Only pairs listed on both sides are compared (one side alone tells nothing); the result
    follows the online side's order. Cities that differ: ``{city for city, _ in result}``.
    """
    differences = {}
    for key, online_names in online_materials.items():
        if key not in offline_materials:
            continue
        on, off = _by_key(online_names), _by_key(offline_materials[key])
        if on.keys() != off.keys():
            differences[key] = MaterialDifference(
                tuple(n for k, n in on.items() if k not in off),
                tuple(n for k, n in off.items() if k not in on),
            )
    return differences
