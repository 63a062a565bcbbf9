"""The one build step pyproject.toml cannot say: the wheel carries scenarios/ as probes/data/.

The repository keeps the shipped data at the top, in scenarios/, where people edit it; an
installed package finds it beside its code (probes/settings.py: DATA_DIR). Everything else is
in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if not self.editable_mode:  # an editable install reads scenarios/ where it is
            self.copy_tree("scenarios", str(Path(self.build_lib, "probes", "data")))


setup(cmdclass={"build_py": BuildWithData})
