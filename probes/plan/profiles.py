"""Platform profiles and the city registry: what a generic journey cannot guess.

A platform profile (``scenarios/platforms/<id>.yaml``) says, for one portal platform, how a
citizen picks their city (region selection), where to start, and which category path leads to
a matter when search fails. Profile steps are data; their actions come from ``ACTIONS``, a
registry checked at load time, so an unknown action or a missing argument fails when the file is
loaded, naming the file and the key, never halfway through a journey.

The city registry (``scenarios/cities.yaml``) lists the 36 cities with province, region,
platform and the real portal addresses (unverified).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from probes.plan.datafiles import Strict, data_files, read_model
from probes.plan.scenarios import ScenarioError

# action -> (required arguments, optional arguments). The journey implements each one
# (probes/walk/guide.py: run_profile_step); a test keeps the two in step.
ACTIONS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = {
    "goto": (frozenset({"url"}), frozenset()),
    "click_text": (frozenset({"text"}), frozenset({"exact", "optional"})),
    "click": (frozenset({"selector"}), frozenset({"optional"})),
    "fill": (frozenset({"selector", "value"}), frozenset()),
    "press": (frozenset({"key"}), frozenset()),
    "wait": (frozenset({"ms"}), frozenset()),
    "dismiss_overlays": (frozenset(), frozenset()),
}


@dataclass(frozen=True)
class ProfileStep:
    action: str
    args: Mapping[str, object]

    def render(self, **values: str) -> ProfileStep:
        """Fill ``{city}`` and similar placeholders in string arguments."""
        rendered = {
            k: v.format(**values) if isinstance(v, str) else v for k, v in self.args.items()
        }
        return ProfileStep(self.action, rendered)


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    arrival: tuple[ProfileStep, ...]  # after landing on the portal: pick the region, ...
    mobile_arrival: tuple[ProfileStep, ...]
    categories: tuple[str, ...]  # link texts that lead towards matters by category
    source: Path


class ProfileModel(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    notes: str = ""
    arrival: list[dict] = []
    mobile_arrival: list[dict] = []
    categories: list[str] = []


def parse_steps(path: Path, key: str, raw_steps: list[dict]) -> tuple[ProfileStep, ...]:
    steps = []
    for i, raw in enumerate(raw_steps):
        where = f"{path}: {key}[{i}]"
        if not isinstance(raw, dict) or "action" not in raw:
            raise ScenarioError(f"{where}: a step is a mapping with an `action`")
        action = raw["action"]
        if action not in ACTIONS:
            raise ScenarioError(
                f"{where}.action: unknown action {action!r} (known: {', '.join(sorted(ACTIONS))})"
            )
        required, optional = ACTIONS[action]
        args = {k: v for k, v in raw.items() if k != "action"}
        missing = required - args.keys()
        if missing:
            raise ScenarioError(f"{where}: action {action!r} needs {', '.join(sorted(missing))}")
        unknown = args.keys() - required - optional
        if unknown:
            raise ScenarioError(f"{where}.{sorted(unknown)[0]}: not an argument of {action!r}")
        steps.append(ProfileStep(action, args))
    return tuple(steps)


def load_profile(path: Path | str) -> Profile:
    path = Path(path)
    model = read_model(path, ProfileModel, ScenarioError)
    if model.id != path.stem:
        raise ScenarioError(f"{path}: id: {model.id!r} does not match the file name")
    return Profile(
        id=model.id,
        name=model.name,
        arrival=parse_steps(path, "arrival", model.arrival),
        mobile_arrival=parse_steps(path, "mobile_arrival", model.mobile_arrival),
        categories=tuple(model.categories),
        source=path,
    )


def load_profiles(directory: Path | str | None = None) -> dict[str, Profile]:
    """The profiles of ``directory``; without one, the evaluation's ``platforms/*.yaml`` (the
    evaluation folder's replacing the shipped profile of the same name, one by one)."""
    if directory is not None:
        paths = sorted(Path(directory).glob("*.yaml"))
    else:
        paths = data_files("platforms/*.yaml")
    return {p.stem: load_profile(p) for p in paths}
