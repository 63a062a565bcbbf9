"""The city registry (``scenarios/cities.yaml``, or an evaluation folder's): the cities with
province, region, platform and the real portal addresses (unverified: the PC portal and, where
known, the mobile H5 site ``mobile_url``), and the regions they are grouped in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from probes.plan.datafiles import Strict, data_file, read_model
from probes.plan.scenarios import ScenarioError, load_scenarios

REGIONS = ("华北", "东北", "华东", "华南", "西南", "西北")


@dataclass(frozen=True)
class City:
    id: str
    name: str
    province: str
    region: str
    platform: str
    pc_url: str
    mobile: str | None  # the app or mini-program's name
    verified: bool
    mobile_url: str | None = None  # the H5 site phones are given, when known


class CityModel(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    province: str
    region: str
    platform: str
    pc_url: str = Field(pattern=r"^https?://")
    mobile: str | None = None
    mobile_url: str | None = Field(default=None, pattern=r"^https?://")
    verified: bool = False


class RegistryModel(Strict):
    cities: list[CityModel] = Field(min_length=1)


class Registry:
    def __init__(self, cities: tuple[City, ...], source: Path):
        self.cities = cities
        self.source = source

    def find(self, name_or_id: str) -> City:
        """A city by id (``guangzhou``) or Chinese name (广州, 广州市)."""
        wanted = name_or_id.strip()
        for city in self.cities:
            if wanted in (city.id, city.name, city.name + "市"):
                return city
        known = "、".join(c.name for c in self.cities)
        raise ScenarioError(f"{self.source}: 没有这个城市：{name_or_id!r}（已有：{known}）")

    def select(self, names: tuple[str, ...] | list[str]) -> tuple[City, ...]:
        return tuple(self.find(n) for n in names) if names else self.cities


def load_registry(path: Path | str | None = None) -> Registry:
    """The registry file (default: the evaluation's ``cities.yaml``), validated."""
    path = Path(path) if path is not None else data_file("cities.yaml")
    model = read_model(path, RegistryModel, ScenarioError)
    seen: set[str] = set()
    for i, c in enumerate(model.cities):
        if c.region not in REGIONS:
            raise ScenarioError(f"{path}: cities[{i}].region: {c.region!r} not in {REGIONS}")
        for key in (c.id, c.name):
            if key in seen:
                raise ScenarioError(f"{path}: cities[{i}]: duplicate city {key!r}")
            seen.add(key)
    cities = tuple(
        City(
            c.id,
            c.name,
            c.province,
            c.region,
            c.platform,
            c.pc_url,
            c.mobile,
            c.verified,
            c.mobile_url,
        )  # fmt: skip
        for c in model.cities
    )
    return Registry(cities, path)


def chinese_names() -> dict[str, str]:
    """What evaluators read for the ids in a summary: cities, scenarios and matters."""
    names = {c.id: c.name for c in load_registry().cities}
    for scenario in load_scenarios().values():
        names[scenario.id] = scenario.name
        names.update({m.id: m.name for m in scenario.matters})
    return names
