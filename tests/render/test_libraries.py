"""WeasyPrint's C libraries are opened by the loader's names: no compiler runs, the same libraries load."""

from __future__ import annotations

import ctypes.util
import importlib.abc
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from clinic_handouts.render import libraries

#: prints the text libraries the process has loaded, with their sizes and times (what keys the variant cache)
LOADED = "from clinic_handouts.batch.cache import _native_libraries; print(_native_libraries())"


def _run(code: str, fake_bin: Path) -> str:
    env = {**os.environ, "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout


def test_weasyprint_opens_the_same_libraries_without_running_a_compiler(tmp_path: Path):
    fake_bin, log = tmp_path / "bin", tmp_path / "ran.log"
    fake_bin.mkdir()
    for tool in ("gcc", "cc", "ld"):  # what ctypes.util.find_library runs (found on PATH), noted and refused
        (fake_bin / tool).write_text(f'#!/bin/sh\necho {tool} >> "{log}"\nexit 1\n')
        (fake_bin / tool).chmod(0o755)

    ours = _run(f"import clinic_handouts.packets.cover; {LOADED}", fake_bin)
    assert not log.exists(), log.read_text()
    plain = _run(f"import weasyprint; {LOADED}", fake_bin)  # WeasyPrint before our package: the compiler runs
    assert "gcc" in log.read_text()
    assert ours == plain
    assert "libpango-1.0.so" in ours and "libharfbuzz.so" in ours and "libfontconfig.so" in ours


class _Loader(importlib.abc.Loader):
    """Stands for WeasyPrint's module: it fails to load while ``find_library`` finds nothing."""

    def __init__(self) -> None:
        self.runs: list[bool] = []

    def exec_module(self, module: ModuleType) -> None:
        patched = ctypes.util.find_library("c") is None
        self.runs.append(patched)
        if patched:
            raise OSError("cannot load library 'libpango-1.0-0'")


def test_a_weasyprint_that_needs_find_library_is_loaded_again_as_written():
    loader = _Loader()
    libraries._Loader(loader).exec_module(ModuleType(libraries.FFI_MODULE))
    assert loader.runs == [True, False]
    assert ctypes.util.find_library("c") is not None  # put back
