"""The print station the web tests start shares what it lays out with the test processes (``tests/renders.py``).

The station is a real one: uvicorn, a fork server and renderer processes, each a fresh Python that no
conftest reaches. ``tests/web/conftest.py`` starts it with this folder on ``PYTHONPATH`` and
``CLINIC_HANDOUTS_TEST_RENDERS`` naming the session's folder of shared renders, so Python imports this
module at start-up. When a process first imports ``clinic_handouts.render.renderer``, this installs
``renders.install(folder, replay=False)``: the station lays out every document itself, as it would in a
clinic, and the tests that come later replay what it made instead of laying it out again. Nothing is
imported here before that (the fork server imports only what it preloads).

Python imports one ``sitecustomize``: the one this folder hides (a distribution's, or coverage's) is run too.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

TARGET = "clinic_handouts.render.renderer"
HERE = Path(__file__).resolve().parent
RENDERS = HERE.parent / "renders.py"


class _ShareAfterRenderer(importlib.abc.MetaPathFinder):
    """Finds the renderer module as usual, and installs the sharing once that module has run."""

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
            try:  # loaded by its path: the tests' folder stays off sys.path in the station
                renders_spec = importlib.util.spec_from_file_location("renders", RENDERS)
                renders = importlib.util.module_from_spec(renders_spec)  # type: ignore[arg-type]
                renders_spec.loader.exec_module(renders)  # type: ignore[union-attr]
            except ImportError as exc:  # not silently: the fork server ignores ImportErrors of what it preloads
                raise RuntimeError(f"tests/hooks: cannot load {RENDERS}: {exc}") from exc
            renders.install(lambda: folder, replay=False)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _run_the_hidden_sitecustomize() -> None:
    this = sys.modules.pop(__name__)
    path = sys.path[:]
    sys.path[:] = [p for p in path if Path(p or ".").resolve() != HERE]
    try:
        if importlib.util.find_spec(__name__) is not None:
            importlib.import_module(__name__)
    finally:
        sys.path[:] = path
        sys.modules.setdefault(__name__, this)


if os.environ.get("CLINIC_HANDOUTS_TEST_RENDERS"):
    sys.meta_path.insert(0, _ShareAfterRenderer(Path(os.environ["CLINIC_HANDOUTS_TEST_RENDERS"])))
_run_the_hidden_sitecustomize()
