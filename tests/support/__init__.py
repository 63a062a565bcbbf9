"""What the tests share beyond fixtures: the ``govprobe`` command as a child process
(``commands``), a client for the sandbox in-process or served (``sandbox_client``), an app
served over real HTTP (``served``), a small local server with endpoints named by behaviour
(``local_server``), rounds written through the store (``rounds``), and portals unlike any
archetype (``spa_portal``, ``unseen_portal``, ``unseen_letters``, ``sandbox_worlds``).
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
"""The data files the tests read: hand-written guide pages, wordings, captured guides."""
