"""The one rule for every file the product finds by itself: it lies inside the project or the clinic's folder.

Templates, handout and translation files, ``clinic.yaml``, logos, style
sheets and fonts are found by id, in a folder, or named inside another file.
Each is resolved (every symbolic link followed) and must lie inside the
project folder, or inside the clinic folder it was given; a link pointing
anywhere else is refused with one message naming the file. Files named on
the command line are read as named.
"""

from __future__ import annotations

from pathlib import Path

from clinic_handouts.errors import HandoutError, Problem


def confine(path: Path, within: Path) -> Path:
    """``path`` unchanged if, with every link followed, it lies inside ``within``; else a HandoutError."""
    try:
        inside = path.resolve().is_relative_to(within.resolve())
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL byte
        inside = False
    if not inside:
        raise HandoutError(
            Problem(
                f"is a link to (or lies in) a place outside {within}; the product reads only files inside the "
                "project folder or the clinic folder it was given: copy the file in instead of linking to it",
                file=path,
            )
        )
    return path
