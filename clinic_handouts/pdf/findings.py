"""What the conformance checks report: findings with a place in the file, per check, per file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

NOT_CHECKED = (
    "full ISO 19005-3 (PDF/A-3) coverage: pikepdf's allowlist validator checks the PDF/A-3b rules it knows "
    "(file structure, metadata, colour spaces, fonts, transparency, annotations, actions) and reports anything "
    "it does not know as unsupported; veraPDF is not available here",
    "the Matterhorn protocol (PDF/UA-1) beyond the checks listed: reading order matching the visual order, "
    "alternative text being meaningful, heading text describing its section, colour contrast, "
    "table header associations, role maps, natural-language changes inside text",
    "glyph-level checks: that every glyph has a Unicode mapping that matches what is printed, "
    "and that embedded font programs are complete for the glyphs used (only their presence is checked)",
)


@dataclass(frozen=True)
class Finding:
    """One thing wrong, and where in the file."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class CheckResult:
    name: str
    description: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings


@dataclass
class Report:
    """Every check run on one file, and what could not be checked."""

    file: str
    checks: list[CheckResult]
    not_checked: tuple[str, ...] = NOT_CHECKED

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def findings(self) -> list[Finding]:
        return [f for check in self.checks for f in check.findings]

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "passed": self.passed,
            "checks": [
                {
                    "name": c.name,
                    "description": c.description,
                    "passed": c.passed,
                    "findings": [asdict(f) for f in c.findings],
                }
                for c in self.checks
            ],
            "not_checked": list(self.not_checked),
        }
