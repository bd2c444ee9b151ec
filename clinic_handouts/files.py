"""Writing files atomically: no WeasyPrint here, so YAML and JSON writers stay light."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes, *, replace: bool = True) -> Path:
    """Write a file so that it is either complete or absent, never partial.

    The file gets the usual mode of a new file (0o666 less the umask) rather
    than the 0o600 of a temporary file. With ``replace=False`` an existing
    file is never overwritten, even one that appears while this one is
    written: ``FileExistsError`` is raised instead.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fchmod(out.fileno(), 0o666 & ~_umask())
            os.fsync(out.fileno())
        if replace:
            os.replace(temp, path)
        else:
            os.link(temp, path)  # fails if the name is taken, atomically
            os.unlink(temp)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return path
