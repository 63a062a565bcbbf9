"""Reading govprobe's data files (YAML validated by pydantic), one way for all of them.

Scenario, registry, profile, indicator, calendar and element files are read once, at load, and
a bad file fails with its path and the offending key
(``scenarios/beauty-salon.yaml: matters[2].aliases: Input should be a valid list``), never
later in a journey. Each kind of file has its own error class, all ``DataFileError``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)


class DataFileError(ValueError):
    """A data file is unreadable or malformed; the message names the file and the key."""


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
