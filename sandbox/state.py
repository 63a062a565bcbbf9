"""What a running sandbox remembers: world, clock, faults, request counts and submissions.

One ``SandboxState`` is shared by the control app and every site app of a server, so a test
that moves the clock or sets a fault through the control API changes what the sites show.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Any

from sandbox.archetypes import Archetype
from sandbox.clock import SandboxClock
from sandbox.faults import FaultBoard
from sandbox.firewall import Challenge
from sandbox.model import City, Shelf, Site, World


@dataclass
class SiteStats:
    requests: int = 0
    in_flight: int = 0
    max_concurrent: int = 0
    last_start: float | None = None  # monotonic time the latest request arrived
    min_gap_ms: float | None = None  # the shortest time between two requests' arrivals
    last_target: str | None = None  # the path and query of the latest request
    closest: tuple[str, str] | None = None  # the two requests min_gap_ms is between


@dataclass
class Submission:
    city: str
    kind: str  # consult | complaint (a letter system also takes suggestion | help)
    scenario: str
    matter: str
    title: str
    content: str
    receipt: str
    submitted_at: datetime
    user: str
    contact: str = ""
    phone: str = ""
    public: bool = True
    district: str = ""  # 所属区域, on a letter system
    dept: str = ""  # 被反映单位, on a letter system

    def as_json(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "kind": self.kind,
            "scenario": self.scenario,
            "matter": self.matter,
            "title": self.title,
            "receipt": self.receipt,
            "submitted_at": self.submitted_at.isoformat(),
        }


@dataclass
class SandboxState:
    world: World
    clock: SandboxClock
    archetypes: dict[str, Archetype]  # site_id -> the archetype that serves it
    origins: dict[str, str]  # site_id -> "http://127.0.0.1:8701"
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    faults: FaultBoard = field(init=False)
    challenge: Challenge = field(init=False)
    stats: dict[str, SiteStats] = field(default_factory=dict)
    submissions: list[Submission] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.faults = FaultBoard(set(self.world.cities))
        # each city's guides as its portal lists them, which the guide_gone fault changes
        gone = partial(self.faults.has, mode="guide_gone")
        self.world = replace(self.world, cities={
            cid: replace(c, guides=Shelf(c.guides, partial(gone, (cid,))))
            for cid, c in self.world.cities.items()
        })  # fmt: skip
        self.challenge = Challenge(self.secret)
        for site_id in self.world.origin_ids():
            self.stats.setdefault(site_id, SiteStats())

    def submit(self, receipt: Callable[[int], str], **fields: Any) -> Submission:
        """Keep one message a portal accepted; its receipt is ``receipt(n)``, n counting this
        city's messages of this kind from 1, as a portal's 受理编号 does."""
        seq = 1 + sum(
            1 for s in self.submissions if s.city == fields["city"] and s.kind == fields["kind"]
        )
        sub = Submission(receipt=receipt(seq), **fields)
        self.submissions.append(sub)
        return sub

    def site(self, site_id: str) -> Site:
        return self.world.sites[site_id]

    def url(self, site_id: str, path: str) -> str:
        return self.origins[site_id] + path

    def city_url(self, city: City, channel: str) -> str:
        site = self.world.sites[city.site_id]
        return self.url(site.site_id, self.archetypes[site.site_id].entry_path(site, city, channel))
