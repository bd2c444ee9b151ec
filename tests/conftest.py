"""Shared fixtures: the fixture project, renders shared per process, WeasyPrint's log watched, the checkout kept clean.

Tests that need particular content (a handout's reading grade, a clinic's phone number) use the
fixture project in ``tests/fixtures/project`` (copied with the project's templates and styles into a
temporary folder); the shipped library (``handouts/``, ``clinics/example``, ``examples/``) is tested
only for being valid and rendering cleanly (``tests/test_shipped_library.py``), and for the clinic's
Botox page reaching the Botox handout word for word.

Any WeasyPrint warning logged during a test fails that test (as in WeasyPrint's own suite): a missing
image or glyph must never pass unnoticed.

Nothing is written into the checkout: outputs go to temporary folders, the batch's variant cache to a
temporary folder per test (``CLINIC_HANDOUTS_CACHE``), and the session fails if the checkout's
``git status --porcelain --ignored`` (files in ignored folders included) shows anything new or changed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pages import poppler
from pypdf import PdfReader

from clinic_handouts.content.library import Project
from clinic_handouts.content.loading import load_clinic, load_handout
from clinic_handouts.content.models import DEFAULT_HEADINGS, Handout

HEADINGS = set(DEFAULT_HEADINGS.values())

ROOT = Path(__file__).resolve().parent.parent
#: A copy of ../shared/seeds/botox-treatment-page.txt, the clinic's page as published (shipped content).
SEED = ROOT / "examples" / "pages" / "botox-treatment-page.txt"
#: The fixture project's content: handouts, the clinic "example" and example visits, fixed for the tests.
FIXTURES = ROOT / "tests" / "fixtures"
FIXTURE_PROJECT = FIXTURES / "project"
#: The fixture project's copy of the clinic's Botox page (the importer's tests read it).
FIXTURE_SEED = FIXTURE_PROJECT / "examples" / "pages" / "botox-treatment-page.txt"
#: What a fixture project copies from the checkout: product code, not content.
PRODUCT_FOLDERS = ("templates", "styles")


class _WeasyPrintWatch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def fail_on_weasyprint_warnings(request: pytest.FixtureRequest):
    """Fail the test if WeasyPrint logged a warning (unless it expects some)."""
    watch = _WeasyPrintWatch()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(watch)
    yield watch
    logger.removeHandler(watch)
    if watch.records and "weasyprint_warnings_expected" not in request.keywords:
        messages = "; ".join(r.getMessage() for r in watch.records)
        pytest.fail(f"WeasyPrint logged warnings: {messages}")


@pytest.fixture(autouse=True)
def replayed_renders(request: pytest.FixtureRequest):
    """Documents already laid out in this process are replayed (``renders.py``), unless the test is marked
    ``fresh_renders`` (it checks that rendering again gives the same bytes)."""
    if "fresh_renders" in request.keywords:
        import renders

        with renders.fresh():
            yield
    else:
        yield


@pytest.fixture(scope="session")
def shared_renders(pytestconfig: pytest.Config) -> Path:
    """The folder where this session's renders are shared (``renders.py``), for the processes tests start."""
    return _session_folder(pytestconfig) / "renders"


@pytest.fixture(autouse=True)
def temporary_variant_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's batch keeps its rendered variants in a fresh temporary folder, never in the checkout's
    ``.cache/`` (which would make the next run test the cached path instead of the rendering one)."""
    folder = tmp_path_factory.mktemp("variant-cache", numbered=True)
    monkeypatch.setenv("CLINIC_HANDOUTS_CACHE", str(folder))
    return folder


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--outside-checkers",
        action="store_true",
        help="after the run, check every PDF the tests produced with page-validation and Ghostscript "
        "(also when CLINIC_HANDOUTS_OUTSIDE_CHECKERS=1, as .ci/run sets it)",
    )


def _runs_tests(config: pytest.Config) -> bool:
    """This process runs tests: an xdist worker, or a run without xdist (not the xdist controller)."""
    return _is_worker(config) or getattr(config.option, "dist", "no") == "no"


def _session_folder(config: pytest.Config) -> Path:
    """This session's temporary folder, the same for every xdist worker (each has its own below it)."""
    base = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    return base.parent if _is_worker(config) else base


def outside_checkers(config: pytest.Config) -> bool:
    return bool(config.getoption("outside_checkers")) or os.environ.get("CLINIC_HANDOUTS_OUTSIDE_CHECKERS") == "1"


_CONFIG: list[pytest.Config] = []


