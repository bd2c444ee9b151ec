"""Rendered handout variants kept on disk between runs, so tomorrow's batch skips rendering the library.

A variant (handout, language, clinic, paper, print size) renders to the same
bytes every time its inputs are the same, so it is stored under a hash of
every input: the handout's YAML, the clinic's folder, the project's templates
and styles, this package's code and catalogs, the versions of the libraries
that lay out and write the PDF, and the system fonts used as fallbacks. Change
any of them and the key changes; the old file is simply never read again
(and removed once unused for ``KEEP_DAYS``).

Handouts hold no patient details, so neither does the cache. Anything wrong
with a cached file (unreadable, truncated, from another version) makes it a
miss, never an error; a cache that cannot be written is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
import zlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from clinic_handouts.content.library import Project
from clinic_handouts.errors import HandoutError
from clinic_handouts.files import write_atomic
from clinic_handouts.packets.parts import RenderedVariant
from clinic_handouts.packets.types import Variant
from clinic_handouts.pdf.findings import Finding
from clinic_handouts.render.weasyprint_internals import pango_version

KEEP_DAYS = 60
#: Python distributions whose version can change a rendered handout's bytes
LIBRARIES = (
    "weasyprint",
    "pydyf",
    "tinycss2",
    "cssselect2",
    "tinyhtml5",
    "fonttools",
    "pyphen",
    "pillow",
    "pikepdf",
    "babel",
    "segno",
    "jinja2",
    "markupsafe",
    "pyyaml",
    "pydantic",
)
#: where fontconfig finds the fonts used for letters the bundled fonts lack (Arabic, Chinese...), and its settings
SYSTEM_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/etc/fonts",
    "~/.config/fontconfig",
)
#: the native libraries that shape, lay out and subset text (loaded by WeasyPrint), found in /proc/self/maps
NATIVE = re.compile(r"/lib(pango|pangoft2|harfbuzz|harfbuzz-subset|fontconfig|freetype|fribidi|z)(-[\d.]+)?\.so[^/]*$")
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _hash_files(digest: hashlib._Hash, folder: Path, *, contents: bool = True) -> None:
    """Names (and contents, or sizes and times) of every file under a folder, in a fixed order."""
    if not folder.is_dir():
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        if contents:
            digest.update(path.read_bytes())
        else:
            stat = path.stat()
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())


def _native_libraries() -> list[str]:
    """Path, size and time of each text library this process has loaded (a system upgrade changes them)."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = sorted({line.split()[-1] for line in maps if NATIVE.search(line.strip())})
    except OSError:
        return []
    out = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            continue
        out.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return out


def fingerprint(project: Project) -> str:
    """A hash of everything a variant depends on except its handout and clinic (those are added per variant)."""
    digest = hashlib.sha256(b"clinic-handouts variant cache 2\0")
    for name in LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none\0".encode())
    digest.update(f"python={sys.version}\0zlib={zlib.ZLIB_RUNTIME_VERSION}\0pango={pango_version()}\0".encode())
    for library in _native_libraries():
        digest.update(library.encode() + b"\0")
    for variable in ("FONTCONFIG_FILE", "FONTCONFIG_PATH"):
        digest.update(f"{variable}={os.environ.get(variable, '')}\0".encode())
    for folder in (PACKAGE_DIR, project.templates_dir, project.styles_dir):
        _hash_files(digest, folder)
    for font_dir in SYSTEM_FONT_DIRS:
        _hash_files(digest, Path(font_dir).expanduser(), contents=False)
    return digest.hexdigest()


@dataclass(frozen=True)
class VariantCache:
    """Rendered variants in ``folder``; ``stamp`` is the project's :func:`fingerprint`.

    Make one per run: the stamp is taken when it is made, so templates edited later are not seen.
    """

    project: Project
    folder: Path
    stamp: str

    @classmethod
    def for_project(cls, project: Project, folder: Path | None = None) -> VariantCache:
        """The project's cache, by default in ``Project.cache_dir``."""
        return cls(project, folder or project.cache_dir, fingerprint(project))

    def key(self, variant: Variant) -> str:
        """The variant's entry name: the run's stamp, the variant, its handout files and its clinic folder."""
        digest = hashlib.sha256(self.stamp.encode())
        digest.update(repr(variant).encode())
        english = self.project.handout_path(variant.handout_id)
        for path in dict.fromkeys((english, self.project.handout_in(variant.handout_id, variant.language)[0])):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        _hash_files(digest, self.project.clinic_folder(variant.clinic_id))
        return digest.hexdigest()

    def _paths(self, key: str) -> tuple[Path, Path]:
        stem = self.folder / key
        return stem.with_suffix(".pdf"), stem.with_suffix(".json")

    def get(self, variant: Variant) -> RenderedVariant | None:
        """The stored variant, or None (never stored, or not readable as one, or its files not readable now)."""
        try:
            pdf_path, info_path = self._paths(self.key(variant))
            data = pdf_path.read_bytes()
            info = json.loads(info_path.read_text(encoding="utf-8"))
            mcids = tuple(tuple(int(m) for m in page) for page in info["mcids"])
            findings = tuple(Finding(str(w), str(m)) for w, m in info["findings"])
            if hashlib.sha256(data).hexdigest() != info["sha256"]:  # damaged, or half replaced
                return None
            now = time.time()
            os.utime(pdf_path, (now, now))  # recently used: kept by prune()
        except (OSError, ValueError, KeyError, TypeError, HandoutError):
            return None
        return RenderedVariant(data, mcids, findings)

    def put(self, variant: Variant, rendered: RenderedVariant, key: str) -> None:
        """Store a variant under the ``key`` taken *before* it was rendered; errors are ignored.

        If the key has changed since (a handout or clinic file saved while the batch ran), nothing is
        stored: the rendering may be of either version. The PDF is written last, so a half-written
        entry is never read as whole. The entry says nothing of which handout it is, or when it was
        used for whom: only its key (a hash) names it.
        """
        info = {
            "mcids": [list(page) for page in rendered.mcids],
            "findings": [[f.where, f.message] for f in rendered.findings],
            "sha256": hashlib.sha256(rendered.data).hexdigest(),
        }
        try:
            if self.key(variant) != key:
                return
            pdf_path, info_path = self._paths(key)
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(info_path, json.dumps(info).encode())
            write_atomic(pdf_path, rendered.data)
        except (OSError, HandoutError):
            pass

    def prune(self, keep_days: int = KEEP_DAYS) -> int:
        """Remove entries not used for ``keep_days``; returns how many files went."""
        removed = 0
        cutoff = time.time() - keep_days * 86400
        for path in self.folder.glob("*.pdf") if self.folder.is_dir() else []:
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    path.with_suffix(".json").unlink(missing_ok=True)
                    removed += 2
            except OSError:
                continue
        return removed
