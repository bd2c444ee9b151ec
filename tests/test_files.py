"""Writing files: atomically, with a normal file mode, and without loading WeasyPrint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clinic_handouts.files import write_atomic


def test_written_file_has_the_usual_mode(tmp_path: Path):
    old = os.umask(0o022)
    try:
        path = write_atomic(tmp_path / "sub" / "a.yaml", b"x: 1\n")
    finally:
        os.umask(old)
    assert path.read_bytes() == b"x: 1\n"
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["a.yaml"]


def test_writing_yaml_and_json_does_not_load_weasyprint():
    code = (
        "import sys\n"
        "import clinic_handouts.files, clinic_handouts.content.scaffold\n"
        "import clinic_handouts.content.schema, clinic_handouts.content.importing\n"
        "assert 'weasyprint' not in sys.modules, 'weasyprint imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_no_replace_never_overwrites(tmp_path):
    target = tmp_path / "h.yaml"
    target.write_text("the clinic's own file")
    with pytest.raises(FileExistsError):
        write_atomic(target, b"new", replace=False)
    assert target.read_text() == "the clinic's own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.yaml"]  # no temporary file left
    fresh = write_atomic(tmp_path / "new.yaml", b"new", replace=False)
    assert fresh.read_bytes() == b"new"
