"""``python -m sandbox serve``: run the simulated portals (see ``sandbox/server.py``)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from sandbox.clock import DEFAULT_START, parse_time
from sandbox.server import serve
from sandbox.world import WORLD_DIR, load_world


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve every site and the control API")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8700, help="control port; sites follow (0: any)")
    run.add_argument("--world", type=Path, default=WORLD_DIR, help="directory of world YAML files")
    run.add_argument("--clock-start", default=DEFAULT_START.isoformat(), help="ISO start time")
    args = parser.parse_args(argv)
    world = load_world(args.world)
    asyncio.run(serve(world, args.host, args.port, parse_time(args.clock_start)))


if __name__ == "__main__":
    main()