def _record_what_the_product_makes() -> None:
    """Keep every handout and packet finished in this process for the outside checkers (files written
    by subprocesses, such as the CLI and batch workers, are found on disk)."""
    from clinic_handouts.packets.builder import PacketBuilder
    from clinic_handouts.pdf import claims
    from clinic_handouts.render import renderer

    original_finish, original_build = claims.finish, PacketBuilder.build

    def finish(*args, **kwargs):
        finished = original_finish(*args, **kwargs)
        produced(finished.data)
        return finished

    def build(self, *args, **kwargs):
        packet = original_build(self, *args, **kwargs)
        produced(packet.data)
        return packet

    claims.finish = renderer.finish = finish  # type: ignore[assignment]
    PacketBuilder.build = build  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    _CONFIG[:] = [config]
    # Bytecode is cached (in __pycache__, git-ignored) even where PYTHONDONTWRITEBYTECODE=1 is set, as on this
    # project's machines: otherwise each worker rewrites every test module's asserts again (1 s of each worker's
    # start) and each process the tests start compiles the package again. Those processes keep the variable
    # (they write nothing), but read what the workers wrote.
    sys.dont_write_bytecode = False
    if _runs_tests(config):  # the xdist controller only hands out tests: it need not import WeasyPrint
        import renders

        renders.install(lambda: _session_folder(config) / "renders")
    if outside_checkers(config):
        _record_what_the_product_makes()
    config.addinivalue_line("markers", "weasyprint_warnings_expected: the test provokes WeasyPrint warnings on purpose")
    # Hypothesis keeps its examples and caches outside the checkout (default: .hypothesis/ in it)
    hypothesis_home = Path(tempfile.gettempdir()) / "clinic-handouts-hypothesis"
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(hypothesis_home))


# --- the checkout stays as it was ------------------------------------------------

#: written by the tools themselves, not by the tests
_TOOL_FOLDERS = (".venv", ".pytest_cache", ".ruff_cache", ".mypy_cache", "clinic_handouts.egg-info")
_CHECKOUT_STATE = pytest.StashKey[dict]()


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def checkout_state() -> dict[str, tuple[str, int, int]] | None:
    """Every entry ``git status --porcelain --ignored`` shows (files in ignored folders one by one), with
    its size and modification time; None outside a git checkout."""
    excluded = [f":(exclude){name}" for name in _TOOL_FOLDERS] + [":(exclude,glob)**/__pycache__/**"]
    try:
        listing = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--ignored", "-uall", "-z", "--", ".", *excluded],
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8", "surrogateescape")
    except (OSError, subprocess.CalledProcessError):
        return None
    state = {}
    for entry in filter(None, listing.split("\0")):
        status, path = entry[:2], entry[3:]
        try:
            stat = (ROOT / path).stat()
            state[path] = (status, stat.st_size, stat.st_mtime_ns)
        except OSError:
            state[path] = (status, -1, -1)
    return state


def pytest_sessionstart(session: pytest.Session) -> None:
    if not _is_worker(session.config):
        state = checkout_state()
        if state is not None:
            session.config.stash[_CHECKOUT_STATE] = state


def _outside_checkers(session: pytest.Session) -> None:
    """With --outside-checkers: every PDF the tests wrote to disk or read back, checked by page-validation
    and Ghostscript (strict) once the tests are done (by the controller, over every worker's files)."""
    config = session.config
    if _is_worker(config) or not outside_checkers(config):
        return
    from validators import check_produced

    reporter = config.pluginmanager.get_plugin("terminalreporter")
    root = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    checked, failures = check_produced(root)
    say = reporter.write_line if reporter is not None else print
    say(f"outside checkers: {checked} distinct PDFs the tests produced, {len(failures)} failed")
    for failure in failures[:30]:
        say(f"  {failure}", red=True) if reporter is not None else print(failure)
    if failures:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if the tests wrote into the checkout (checked once, by the controller under xdist);
    with --outside-checkers, also if a PDF the tests produced fails an outside checker."""
    _outside_checkers(session)
    before = session.config.stash.get(_CHECKOUT_STATE, None)
    if before is None or _is_worker(session.config):
        return
    after = checkout_state() or {}
    changed = sorted(path for path, state in after.items() if before.get(path) != state)
    if not changed:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [
        f"the checkout {ROOT} changed while the tests ran (a test wrote into it: use tmp_path; "
        "or a file was edited meanwhile):",
        *(f"  {p}" for p in changed[:30]),
    ]
    if len(changed) > 30:
        lines.append(f"  ... and {len(changed) - 30} more")
    for line in lines:
        if reporter is not None:
            reporter.write_line(line, red=True)
        else:  # pragma: no cover
            print(line)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- projects ----------------------------------------------------------------------


def make_project(folder: Path, content: Path = FIXTURE_PROJECT, *, examples: bool = False) -> Project:
    """A project in ``folder``: a copy of ``content`` (handouts and clinics, and examples if asked) and of
    the checkout's templates and styles (product code)."""
    for name in ("handouts", "clinics", "examples") if examples else ("handouts", "clinics"):
        shutil.copytree(content / name, folder / name)
    for name in PRODUCT_FOLDERS:
        shutil.copytree(ROOT / name, folder / name)
    return Project(folder)


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The fixture project, read only (``scratch_project`` is a copy to change)."""
    return fixture_project(tmp_path_factory)


_FIXTURE_PROJECTS: dict[str, Project] = {}


def fixture_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The fixture project of this process (one copy, shared by every test that only reads it)."""
    key = str(tmp_path_factory.getbasetemp())
    if key not in _FIXTURE_PROJECTS:
        _FIXTURE_PROJECTS[key] = make_project(tmp_path_factory.mktemp("fixture-project"), examples=True)
    return _FIXTURE_PROJECTS[key]


