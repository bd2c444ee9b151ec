"""Renders replayed in the processes of the print station the web tests start (``tests/renders.py``).

The station is a real one: uvicorn, a fork server and renderer processes, each a fresh Python that no
conftest reaches. ``tests/web/conftest.py`` starts it with this folder on ``PYTHONPATH`` and
``CLINIC_HANDOUTS_TEST_RENDERS`` naming the session's folder of shared renders, so Python imports this
module at start-up. It installs the replay when ``clinic_handouts.render.renderer`` is imported, not
before: a process that never renders (uvicorn's) does not load WeasyPrint for it. The renderers then lay
out only what no test process has laid out yet, and share what they lay out with the tests.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from pathlib import Path

TARGET = "clinic_handouts.render.renderer"
TESTS = Path(__file__).resolve().parent.parent


class _InstallAfterRenderer(importlib.abc.MetaPathFinder):
    """Finds the renderer module as usual, and installs the replay once that module has run."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def find_spec(self, name, path, target=None):
        if name != TARGET:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run_module, folder = spec.loader.exec_module, self.folder

        def exec_module(module) -> None:
            run_module(module)  # already in sys.modules, where renders finds it
            sys.path.insert(0, str(TESTS))
            import renders

            renders.install(lambda: folder)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if os.environ.get("CLINIC_HANDOUTS_TEST_RENDERS"):
    sys.meta_path.insert(0, _InstallAfterRenderer(Path(os.environ["CLINIC_HANDOUTS_TEST_RENDERS"])))
