"""Finding and reading govprobe's data files (YAML validated by pydantic), one way for all.

Where a file is: ``data_file("cities.yaml")`` is the evaluation folder's file of that name when
one is in use (``govprobe --data DIR``, ``$GOVPROBE_DATA``, ``data =`` in govprobe.toml) and has
it, else the shipped default's (``probes.settings.DATA_DIR``). The folder may hold any subset:
a file it has replaces the shipped file of the same name (``platforms/*.yaml`` too, one by one);
the scenarios are one set, the folder's when it has any scenario file
(``probes.plan.scenarios``). Every loader of ``probes/plan/`` finds its files here.

Scenario, registry, profile, indicator, calendar and element files are read once, at load, and
a bad file fails with its path and the offending key
(``scenarios/beauty-salon.yaml: matters[2].aliases: Input should be a valid list``), never
later in a journey. Each kind of file has its own error class, all ``DataFileError``.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from probes.settings import DATA_DIR

M = TypeVar("M", bound=BaseModel)


class DataFileError(ValueError):
    """A data file is unreadable or malformed; the message names the file and the key."""


_evaluation_folder: Path | None = None  # set once per command by the command line


def use_data_dir(folder: Path | str | None) -> None:
    """Read the data from this evaluation folder first (None: the shipped defaults alone)."""
    global _evaluation_folder
    if folder is None:
        _evaluation_folder = None
        return
    folder = Path(folder)
    if not folder.is_dir():
        raise DataFileError(f"{folder}: 数据目录不存在（--data / GOVPROBE_DATA / data =）")
    _evaluation_folder = folder


def data_dirs() -> tuple[Path, ...]:
    """Where data files are looked for, first to last: the evaluation folder, the shipped data."""
    return (DATA_DIR,) if _evaluation_folder is None else (_evaluation_folder, DATA_DIR)


def data_file(name: str) -> Path:
    """The file ``name`` (``cities.yaml``, ``platforms/gdzwfw.yaml``) where it is first found;
    the shipped default's path when no folder has it (its loader then says it is missing)."""
    for folder in data_dirs():
        if (folder / name).is_file():
            return folder / name
    return DATA_DIR / name


def data_files(pattern: str) -> list[Path]:
    """Every file matching ``pattern`` (``platforms/*.yaml``) by name, the evaluation folder's
    replacing the shipped one of the same name; sorted by name."""
    found: dict[str, Path] = {}
    for folder in reversed(data_dirs()):
        found.update({p.relative_to(folder).as_posix(): p for p in folder.glob(pattern)})
    return [found[name] for name in sorted(found)]


def scenario_files(
    folder: Path | str | None = None, error: type[DataFileError] = DataFileError
) -> list[Path]:
    """The scenario files (the YAML files declaring ``matters``) of ``folder``; without one,
    the evaluation folder's when it has any, else the shipped ones: the scenarios are one set."""
    folders = (Path(folder),) if folder is not None else data_dirs()
    for where in folders:
        found = [p for p in sorted(where.glob("*.yaml")) if _declares_matters(p, error)]
        if found:
            return found
    return []


def _declares_matters(path: Path, error: type[DataFileError]) -> bool:
    raw = load_yaml(path, error)
    return isinstance(raw, dict) and "matters" in raw


# What ``govprobe init`` copies: the data a team edits. The schedule file is the scheduler's
# (``--schedule``), the offline sample the demo's.
EVALUATION_FILES = (
    "cities.yaml",
    "indicators.yaml",
    "elements.yaml",
    "workdays-override.yaml",
    "schedule.yaml",
)


def write_evaluation_folder(folder: Path | str, extra: Mapping[str, str]) -> list[Path]:
    """Write an evaluation folder from the shipped defaults: the registry, the indicator
    system, the elements, the calendar, the platform profiles and the scenarios, and ``extra``
    (name -> text). Refuses, writing nothing, when any of those files already exists."""
    folder = Path(folder)
    copies = {name: DATA_DIR / name for name in EVALUATION_FILES}
    copies.update({p.name: p for p in scenario_files(DATA_DIR)})
    copies.update({f"platforms/{p.name}": p for p in sorted(DATA_DIR.glob("platforms/*.yaml"))})
    names = [*copies, *extra]
    existing = [name for name in names if (folder / name).exists()]
    if existing:
        shown = "、".join(str(folder / name) for name in existing)
        raise DataFileError(f"{folder}: 已有文件，不覆盖：{shown}")
    written = []
    for name in names:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if name in copies:
            shutil.copyfile(copies[name], target)
        else:
            target.write_text(extra[name], encoding="utf-8")
        written.append(target)
    return written


def format_validation_error(path: Path | str, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        loc = ""
        for part in err["loc"]:
            loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
        message = err["msg"].removeprefix("Value error, ")
        problems.append(f"{path}: {loc}: {message}" if loc else f"{path}: {message}")
    return "\n".join(problems)


def load_yaml(path: Path | str, error: type[DataFileError] = DataFileError) -> object:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an impossible date, say
        raise error(f"{path}: not valid YAML: {exc}") from exc


def read_model(path: Path | str, model: type[M], error: type[DataFileError] = DataFileError) -> M:
    """The file's YAML validated against ``model``; ``error`` names the file and the key."""
    raw = load_yaml(path, error)
    if not isinstance(raw, dict):
        raise error(f"{path}: expected a mapping at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error(format_validation_error(path, exc)) from None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
