"""What ``govprobe check`` does: resolve the portals, run a check round, summarise it."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from typing import Any

from probes import settings, store
from probes.app.progress import Progress, no_progress
from probes.check.round import CheckOptions, run_checks
from probes.plan.cities import load_registry
from probes.score.hardware import summarize_checks
from probes.settings import CHANNELS


def check_portals(
    *,
    target: str = "sandbox",
    sandbox_url: str | None = None,
    cities: Sequence[str] = (),
    db_path: str = str(settings.DEFAULT_DB),
    options: CheckOptions | None = None,
    http_only: bool = False,
    clock: str = "real",
    progress: Progress = no_progress,
) -> dict:
    """What ``govprobe check`` does: resolve the portals, check them, return the summary.

    ``http_only`` (``--http-only``, the scheduler's frequent availability job): the HTTP visit
    and HTTPS of every address, no browser (``probes/check/round.py``). ``clock``: the time
    the round and its rows are stamped with, ``real`` or ``sandbox`` (its simulated clock, for
    a season simulated on it: ``probes.plan.targets.round_stamp``), named in its params."""
    from probes.plan.targets import city_targets, round_stamp, sandbox_url_for

    if http_only:
        options = dataclasses.replace(options or CheckOptions(), http_only=True)
    registry = load_registry()
    chosen = registry.select(list(cities))
    db = store.open_db(db_path)
    try:
        with contextlib.ExitStack() as stack:
            params: dict[str, Any] = {"cities": list(cities), "channels": list(CHANNELS)}
            url = None
            if target == "sandbox":
                url = params["sandbox_url"] = stack.enter_context(sandbox_url_for(sandbox_url))
            targets = city_targets(target, url, registry, chosen, CHANNELS)
            stamp = round_stamp(clock, target, params.get("sandbox_url"))
            params["clock"] = clock
            done = run_checks(
                db, targets, target=target, params=params, options=options, progress=progress,
                stamp=stamp,
            )  # fmt: skip
            return summarize_checks(db, done["round"]) | {"seconds": done["seconds"]}
    finally:
        db.close()
