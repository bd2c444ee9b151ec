"""Where a project's files are, and finding a handout or clinic by id.

A project is a folder with ``handouts/``, ``clinics/``, ``templates/`` and
``styles/``. Ids are plain names (``botox``); anything path-like is refused
so that an id from a schedule can never reach outside the project.
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from clinic_handouts.content.confine import confine
from clinic_handouts.content.ids import check_id
from clinic_handouts.content.loading import split_handout_name
from clinic_handouts.content.models import Handout
from clinic_handouts.errors import HandoutError, Problem

#: the checkout this package runs from (``pip install -e``, or ``python generate.py``)
CHECKOUT = Path(__file__).resolve().parent.parent.parent
#: where a wheel installs the bundled project (templates, styles, the example clinic and library)
INSTALLED = Path(sys.prefix) / "share" / "clinic-handouts"


@dataclass(frozen=True)
class Project:
    """The folders of one project; the default is the checkout this package lives in."""

    root: Path = CHECKOUT
    #: where ``out/`` goes (default: the project folder)
    output_root: Path | None = None

    @classmethod
    def default(cls) -> Project:
        """This checkout when the package runs from one; else the project installed with the package,
        writing into ``out/`` in the current folder."""
        if (CHECKOUT / "templates").is_dir() or not (INSTALLED / "templates").is_dir():
            return cls(CHECKOUT)
        return cls(INSTALLED, output_root=Path.cwd())

    @property
    def out_dir(self) -> Path:
        """The default output folder."""
        return (self.output_root or self.root) / "out"

    @property
    def cache_dir(self) -> Path:
        """Where rendered handouts are kept between batches: $CLINIC_HANDOUTS_CACHE, else ``.cache/variants``."""
        configured = os.environ.get("CLINIC_HANDOUTS_CACHE", "").strip()
        return Path(configured) if configured else (self.output_root or self.root) / ".cache" / "variants"

    @property
    def handouts_dir(self) -> Path:
        return self.confine(self.root / "handouts")

    @property
    def figures_dir(self) -> Path:
        """Drawings the handouts print (``figures:``), embedded into the PDF, never linked."""
        return self.handouts_dir / "figures"

    def figure_path(self, name: str, handout: Handout) -> Path:
        """A drawing the handout names, which must be a file inside ``handouts/figures``."""
        path = self.figures_dir / name
        if not path.is_file():
            known = ", ".join(sorted(p.name for p in self.figures_dir.glob("*.*") if p.suffix in {".svg", ".png"}))
            there = f"; there are: {known}" if known else ""
            where = f"handout '{handout.id}' ({handout.language}), figures"
            raise HandoutError(Problem(f"{where}: no figure '{name}' in {self.figures_dir}{there}"))
        return self.confine(path, self.figures_dir)

    @property
    def clinics_dir(self) -> Path:
        return self.confine(self.root / "clinics")

    def confine(self, path: Path, within: Path | None = None) -> Path:
        """``path`` if it lies inside ``within`` (default: the project folder) once links are followed.

        The rule for every file the product finds by itself (by id, in a folder, or named inside another
        file): it must be inside the project, or inside the clinic folder it was given. A symbolic link
        that points elsewhere is refused, so a link can never make a handout print a file of the machine.
        """
        return confine(path, within or self.root)

    @property
    def templates_dir(self) -> Path:
        return self.confine(self.root / "templates")

    @property
    def styles_dir(self) -> Path:
        return self.confine(self.root / "styles")

    @property
    def asset_dirs(self) -> tuple[Path, ...]:
        """The only folders WeasyPrint may read files from."""
        return (self.templates_dir, self.styles_dir, self.clinics_dir)

    def handout_ids(self) -> list[str]:
        """Ids of the source (untranslated) handouts, sorted."""
        ids = set()
        for path in self.handouts_dir.glob("*.yaml"):
            handout_id, language = split_handout_name(path)
            if language == "en":
                ids.add(handout_id)
        return sorted(ids)

    def handout_path(self, id_or_path: str) -> Path:
        """The file of a handout given by id (``botox``) or by path."""
        candidate = Path(id_or_path)
        if candidate.suffix in {".yaml", ".yml"}:
            if not candidate.is_file():
                raise HandoutError(Problem(f"handout file not found: {candidate}"))
            return candidate
        check_id(id_or_path, "handout")
        path = self.handouts_dir / f"{id_or_path}.yaml"
        if not path.is_file():
            raise HandoutError(Problem(_unknown("handout", id_or_path, self.handout_ids())))
        return self.confine(path)

    def handout_in(self, handout_id: str, language: str) -> tuple[Path, bool]:
        """The handout's file in a language, or the English one when there is no translation.

        Returns the file and whether it is that English fallback.
        """
        english = self.handout_path(handout_id)
        if language == "en":
            return english, False
        translation = self.handouts_dir / f"{handout_id}.{language}.yaml"
        return (self.confine(translation), False) if translation.is_file() else (english, True)

    def clinic_ids(self) -> list[str]:
        return sorted(p.parent.name for p in self.clinics_dir.glob("*/clinic.yaml"))

    def clinic_folder(self, id_or_dir: str) -> Path:
        """The folder of a clinic given by id (``example``) or by folder path."""
        candidate = Path(id_or_dir)
        if (candidate / "clinic.yaml").is_file() and ("/" in id_or_dir or candidate.is_absolute()):
            return candidate
        check_id(id_or_dir, "clinic")
        folder = self.clinics_dir / id_or_dir
        if not (folder / "clinic.yaml").is_file():
            raise HandoutError(Problem(_unknown("clinic", id_or_dir, self.clinic_ids())))
        return self.confine(folder)


def _unknown(kind: str, value: str, known: list[str]) -> str:
    guess = difflib.get_close_matches(value, known, n=1)
    hint = f"did you mean '{guess[0]}'? " if guess else ""
    return f"unknown {kind} '{value}'; {hint}known: {', '.join(known) or 'none'}"
