"""``govprobe.toml`` and the ``GOVPROBE_*`` variables: the options a team sets once.

Which value an option takes is click's own precedence: a flag on the command line, then the
environment, then the file, then the option's default. The environment names are click's
(``auto_envvar_prefix``): ``GOVPROBE_<COMMAND>_<NAME>`` with NAME the option's parameter name
(``GOVPROBE_RUN_CONCURRENCY``, ``GOVPROBE_CONSULT_SUBMIT_CITIES``; ``--help`` shows each), and
the shared options of ``probes.cli.options`` one name for every command (``GOVPROBE_DB``).

The file (``--config FILE``, ``$GOVPROBE_CONFIG``, else ``govprobe.toml`` in the working folder)
becomes click's ``default_map``. Its keys are the options' long names (``per_host`` or
``per-host``). At the top: the main group's own (``data``), else a default for every command that
has that option (``db = ...``); a table per command (``[run]``, ``[consult.submit]``) sets that
command's, over the top. A relative path of a path option is taken from the file's folder. The
file is checked as it is read, against the commands themselves: an unknown table or key, or a
value its option refuses, is an error naming the file and the key, and nothing runs.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import click

CONFIG_FILE = "govprobe.toml"  # looked for in the working folder
TEMPLATE = Path(__file__).parent / "govprobe-template.toml"  # what govprobe init writes


class ConfigError(click.ClickException):
    """govprobe.toml cannot be used; the message names the file and the key."""


def config_path(given: str | None) -> Path | None:
    """The file to read: the one given (it must be there), else ./govprobe.toml if any."""
    if given:
        path = Path(given)
        if not path.is_file():
            raise ConfigError(f"{path}: 配置文件不存在（--config / GOVPROBE_CONFIG）")
        return path
    path = Path(CONFIG_FILE)
    return path if path.is_file() else None


def read_default_map(group: click.Group, path: Path) -> dict[str, Any]:
    """The file as click's ``default_map`` for ``group`` (the ``govprobe`` command), checked."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: 无法读取配置文件：{exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: 不是有效的 TOML：{exc}") from exc
    reader = _Reader(path)
    shared = {k: v for k, v in raw.items() if not isinstance(v, dict) and _option(group, k) is None}
    table = {k: v for k, v in raw.items() if k not in shared}
    default_map = reader.section(group, table, "")
    for key, value in shared.items():
        if not reader.spread(group, key, value, default_map):
            raise ConfigError(f"{path}: {key}: 没有哪个命令有这个选项（--{key.replace('_', '-')}）")
    return default_map


class _Reader:
    def __init__(self, path: Path):
        self.path = path

    def section(self, command: click.Command, table: dict, where: str) -> dict[str, Any]:
        """A table of the file checked against ``command``: its options and subcommands."""
        out: dict[str, Any] = {}
        for key, value in table.items():
            name = f"{where}.{key}" if where else key
            if _is_table(command, key, value):
                assert isinstance(command, click.Group)
                out[key] = self.section(command.commands[key], value, name)
                continue
            option = _option(command, key)
            if option is None:
                raise ConfigError(f"{self.path}: {name}: {_unknown(command, where, key, value)}")
            out[option.name] = self.value(command, where, option, value, name)
        return out

    def spread(
        self, group: click.Group, key: str, value: Any, out: dict[str, Any], where: str = ""
    ) -> bool:
        """A top-level key as the default of every command below ``group`` with that option,
        where the command's own table does not set it; whether any command has it."""
        found = False
        for name, command in group.commands.items():
            path = f"{where}.{name}" if where else name
            if isinstance(command, click.Group):
                found |= self.spread(command, key, value, out.setdefault(name, {}), path)
                continue
            option = _option(command, key)
            if option is not None:
                found = True
                table = out.setdefault(name, {})
                if option.name not in table:
                    table[option.name] = self.value(command, path, option, value, key)
        return found

    def value(
        self, command: click.Command, where: str, option: click.Option, value: Any, name: str
    ) -> Any:
        """The value as the option takes it (a list for a repeatable option), refused with the
        file and the key when the option would refuse it."""
        if option.multiple and not isinstance(value, list):
            value = [value]
        if isinstance(option.type, click.Path):
            value = [self.anchored(v) for v in value] if option.multiple else self.anchored(value)
        try:
            option.type_cast_value(click.Context(command), value)
        except click.BadParameter as exc:
            raise ConfigError(
                f"{self.path}: {name}: 取值无效"
                f"（govprobe {where.replace('.', ' ')} {option.opts[0]}）：{exc.message}"
            ) from None
        return value

    def anchored(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else self.path.parent / path)


def _is_table(command: click.Command, key: str, value: Any) -> bool:
    return isinstance(value, dict) and isinstance(command, click.Group) and key in command.commands


def _options(command: click.Command) -> dict[str, click.Option]:
    """The options the file may set, by their long names with ``_`` for ``-``."""
    found = {}
    for param in command.params:
        if isinstance(param, click.Option) and param.expose_value:
            for opt in param.opts:
                if opt.startswith("--"):
                    found[opt[2:].replace("-", "_")] = param
    return found


def _option(command: click.Command, key: str) -> click.Option | None:
    return _options(command).get(key.replace("-", "_"))


def _unknown(command: click.Command, where: str, key: str, value: Any) -> str:
    whose = f"govprobe {where.replace('.', ' ')}".strip()
    if isinstance(value, dict):
        known = "、".join(sorted(getattr(command, "commands", {}))) or "无"
        return f"{whose} 没有命令 {key}（可用的表：{known}）"
    known = "、".join(sorted(_options(command))) or "无"
    return f"{whose} 没有这个选项（可用的键：{known}）"


def envvar_names(group: click.Group, prefix: str = "GOVPROBE") -> dict[str, str]:
    """Every environment variable an option reads -> ``command --option``, as click derives
    them (the option's own ``envvar`` first, else ``<PREFIX>_<COMMAND>_<NAME>``)."""
    names: dict[str, str] = {}
    _walk_envvars(group, prefix, "govprobe", names)
    return names


def _walk_envvars(command: click.Command, prefix: str, path: str, names: dict[str, str]) -> None:
    for param in command.params:
        if not isinstance(param, click.Option) or param.name in (None, "version"):
            continue
        if param.envvar:  # the group's own, or a shared option: one name for every command
            whose = path if path == "govprobe" else "govprobe …"
            names.setdefault(str(param.envvar), f"{whose} {param.opts[0]}")
        elif param.allow_from_autoenv and param.expose_value:
            names[f"{prefix}_{param.name.upper()}"] = f"{path} {param.opts[0]}"
    for name, sub in getattr(command, "commands", {}).items():
        _walk_envvars(sub, f"{prefix}_{name.upper().replace('-', '_')}", f"{path} {name}", names)
