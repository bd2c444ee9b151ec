"""Reading and writing files: bounded reads and atomic writes, every OS error one line naming the path.

No WeasyPrint here, so YAML and JSON writers stay light.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from clinic_handouts.errors import HandoutError, Problem

#: what to do about the usual reasons a file cannot be written
_ADVICE = {
    errno.EACCES: "you may not write there; choose another folder or ask for write access",
    errno.EPERM: "you may not write there; choose another folder or ask for write access",
    errno.EROFS: "that folder is read-only; choose another folder",
    errno.ENOSPC: "the disk is full; free some space and run again",
    errno.EDQUOT: "your disk quota is used up; free some space and run again",
    errno.ENAMETOOLONG: "the file or folder name is too long; choose a shorter one",
    errno.ENOTDIR: "part of the path is a file, not a folder; fix the path",
    errno.EISDIR: "that is a folder; give a file name",
    errno.ENOENT: "a folder on the way does not exist and cannot be made; fix the path",
}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_bytes(path: Path, what: str, limit: int | None = None, too_large: str = "") -> bytes:
    """A whole file (``what`` names it in messages), refused unread when over ``limit`` bytes."""
    try:
        with path.open("rb") as handle:
            data = handle.read() if limit is None else handle.read(limit + 1)
    except FileNotFoundError:
        raise HandoutError(Problem(f"{what} not found", file=path)) from None
    except IsADirectoryError:
        raise HandoutError(Problem(f"is a folder; give the {what}", file=path)) from None
    except OSError as exc:
        raise HandoutError(Problem(f"cannot be read ({exc.strerror or type(exc).__name__})", file=path)) from None
    if limit is not None and len(data) > limit:
        raise HandoutError(Problem(f"larger than {limit // (1024 * 1024)} MB; {too_large}", file=path))
    return data


def write_atomic(path: Path, data: bytes, *, replace: bool = True) -> Path:
    """Write a file so that it is either complete or absent, never partial.

    The file gets the usual mode of a new file (0o666 less the umask) rather
    than the 0o600 of a temporary file. With ``replace=False`` an existing
    file is never overwritten, even one that appears while this one is
    written: ``FileExistsError`` is raised instead. Any other failure (no
    room, no permission, a bad path) is a ``HandoutError`` naming the path and
    what to do.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file stands where a folder should be
        raise HandoutError(cannot_write(path, NotADirectoryError(errno.ENOTDIR, "not a folder"))) from None
    except OSError as exc:
        raise HandoutError(cannot_write(path, exc)) from None
    except ValueError as exc:  # a NUL byte in the path
        raise HandoutError(Problem(f"not a usable file name ({exc})", file=path)) from None
    try:
        return _write(path, data, replace)
    except FileExistsError:
        if not replace:
            raise
        raise HandoutError(cannot_write(path, FileExistsError(errno.EEXIST, "exists"))) from None
    except OSError as exc:
        raise HandoutError(cannot_write(path, exc)) from None
    except ValueError as exc:  # a NUL byte in the path
        raise HandoutError(Problem(f"not a usable file name ({exc})", file=path)) from None


def cannot_write(path: Path, exc: OSError) -> Problem:
    """One line: the path, why it could not be written, and what to do."""
    reason = exc.strerror or type(exc).__name__
    advice = _ADVICE.get(exc.errno or 0, "check the path and that you may write there")
    return Problem(f"cannot write this file ({reason}); {advice}", file=path)


def _write(path: Path, data: bytes, replace: bool) -> Path:
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
