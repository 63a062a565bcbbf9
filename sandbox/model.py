"""The sandbox world in memory: sites, cities, guides, behaviours.

Loaded once from the data files under ``sandbox/world/`` (see ``sandbox/world.py``); every
archetype renders from these values and the truth endpoint reports them, so what a page shows
and what the truth says can never drift apart.

Identifiers used across the HTTP line (truth JSON, scenario files of the probes):

* scenario ids: ``beauty-salon``, ``resident-insurance``
* matter ids: ``enterprise-registration``, ``public-health-permit``, ``fire-safety-inspection``
  (beauty-salon); ``pension-registration``, ``medical-insurance-registration``
  (resident-insurance)
* channels: ``pc``, ``mobile``
* canonical element names: ``CANONICAL_ELEMENTS`` below (the brief's table)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

CANONICAL_ELEMENTS: tuple[str, ...] = (
    "事项名称",
    "实施编码",
    "设定依据",
    "受理条件",
    "申请材料",
    "办理流程",
    "法定办结时限",
    "承诺办结时限",
    "收费标准",
    "办理地点",
    "办理时间",
    "咨询方式",
    "监督投诉方式",
    "到办事现场次数",
    "是否网办",
    "办理结果",
)

# Shown in place of a value by careless portals; the truth counts these as absent.
PLACEHOLDERS: frozenset[str] = frozenset({"", "暂无", "无", "-", "--", "/", "null", "待补充"})

SCENARIOS: Mapping[str, tuple[str, ...]] = {
    "beauty-salon": (
        "enterprise-registration",
        "public-health-permit",
        "fire-safety-inspection",
    ),
    "resident-insurance": ("pension-registration", "medical-insurance-registration"),
}
MATTERS: tuple[str, ...] = tuple(m for ms in SCENARIOS.values() for m in ms)
CHANNELS: tuple[str, ...] = ("pc", "mobile")
ARCHETYPES: tuple[str, ...] = ("jsonapi", "epoint", "listfw", "zjsearch", "vueportal")

# Defect kinds, as the truth names them.
DEFECT_KINDS: frozenset[str] = frozenset(
    {
        "element_missing",  # the label is not on the page at all
        "element_empty",  # the label is shown with 暂无 / blank / a placeholder
        "broken_form_link",  # a material's blank-form link answers 404
        "broken_sample_link",  # a material's sample link answers 404
        "search_miss",  # site search does not find the guide; category navigation does
        "missing_on_channel",  # no guide for the matter on this channel at all
        "materials_differ",  # PC and mobile list different materials
        "promise_exceeds_statutory",  # 承诺办结时限 longer than 法定办结时限
        "slow_page",  # the guide page answers slowly (latency_ms)
    }
)


@dataclass(frozen=True)
class Material:
    name: str
    media: str = "纸质"  # 纸质 / 电子 / 纸质、电子
    copies: str = "原件1份"
    source: str = "申请人自备"
    required: str = "必要"  # 必要 / 非必要 / 容缺后补
    form_url: str | None = None  # path of the blank form on the site, or None
    sample_url: str | None = None  # path of the filled-in sample, or None
    form_ok: bool = True  # False: the form link answers 404
    sample_ok: bool = True


@dataclass(frozen=True)
class Guide:
    """One matter's guide as one channel of one city shows it."""

    guide_id: str  # unique within the site: task codes, uuids and urls derive from it
    name: str  # 事项名称 as shown
    kind: str  # "target" (one of the five matters) | "decoy" | "noise"
    matter: str | None  # the matter id for targets (and for decoys of that matter)
    dept: str  # 实施主体
    category: str  # navigation category (市场监管 / 卫生健康 / 消防救援 / 社会保障 / ...)
    # canonical element -> value as shown. A missing key: the label is not on the page.
    # A value in PLACEHOLDERS: the label is shown with no real value.
    # 申请材料 is not in here: it is ``materials`` (an empty tuple shows the section empty).
    elements: Mapping[str, str]
    materials: tuple[Material, ...] = ()
    online_apply: bool = False  # an online-apply entry (在线办理 / 立即申报) is shown
    searchable: bool = True  # site search finds it; False: only category navigation does
    latency_ms: int = 0  # added delay when the guide page (or its data) is served
    theme: str = ""  # navigation by theme (开办企业 / 开办美容院 / 社会保险 / ...)

    def present(self, element: str) -> bool:
        """The truth's rule: present means shown with a real value."""
        if element == "申请材料":
            return bool(self.materials)
        value = self.elements.get(element)
        return value is not None and value.strip() not in PLACEHOLDERS


@dataclass(frozen=True)
class Reply:
    """How a city answers a consultation or a complaint."""

    delay_working_days: int | None  # None: never answers
    quality: str  # "solved" | "partly" | "not"
    text: str = ""  # the reply's text (built from the scenario's answer points and quality)


