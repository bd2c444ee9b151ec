"""The package's shape: one stage per subpackage, imports flowing one way, modules small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "clinic_handouts"
#: the stages in data-flow order; a module may import from its own stage and the ones before it
STAGES = ["errors", "files", "i18n", "content", "checks", "pdf", "render", "packets", "batch", "build", "web", "cli"]
SHARED = {"errors", "files", "i18n"}
MAX_LINES = 400


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _stage(path: Path) -> str:
    part = path.relative_to(PACKAGE).parts[0]
    return part.removesuffix(".py")


def _imported_stages(path: Path) -> set[str]:
    stages = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("clinic_handouts."):
            stages.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.module == "clinic_handouts":
            stages.update(alias.name for alias in node.names if alias.name in STAGES)
        elif isinstance(node, ast.Import):
            stages.update(a.name.split(".")[1] for a in node.names if a.name.startswith("clinic_handouts."))
    return stages


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, long


def test_every_module_and_subpackage_says_what_it_is_for():
    missing = [str(p.relative_to(ROOT)) for p in _modules() if not ast.get_docstring(ast.parse(p.read_text()))]
    assert not missing, missing
    for folder in (p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text())) or ""
        assert doc and "\n" not in doc.strip(), f"{folder.name}/__init__.py: one line saying the stage's job"


def test_imports_flow_one_way():
    """No module reaches back up the data flow (and so there are no import cycles between stages)."""
    backwards = []
    for path in _modules():
        here = _stage(path)
        if here == "__init__":
            continue
        for stage in _imported_stages(path):
            if stage in STAGES and STAGES.index(stage) > STAGES.index(here):
                backwards.append(f"{path.relative_to(ROOT)} imports {stage}")
    assert not backwards, backwards


def test_the_stages_are_all_listed():
    found = {_stage(p) for p in _modules()} - {"__init__"}
    assert found == set(STAGES), found ^ set(STAGES)


def test_the_readme_lists_every_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in _modules():
        name = str(path.relative_to(PACKAGE))
        if path.name == "__init__.py" and path.parent != PACKAGE:
            name = f"{path.parent.name}/"
        assert f"`{name}`" in readme, f"README's module table lacks {name}"


def test_weasyprint_private_api_stays_in_one_module():
    private = (
        "_page_box",
        "copy_with_children",
        ".translate(",
        "weasyprint.text.ffi",
        "weasyprint.layout",
        "weasyprint.formatting_structure",
    )
    allowed = PACKAGE / "render" / "weasyprint_internals.py"
    # render/libraries.py names (never imports) the module that opens WeasyPrint's C libraries, to load it quickly
    names_only = {PACKAGE / "render" / "libraries.py": {"weasyprint.text.ffi"}}
    users = [
        f"{p.relative_to(ROOT)}: {word}"
        for p in [*_modules(), *(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]
        if p != allowed and p != Path(__file__)
        for word in private
        if word in p.read_text(encoding="utf-8") and word not in names_only.get(p, ())
    ]
    assert not users, users
    assert "import weasyprint" not in (PACKAGE / "render" / "libraries.py").read_text(encoding="utf-8")
