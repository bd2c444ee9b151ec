"""The package as a wheel: installed into a fresh virtual environment, outside the checkout, it still works.

Templates, styles, fonts, catalogs, the example clinic and the library come
with the wheel (package data and data files), so ``clinic-handouts`` renders
a handout from any folder. The fresh environment gets the wheel alone; its
dependencies are borrowed from the test environment through a ``.pth`` file
(no download: the tests run offline), which cannot see this checkout.
"""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import ROOT, pdf_text


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel built from this checkout; returns its bin folder.

    The wheel is built from a copy of the checkout: building in place would leave ``build/`` in it.
    """
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".cache", "out", "tests"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(work / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (work / "dist").glob("clinic_handouts-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(work / "venv")], check=True)
    python = work / "venv" / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The dependencies, from this environment's site-packages (its .pth files, the checkout's editable
    # install among them, are not processed from there).
    Path(purelib, "borrowed-dependencies.pth").write_text(
        "\n".join([sysconfig.get_paths()["purelib"], *site.getsitepackages()]) + "\n"
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    return python.parent


def test_the_installed_package_is_not_the_checkout(installed: Path):
    where = subprocess.run(
        [str(installed / "python"), "-c", "import clinic_handouts; print(clinic_handouts.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd="/",
    ).stdout.strip()
    assert where.startswith(str(installed.parent)), where
    assert not where.startswith(str(ROOT)), where


def test_the_installed_command_renders_a_handout_outside_the_checkout(installed: Path, tmp_path: Path):
    done = subprocess.run(
        [str(installed / "clinic-handouts"), "handout", "botox"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "out" / "botox.pdf"
    assert f"wrote {pdf}" in done.stdout
    pages = pdf_text(pdf)
    assert len(pages) >= 2
    assert "Botox" in pages[0]
    assert (
        not (ROOT / "out" / "botox.pdf").exists() or (ROOT / "out" / "botox.pdf").stat().st_mtime < pdf.stat().st_mtime
    )


def test_root_names_a_project_folder(installed: Path, project, tmp_path: Path):
    out = tmp_path / "pt.pdf"
    done = subprocess.run(
        [
            str(installed / "clinic-handouts"),
            "--root",
            str(project.root),
            "handout",
            "physical-therapy",
            "-o",
            str(out),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Physical" in pdf_text(out)[0]


def test_version(installed: Path):
    done = subprocess.run([str(installed / "clinic-handouts"), "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("clinic-handouts ")
