"""Portal archetypes: each renders a site's PC and H5 mobile portal in its own markup.

An archetype module exposes one object satisfying ``Archetype``; ``ARCHETYPES`` maps the
archetype id (``sandbox.model.ARCHETYPES``) to it. The server wraps each site's app with the
shared layers (faults, latency, firewall, interaction pages, request accounting), so an
archetype only renders guides, search, navigation and its own data API.
"""

from __future__ import annotations

from typing import Protocol

from starlette.types import ASGIApp

from sandbox.model import City, Guide, Site, World


class Archetype(Protocol):
    id: str
    firewall: bool  # a script challenge guards every page (listfw, zjsearch)

    def app(self, site: Site, world: World) -> ASGIApp:
        """The archetype's own routes for this site: home, search, navigation, guides, APIs,
        and the H5 mobile site, for every city of the site."""

    def entry_path(self, site: Site, city: City, channel: str) -> str:
        """Path (with query) of the city's home page on this channel: what a citizen opens."""

    def guide_path(self, site: Site, city: City, guide: Guide, channel: str) -> str:
        """Path (with query) of the page that shows this guide on this channel."""


def registry() -> dict[str, Archetype]:
    from sandbox.archetypes import epoint, jsonapi, listfw, vueportal, zjsearch

    modules = (jsonapi, epoint, listfw, zjsearch, vueportal)
    found = {m.ARCHETYPE.id: m.ARCHETYPE for m in modules}
    return found