@pytest.fixture(scope="session")
def clinic(project: Project):
    return load_clinic(project.clinic_folder("example"))


@pytest.fixture
def scratch_project(tmp_path: Path) -> Project:
    """A copy of the fixture project (without examples/) to break on purpose."""
    return make_project(tmp_path)


# --- renders shared by the tests of one process ---------------------------------------------


@dataclass(frozen=True)
class Printed:
    """One handout written (``data``), its PDF text per page and WeasyPrint's warnings; ``document``, the
    laid-out pages, is made when a test first asks for it (most tests read only the PDF)."""

    project: Project
    handout: Handout
    html: str
    #: WeasyPrint's own PDF, before the repairs and claims
    raw: bytes
    #: the finished PDF, the same bytes as ``build_handout`` writes
    data: bytes
    pages: list[str]
    #: what WeasyPrint logged
    warnings: tuple[str, ...]
    #: why the finished file does not claim PDF/A and PDF/UA (none: it claims both)
    claim_warnings: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.pages)

    @functools.cached_property
    def document(self):
        """The laid-out pages (WeasyPrint's ``Document``: boxes, positions) of this handout."""
        return renderer_for(self.project).layout(self.html)


_PRINTED: dict[tuple, Printed] = {}
_RENDERERS: dict[str, object] = {}


def renderer_for(project: Project):
    """One renderer per project and process: its style sheet and fonts loaded once (as ``build_library``
    and the batch workers do; the bytes are the same as with a fresh one, ``test_same_inputs...`` checks)."""
    from clinic_handouts.render.renderer import Renderer

    key = str(project.root)
    if key not in _RENDERERS:
        _RENDERERS[key] = Renderer(project)
    return _RENDERERS[key]


def print_handout(
    project: Project,
    name: str,
    *,
    paper: str | None = None,
    large_print: bool = False,
    clinic_ref: str = "example",
    in_packet: bool = False,
) -> Printed:
    """Lay out and write one handout file (``botox.yaml``, ``botox.es.yaml``), without caching."""
    from clinic_handouts.pdf.claims import finish
    from clinic_handouts.pdf.xmp import creation_date
    from clinic_handouts.render.html import handout_html
    from clinic_handouts.render.renderer import collect_warnings

    clinic = load_clinic(project.clinic_folder(clinic_ref))
    handout = load_handout(project.handouts_dir / name)
    html = handout_html(project, handout, clinic, paper, large_print=large_print, in_packet=in_packet)
    with collect_warnings() as warnings:  # also outside the autouse watch (shared renders)
        raw, _ = renderer_for(project).write_pdf(html)
    finished = finish(raw, creation_date(handout.review.reviewed_on))
    return Printed(
        project, handout, html, raw, finished.data, pdf_text(finished.data), tuple(warnings), tuple(finished.warnings)
    )


@pytest.fixture(scope="session")
def printed(project: Project) -> Callable[..., Printed]:
    """``printed("botox.yaml", paper=..., large_print=...)``: the fixture project's handout, laid out and
    written once per process and shared (read only) by every test that asks for the same one."""

    def get(name: str, **options) -> Printed:
        key = (str(project.root), name, tuple(sorted(options.items())))
        if key not in _PRINTED:
            _PRINTED[key] = print_handout(project, name, **options)
        return _PRINTED[key]

    return get


# --- output of a module's shared run ---------------------------------------------