@dataclass(frozen=True)
class Behaviour:
    consult: Reply
    complaint: Reply
    captcha_on_forms: bool = False  # 我要咨询 / 我要投诉 demand a captcha
    rating: bool = False  # a 好差评 rating entry exists
    reply_time_shown: bool = True  # 我的咨询 shows when the reply came (some portals do not)
    # guide text and replies carry script and markup (shown as text, as a careless portal
    # shows what an editor typed): whatever we show of them must stay inert
    hostile_markup: bool = False


# What a hostile city's 办理地点 and replies end with: scripts that set ``window.__pwned`` if
# anything ever runs them, and markup that must show as text.
HOSTILE_MARKUP = (
    '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
    '<b onmouseover="window.__pwned=1">加粗</b><a href="javascript:window.__pwned=1">链接</a>'
)


@dataclass(frozen=True)
class Defect:
    kind: str  # one of DEFECT_KINDS
    matter: str | None = None
    channel: str | None = None  # None: both channels
    element: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class City:
    city_id: str  # ascii id, e.g. "guangzhou"
    name: str  # 中文, e.g. "广州"
    province: str
    region: str  # 华北 / 东北 / 华东 / 华南 / 西南 / 西北
    site_id: str
    region_code: str  # the code the provincial platform selects the city with
    # channel -> the guides the portal shows for this city (targets, decoys and noise)
    guides: Mapping[str, tuple[Guide, ...]]
    behaviour: Behaviour
    defects: tuple[Defect, ...] = ()
    full_online: Mapping[str, bool] = field(default_factory=dict)  # scenario id -> bool
    # presentation traits archetypes may honour
    overlay: str = "none"  # none | notice (温馨提示 to dismiss) | agreement (tick a box first)
    new_tab: bool = False  # search results open guides with target=_blank
    noise_first: bool = False  # search lists decoys and noise before the exact match
    area_code: str = ""  # telephone area code, e.g. "020"
    # where 互动交流 lives: None on the portal itself, else the id of a letter system
    # (``World.letter_sites``) the portal's 互动交流 / 我要咨询 links lead to
    letters: str | None = None
    districts: tuple[str, ...] = ()  # 所属区域 a letter system offers (its districts)

    def target(self, matter: str, channel: str) -> Guide | None:
        for guide in self.guides.get(channel, ()):
            if guide.kind == "target" and guide.matter == matter:
                return guide
        return None


class Shelf(Mapping[str, tuple["Guide", ...]]):
    """A city's guides by channel as its portal lists them now: without the city's target
    guides while ``gone()`` says so (the ``guide_gone`` fault, ``sandbox/faults.py``). The
    archetypes read a city's guides through it on every search and category page, so a gone
    guide is found by neither; the guide pages an archetype mapped when it was built still
    answer at their addresses, as a redesigned portal's old pages often do."""

    def __init__(self, guides: Mapping[str, tuple[Guide, ...]], gone: Callable[[], bool]):
        self._guides, self._gone = dict(guides), gone

    def __getitem__(self, channel: str) -> tuple[Guide, ...]:
        found = self._guides[channel]
        return tuple(g for g in found if g.kind != "target") if self._gone() else found

    def __iter__(self) -> Iterator[str]:
        return iter(self._guides)

    def __len__(self) -> int:
        return len(self._guides)


@dataclass(frozen=True)
class Site:
    """One portal origin. Several cities may be regions of one provincial site."""

    site_id: str  # e.g. "gdzwfw"
    name: str  # e.g. "广东政务服务网"
    archetype: str  # one of ARCHETYPES
    real_url: str  # the real portal this site imitates (unverified)
    city_ids: tuple[str, ...]


@dataclass(frozen=True)
class LetterSite:
    """A 12345 / 政民互动 letter system on an origin of its own (``sandbox/letters.py``): some
    cities' consultations live there, not on their service portal. It has no guides."""

    site_id: str  # e.g. "hotline"
    name: str  # e.g. "12345政务服务便民热线"
    real_url: str
    city_ids: tuple[str, ...]  # the cities whose 互动交流 it is


@dataclass(frozen=True)
class World:
    sites: Mapping[str, Site]
    cities: Mapping[str, City]  # by city_id
    # scenario -> kind (consult | complaint) -> quality -> reply text
    replies: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)
    # letter systems by id; served on ports after the portals', in sites.yaml order
    letter_sites: Mapping[str, LetterSite] = field(default_factory=dict)

    def origin_ids(self) -> tuple[str, ...]:
        """Every origin the sandbox serves besides the control API: portals, then letter
        systems (the port order)."""
        return (*self.sites, *self.letter_sites)

    def reply_text(self, scenario: str, kind: str, quality: str) -> str:
        return self.replies.get(scenario, {}).get(kind, {}).get(quality, "")

    def city_by_region(self, site_id: str, region_code: str | None) -> City:
        """The site's city for a ``region`` parameter; the site's first city when absent."""
        cities = self.site_cities(site_id)
        for city in cities:
            if region_code and city.region_code == region_code:
                return city
        return cities[0]

    def site_cities(self, site_id: str) -> tuple[City, ...]:
        return tuple(self.cities[c] for c in self.sites[site_id].city_ids)
