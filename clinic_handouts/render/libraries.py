"""WeasyPrint's C libraries (Pango, HarfBuzz, fontconfig), found by the system's loader without a compiler.

WeasyPrint's ``text.ffi`` module tries several names for each library, one per platform, and
cffi passes every name the loader refuses to ``ctypes.util.find_library``. On Linux that runs
``ldconfig``, then the C compiler and the linker (WeasyPrint issue #1125): 16 compiler runs
and 0.2 s of a core at the start of every process that renders, which is most of our commands,
each station renderer and each test process. Each of WeasyPrint's lists ends in names the
loader finds by itself (``libpango-1.0.so.0``), so while that one module loads,
``find_library`` answers "not found" at once. If a WeasyPrint ever loads nothing that way,
the module loads again as WeasyPrint wrote it (and says itself what is missing).

``install()`` (called when the package is imported, before any module imports WeasyPrint)
only adds a finder for that one module; nothing is imported until WeasyPrint is.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType

#: the WeasyPrint module that opens the C libraries (render/weasyprint_internals.py pins its version)
FFI_MODULE = "weasyprint.text.ffi"


@contextlib.contextmanager
def loader_names_only() -> Iterator[None]:
    """While the block runs, ``ctypes.util.find_library`` finds nothing (and runs nothing)."""
    original = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = original


class _Loader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        try:
            with loader_names_only():
                self.loader.exec_module(module)
        except OSError:
            self.loader.exec_module(module)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != FFI_MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


def install() -> None:
    """Load WeasyPrint's libraries by the loader's names (Linux only: elsewhere no compiler is run)."""
    if sys.platform.startswith("linux") and not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