@contextlib.contextmanager
def output_of_every_process(path: Path):
    """Everything written to the standard output and error (the forked workers' too), and every log
    record from DEBUG up, into ``path`` while the block runs (capfd and caplog, for a module fixture)."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with path.with_suffix(".fd").open("wb") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        out = io.TextIOWrapper(os.fdopen(os.dup(1), "wb"), encoding="utf-8", write_through=True)
        err = io.TextIOWrapper(os.fdopen(os.dup(2), "wb"), encoding="utf-8", write_through=True)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                yield
        finally:
            out.close()
            err.close()
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            root.removeHandler(handler)
            root.setLevel(level)
            handler.close()


#: The heading each added part prints under (the templates in templates/parts/), in English.
PART_HEADINGS = {
    "key_points": "Key points",
    "terms": "Words to know",
    "before": "Before your visit",
    "day_of": "On the day of your treatment",
    "after": "After your treatment",
    "risks": "Risks and side effects",
    "call_us_if": "Call us if",
    "emergency_if": "Call 911 or go to the emergency room if",
    "worksheet": "How to use this sheet",
}


# --- reading PDFs ------------------------------------------------------------------


def normalise(text: str) -> str:
    """Whitespace folded, hyphenation and typographic quotes evened out, for text comparison."""
    text = text.replace("\u2019", "'").replace("\u00ad", "")
    return re.sub(r"\s+", " ", text).strip()


def produced(data: bytes) -> bytes:
    """Keep a PDF a test produced (held only in memory) for the outside checkers run after the tests."""
    if _CONFIG and outside_checkers(_CONFIG[0]) and data.startswith(b"%PDF-"):
        folder = _CONFIG[0]._tmp_path_factory.getbasetemp() / "produced-pdfs"  # type: ignore[attr-defined]
        folder.mkdir(exist_ok=True)
        path = folder / f"{hashlib.sha256(data).hexdigest()[:32]}.pdf"
        if not path.exists():
            path.write_bytes(data)
    return data


def pdf_text(path_or_bytes) -> list[str]:
    """The normalised text of each page of a PDF, as poppler reads it in the order it is drawn
    (``pdftotext -raw``: a tenth of the time pypdf takes; ``pypdf_text`` is the other reader)."""
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    produced(data)
    return list(_poppler_text(data))


@functools.lru_cache(maxsize=64)
def _poppler_text(data: bytes) -> tuple[str, ...]:
    """Read once per process: tests share renders (``renders.py``), so they often read the same bytes."""
    pages = poppler("pdftotext", data, "-raw", "-enc", "UTF-8").decode("utf-8").split("\f")
    return tuple(normalise(page) for page in pages[:-1])


def pypdf_text(path_or_bytes) -> list[str]:
    """The normalised text of each page as pypdf reads it (a second, independent text reader)."""
    if isinstance(path_or_bytes, bytes):
        produced(path_or_bytes)
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    return [normalise(page.extract_text() or "") for page in PdfReader(source).pages]


def assert_conformant(path_or_bytes) -> None:
    """Every PDF a test produces goes through the full offline check (``generate.py verify``)."""
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    findings = _verify_findings(produced(data))
    assert not findings, "\n".join(findings)


@functools.lru_cache(maxsize=64)
def _verify_findings(data: bytes) -> tuple[str, ...]:
    """``verify``'s findings (none: it passed), once per process for the same bytes."""
    from clinic_handouts.pdf.verify import verify

    report = verify(data)
    return () if report.passed else tuple(str(f) for f in report.findings) or ("failed",)


def seed_sentences(seed: Path = SEED) -> list[str]:
    """Every sentence and bullet of a clinic's web page (default: the shipped Botox page), minus the page residue."""
    lines = [line.strip() for line in seed.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line and line != "texture"]
    sentences: list[str] = []
    for line in lines:
        line = line.lstrip("•").strip()
        if line.endswith(":") and line[:-1] in HEADINGS:
            line = line[:-1]  # the web page puts a colon after each question
        sentences += [s for s in re.split(r"(?<=[.!?])\s+", line) if s]
    return [normalise(s) for s in sentences]


#: the slowest test files (the sum of their tests' times, measured with two workers), started first, longest first,
#: so that the two workers finish together; a file not in the list starts after these, in collection order
SLOW_FIRST = (
    "tests/web/test_station.py",  # 28 s
    "tests/test_shipped_library.py",  # 32 s
    "tests/pdf/test_accessibility.py",  # 11 s
    "tests/test_i18n.py",  # 9 s
    "tests/packaging/test_wheel.py",  # 8 s
    "tests/packets/test_builder.py",  # 7 s
    "tests/cli/test_main.py",  # 7 s
    "tests/batch/test_cache.py",  # 6 s
    "tests/attacks/test_hostile_schedules.py",  # 6 s
    "tests/packets/test_actual_text.py",  # 6 s
    "tests/web/test_units.py",  # 5 s
    "tests/attacks/test_any_handout.py",  # 4 s
    "tests/render/test_guide_parts.py",  # 4 s
    "tests/batch/test_runner.py",  # 3 s
    "tests/render/test_patient_parts.py",  # 3 s
    "tests/render/test_stamp.py",  # 2 s
    "tests/render/test_renderer.py",  # 2 s
    "tests/checks/test_readability.py",  # 2 s
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        return SLOW_FIRST.index(path) if path in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # stable: tests keep their order within a file
