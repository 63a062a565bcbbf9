"""Load the sandbox world from its data files and build the in-memory ``World``.

The world is data, not code: ``sandbox/world/*.yaml`` (sites, cities, matters, replies) are
readable files a person edits. This module validates them once (pydantic for the raw files; a
bad file fails with its path and the offending key) and builds the frozen ``World`` of
``sandbox/model.py`` deterministically: the same files always give the same world.

Guides are generated per city and channel from the matter templates, then the city's defects
are applied to them, so every defect the truth reports is one the pages actually show.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sandbox.model import (
    ARCHETYPES,
    CANONICAL_ELEMENTS,
    CHANNELS,
    DEFECT_KINDS,
    HOSTILE_MARKUP,
    MATTERS,
    SCENARIOS,
    Behaviour,
    City,
    Defect,
    Guide,
    LetterSite,
    Material,
    Reply,
    Site,
    World,
)

WORLD_DIR = Path(__file__).parent / "world"
REGIONS = ("华北", "东北", "华东", "华南", "西南", "西北")
QUALITIES = ("solved", "partly", "not")


class WorldError(ValueError):
    """A world file is missing or invalid; the message names the file and the key."""


# ---------------------------------------------------------------- raw files (outside data)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RawSite(_Strict):
    id: str
    name: str
    archetype: Literal["jsonapi", "epoint", "listfw", "zjsearch", "vueportal"]
    real_url: str


class RawLetterSite(_Strict):
    """A sites.yaml entry of ``kind: letters``: a 12345 / 政民互动 letter system, no guides."""

    id: str
    name: str
    kind: Literal["letters"]
    real_url: str = ""


class RawReply(_Strict):
    delay: int | Literal["never"]
    quality: Literal["solved", "partly", "not"]

    @field_validator("delay")
    @classmethod
    def _positive(cls, v: int | str) -> int | str:
        if isinstance(v, int) and v < 0:
            raise ValueError("delay must be >= 0 working days or 'never'")
        return v


class RawDefect(_Strict):
    kind: str
    matter: str
    channel: Literal["pc", "mobile"] | None = None
    element: str | None = None
    detail: str = ""

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in DEFECT_KINDS:
            raise ValueError(f"unknown defect kind {v!r}")
        return v

    @field_validator("matter")
    @classmethod
    def _matter(cls, v: str) -> str:
        if v not in MATTERS:
            raise ValueError(f"unknown matter {v!r}")
        return v

    @field_validator("element")
    @classmethod
    def _element(cls, v: str | None) -> str | None:
        if v is not None and v not in CANONICAL_ELEMENTS:
            raise ValueError(f"unknown element {v!r}")
        return v


class RawCity(_Strict):
    id: str = Field(pattern=r"^[a-z]+$")
    name: str
    province: str
    region: Literal["华北", "东北", "华东", "华南", "西南", "西北"]
    site: str
    region_code: str = Field(pattern=r"^\d{6}(\d{6})?$")
    area: str = Field(pattern=r"^0\d{2,3}$")
    consult: RawReply
    complaint: RawReply
    rating: bool = False
    captcha_on_forms: bool = False
    reply_time_shown: bool = True
    hostile_markup: bool = False
    offline_matters: list[str] = []
    overlay: Literal["none", "notice", "agreement"] = "none"
    new_tab: bool = False
    noise_first: bool = False
    letters: str | None = None  # the letter system (sites.yaml, kind: letters) of 互动交流
    districts: list[str] = []  # the 所属区域 its letter form offers
    defects: list[RawDefect] = []

    @field_validator("offline_matters")
    @classmethod
    def _matters(cls, v: list[str]) -> list[str]:
        for m in v:
            if m not in MATTERS:
                raise ValueError(f"unknown matter {m!r}")
        return v


class RawMaterial(_Strict):
    name: str
    media: str = "纸质"
    copies: str = "原件1份"
    source: str = "申请人自备"
    required: Literal["必要", "非必要", "容缺后补"] = "必要"
    form: bool = False
    sample: bool = False


class RawTarget(_Strict):
    names: list[str] = Field(min_length=1)
    dept: str
    category: str
    theme: str
    elements: dict[str, str]
    materials: list[RawMaterial] = Field(min_length=1)
    decoys: list[str] = []

    @field_validator("elements")
    @classmethod
    def _elements(cls, v: dict[str, str]) -> dict[str, str]:
        wanted = set(CANONICAL_ELEMENTS) - {"事项名称", "实施编码", "申请材料"}
        if unknown := set(v) - set(CANONICAL_ELEMENTS):
            raise ValueError(f"unknown elements {sorted(unknown)}")
        if missing := wanted - set(v):
            raise ValueError(f"missing elements {sorted(missing)}")
        return v


class RawNoise(_Strict):
    name: str
    dept: str
    category: str


class RawGeneric(_Strict):
    elements: dict[str, str]
    materials: list[RawMaterial]


class RawMatters(_Strict):
    targets: dict[str, RawTarget]
    generic: RawGeneric
    noise: list[RawNoise]

    @field_validator("targets")
    @classmethod
    def _all_targets(cls, v: dict[str, RawTarget]) -> dict[str, RawTarget]:
        if set(v) != set(MATTERS):
            raise ValueError(f"targets must be exactly {list(MATTERS)}")
        return v


RawReplies = dict[str, dict[Literal["consult", "complaint"], dict[str, str]]]


# ---------------------------------------------------------------- reading


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise WorldError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise WorldError(f"{path}: not valid YAML: {exc}") from exc


def _validate(path: Path, model: Any, data: Any, at: tuple[Any, ...] = ()) -> Any:
    from pydantic import TypeAdapter

    try:
        return TypeAdapter(model).validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = _loc((*at, *err["loc"]))
        raise WorldError(f"{path}: {loc or '<root>'}: {err['msg']}") from exc


def _read_sites(path: Path) -> tuple[list[RawSite], list[tuple[int, RawLetterSite]]]:
    """sites.yaml: portals, and letter systems (``kind: letters``) told apart by their kind,
    each entry validated as what it says it is (so a message names the entry's own keys)."""
    data = _read(path)
    if not isinstance(data, list):
        return _validate(path, list[RawSite], data), []
    portals, letters = [], []
    for i, entry in enumerate(data):
        if isinstance(entry, dict) and entry.get("kind") == "letters":
            letters.append((i, _validate(path, RawLetterSite, entry, (i,))))
        else:
            portals.append(_validate(path, RawSite, entry, (i,)))
    return portals, letters


# ---------------------------------------------------------------- building


def _h(*parts: str) -> int:
    """A stable small hash (Python's hash() is salted per process)."""
    return zlib.crc32("/".join(parts).encode())


def _phone(area: str, *salt: str) -> str:
    return f"{area}-{8_000_0000 + _h(area, *salt) % 1_999_9999}"


def _fill(text: str, values: Mapping[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def _days(value: str) -> int | None:
    m = re.search(r"(\d+)", value)
    return int(m.group(1)) if m else None


def _materials(raws: list[RawMaterial], guide_id: str, values: Mapping[str, str]) -> list[Material]:
    out = []
    for i, raw in enumerate(raws, start=1):
        out.append(
            Material(
                name=_fill(raw.name, values),
                media=raw.media,
                copies=raw.copies,
                source=raw.source,
                required=raw.required,
                form_url=f"/files/{guide_id}/form/{i}.doc" if raw.form else None,
                sample_url=f"/files/{guide_id}/sample/{i}.pdf" if raw.sample else None,
            )
        )
    return out


def _code(region_code: str, n: int) -> str:
    return f"11{region_code[:6]}{_h(region_code, str(n)) % 10**8:08d}{n:03d}0000"


def _apply_defects(
    guide: dict[str, Any], matter: str, channel: str, defects: list[Defect]
) -> dict[str, Any] | None:
    """Apply the defects of one matter on one channel to a guide's fields; None: no guide."""
    elements: dict[str, str] = guide["elements"]
    materials: list[Material] = guide["materials"]
    for d in defects:
        if d.matter != matter or d.channel not in (None, channel):
            continue
        if d.kind == "missing_on_channel":
            return None
        if d.kind == "element_missing" and d.element:
            elements.pop(d.element, None)
        elif d.kind == "element_empty" and d.element:
            elements[d.element] = d.detail if d.detail in ("", "暂无", "无", "待补充") else "暂无"
        elif d.kind in ("broken_form_link", "broken_sample_link"):
            attr = "form" if d.kind == "broken_form_link" else "sample"
            for i, m in enumerate(materials):
                if getattr(m, f"{attr}_url"):
                    materials[i] = replace(m, **{f"{attr}_ok": False})
                    break
        elif d.kind == "search_miss":
            guide["searchable"] = False
        elif d.kind == "materials_differ" and channel == "mobile":
            # the mobile channel forgets the last material and names one differently
            guide["materials"] = materials = materials[:-1]
            materials[0] = replace(materials[0], name=materials[0].name + "（原件）")
        elif d.kind == "promise_exceeds_statutory":
            statutory = _days(elements.get("法定办结时限", "")) or 10
            elements["承诺办结时限"] = f"{statutory + 10}个工作日"
        elif d.kind == "slow_page":
            guide["latency_ms"] = int(d.detail or 2000)
    return guide


def _defects(raw: RawCity) -> tuple[Defect, ...]:
    return tuple(
        Defect(kind=d.kind, matter=d.matter, channel=d.channel, element=d.element, detail=d.detail)
        for d in raw.defects
    )


def _build_city(raw: RawCity, site: RawSite, matters: RawMatters, replies: RawReplies) -> City:
    defects = list(_defects(raw))
    values = {"city": raw.name, "province": raw.province, "area": raw.area, "site": site.name}
    guides: dict[str, tuple[Guide, ...]] = {}
    prefix = raw.region_code[:6]
    for channel in CHANNELS:
        suffix = "" if channel == "pc" else "-m"
        out: list[Guide] = []
        for n, matter in enumerate(MATTERS, start=1):
            t = matters.targets[matter]
            gid = f"{prefix}-t{n}{suffix}"
            dept = _fill(t.dept, values)
            v = {
                **values,
                "dept": dept,
                "phone": _phone(raw.area, matter),
                "tsphone": _phone(raw.area, matter, "ts"),
            }
            name = t.names[_h(raw.id, matter) % len(t.names)]
            elements = {"事项名称": name, "实施编码": _code(raw.region_code, n)}
            elements |= {k: _fill(val, v) for k, val in t.elements.items()}
            if raw.hostile_markup and "办理地点" in elements:
                elements["办理地点"] += HOSTILE_MARKUP
            offline = matter in raw.offline_matters
            if offline:
                elements["到办事现场次数"] = "1次"
                elements["是否网办"] = "否（需到窗口办理）"
            fields: dict[str, Any] = {
                "elements": elements,
                "materials": _materials(t.materials, gid, v),
                "searchable": True,
                "latency_ms": 0,
            }
            built = _apply_defects(fields, matter, channel, defects)
            decoys = [
                _generic(
                    f"{prefix}-d{n}{k}{suffix}",
                    decoy,
                    matter,
                    "decoy",
                    dept,
                    t.category,
                    t.theme,
                    matters,
                    values,
                    raw,
                )
                for k, decoy in enumerate(t.decoys, start=1)
            ]
            # a decoy holding the whole shown name (合伙企业设立登记 beside 企业设立登记) comes
            # first, as a search ranking by shared words lists it; the rest follow the target.
            # Where the channel has no guide for the matter, its decoys are still listed.
            shown = _plain(name)
            above = [d for d in decoys if shown in _plain(d.name)]
            out.extend(above)
            if built is not None:
                out.append(
                    Guide(
                        guide_id=gid,
                        name=name,
                        kind="target",
                        matter=matter,
                        dept=dept,
                        category=t.category,
                        theme=t.theme,
                        elements=built["elements"],
                        materials=tuple(built["materials"]),
                        online_apply=not offline,
                        searchable=built["searchable"],
                        latency_ms=built["latency_ms"],
                    )
                )
            out.extend(d for d in decoys if d not in above)
        for k, noise in enumerate(matters.noise, start=1):
            dept = _fill(noise.dept, values)
            out.append(
                _generic(
                    f"{prefix}-n{k:02d}{suffix}",
                    noise.name,
                    None,
                    "noise",
                    dept,
                    noise.category,
                    "",
                    matters,
                    values,
                    raw,
                )
            )
        guides[channel] = tuple(out)

    def reply(r: RawReply, kind: str) -> Reply:
        delay = None if r.delay == "never" else r.delay
        quality = "not" if delay is None else r.quality
        return Reply(delay, quality, replies["beauty-salon"][kind][quality])

    city = City(
        city_id=raw.id,
        name=raw.name,
        province=raw.province,
        region=raw.region,
        site_id=raw.site,
        region_code=raw.region_code,
        guides=guides,
        behaviour=Behaviour(
            consult=reply(raw.consult, "consult"),
            complaint=reply(raw.complaint, "complaint"),
            captcha_on_forms=raw.captcha_on_forms,
            rating=raw.rating,
            reply_time_shown=raw.reply_time_shown,
            hostile_markup=raw.hostile_markup,
        ),
        defects=tuple(defects),
        overlay=raw.overlay,
        new_tab=raw.new_tab,
        noise_first=raw.noise_first,
        area_code=raw.area,
    )
    return replace(city, full_online={s: full_online(city, s) for s in SCENARIOS})


def _plain(name: str) -> str:
    """A name without brackets and spaces, to tell whether one name holds another."""
    return re.sub(r"[\s（）()“”\"]", "", name)


def _generic(
    gid: str,
    name: str,
    matter: str | None,
    kind: str,
    dept: str,
    category: str,
    theme: str,
    matters: RawMatters,
    values: Mapping[str, str],
    raw: RawCity,
) -> Guide:
    v = {
        **values,
        "name": name,
        "dept": dept,
        "phone": _phone(raw.area, name),
        "tsphone": _phone(raw.area, name, "ts"),
    }
    elements = {"事项名称": name, "实施编码": _code(raw.region_code, 100 + _h(name) % 900)}
    elements |= {k: _fill(val, v) for k, val in matters.generic.elements.items()}
    return Guide(
        guide_id=gid,
        name=name,
        kind=kind,
        matter=matter,
        dept=dept,
        category=category,
        theme=theme,
        elements=elements,
        materials=tuple(_materials(matters.generic.materials, gid, v)),
    )


def full_online(city: City, scenario: str) -> bool:
    """Whole scenario online on PC: every matter has an online-apply entry and 0 visits shown."""
    for matter in SCENARIOS[scenario]:
        guide = city.target(matter, "pc")
        if guide is None or not guide.online_apply:
            return False
        if guide.elements.get("到办事现场次数", "").strip() != "0次":
            return False
    return True


def load_world(directory: Path | str = WORLD_DIR) -> World:
    """Read and validate the world files under ``directory`` and build the World."""
    d = Path(directory)
    sites, letter_sites = _read_sites(d / "sites.yaml")
    cities = _validate(d / "cities.yaml", list[RawCity], _read(d / "cities.yaml"))
    matters = _validate(d / "matters.yaml", RawMatters, _read(d / "matters.yaml"))
    replies = _validate(d / "replies.yaml", RawReplies, _read(d / "replies.yaml"))
    for scenario in SCENARIOS:
        for kind in ("consult", "complaint"):
            for quality in QUALITIES:
                if not replies.get(scenario, {}).get(kind, {}).get(quality):
                    raise WorldError(f"{d / 'replies.yaml'}: {scenario}.{kind}.{quality}: missing")

    by_site = {}
    for i, s in enumerate(sites):
        if s.id in by_site:
            raise WorldError(f"{d / 'sites.yaml'}: [{i}].id: duplicate site {s.id!r}")
        by_site[s.id] = s
    built: dict[str, City] = {}
    members: dict[str, list[str]] = {s.id: [] for s in sites}
    for i, c in enumerate(cities):
        if c.site not in by_site:
            raise WorldError(f"{d / 'cities.yaml'}: [{i}].site: unknown site {c.site!r}")
        if c.id in built:
            raise WorldError(f"{d / 'cities.yaml'}: [{i}].id: duplicate city {c.id!r}")
        built[c.id] = _build_city(c, by_site[c.site], matters, replies)
        members[c.site].append(c.id)
        if c.letters is not None:
            if c.letters not in {ls.id for _, ls in letter_sites}:
                raise WorldError(
                    f"{d / 'cities.yaml'}: [{i}].letters: unknown letter system {c.letters!r}"
                )
            built[c.id] = replace(built[c.id], letters=c.letters, districts=tuple(c.districts))
    for i, s in enumerate(sites):
        if not members[s.id]:
            raise WorldError(f"{d / 'sites.yaml'}: [{i}].id: site {s.id!r} has no city")
    assert set(ARCHETYPES) >= {s.archetype for s in sites}
    return World(
        sites={
            s.id: Site(s.id, s.name, s.archetype, s.real_url, tuple(members[s.id])) for s in sites
        },
        cities=built,
        replies={sc: {k: dict(q) for k, q in kinds.items()} for sc, kinds in replies.items()},
        letter_sites=_letter_sites(d, letter_sites, built, by_site),
    )


def _letter_sites(
    d: Path,
    raws: list[tuple[int, RawLetterSite]],
    cities: Mapping[str, City],
    portals: Mapping[str, RawSite],
) -> dict[str, LetterSite]:
    out: dict[str, LetterSite] = {}
    for i, raw in raws:
        if raw.id in out or raw.id in portals:
            raise WorldError(f"{d / 'sites.yaml'}: [{i}].id: duplicate site {raw.id!r}")
        members = tuple(c.city_id for c in cities.values() if c.letters == raw.id)
        if not members:
            raise WorldError(f"{d / 'sites.yaml'}: [{i}].id: letter system {raw.id!r} has no city")
        out[raw.id] = LetterSite(raw.id, raw.name, raw.real_url, members)
    return out
