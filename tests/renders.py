"""Each distinct document laid out and written once per test session, and replayed after that.

Most tests lay out the fixture project's few handouts again and again (the same Botox handout in a
packet, in a batch, through the CLI, under another folder name), and WeasyPrint's layout is most of
the suite's time. ``Renderer.write_pdf`` gives the same bytes for the same inputs (the tests marked
``fresh_renders`` check that, and always render), so the first call with given inputs renders and
later calls with the same inputs get those bytes, and WeasyPrint's warnings logged again.

Each project's stylesheet (``styles/handout.css`` and the fonts it declares) is likewise parsed once per
process, not once per ``Renderer``: tests make about 110 renderers (a ``PacketBuilder`` per packet, one per
``handout`` command run in process), and a new renderer's first document took 0.2 s more than its next
(the parse, and its fonts' caches starting cold). It is parsed again when a file in ``styles/`` changes.
The print station the web tests start lays out everything itself and shares it (``hooks/sitecustomize.py``).

The inputs are everything the layout reads: the HTML (the project's folder name taken out), every
style sheet it links to and the project's ``styles/`` folder, the fonts' settings and
``SOURCE_DATE_EPOCH``. A test that changes any of them renders anew; a render that fails is never kept.
Renders are kept in memory and in a folder of this session's temporary files, which both xdist
workers and the batch workers they fork share (each entry written whole, then renamed into place).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from clinic_handouts.render import renderer as renderer_module

#: file:// addresses in a document (a clinic's style sheet)
FILE_URL = re.compile(r"""file://[^"'\s)]+""")

#: a render: the PDF, its page count, and the warnings WeasyPrint logged
Kept = tuple[bytes, int, tuple[str, ...]]
_KEPT: dict[str, Kept] = {}
_FRESH = [False]
_REAL = renderer_module.Renderer.write_pdf
#: where renders are shared (asked for when first needed: the session's temporary folder comes later)
_FOLDER: list[Callable[[], Path]] = []


def _folder_key(digest: hashlib._Hash, folder: Path, *, times: bool = False) -> None:
    """Each file's name, type (a link is not its target: the fetcher refuses links) and size, with ``times``
    its modification time (a file changed in place keeps its size); style sheets' text too. ``batch.cache``
    hashes folders by content through links, which would miss a file made a link."""
    for path in sorted(folder.rglob("*")):
        stat = path.lstat()
        changed = f":{stat.st_mtime_ns}" if times else ""
        digest.update(f"{path.relative_to(folder)}:{stat.st_mode}:{stat.st_size}{changed}\0".encode())
        if path.suffix == ".css" and path.is_file():
            digest.update(path.read_bytes())


def inputs_key(renderer: renderer_module.Renderer, html: str) -> str:
    """A hash of everything ``write_pdf`` reads for this document."""
    root = str(renderer.project.root)
    digest = hashlib.sha256(html.replace(root, "\0root\0").encode())
    for url in sorted(set(FILE_URL.findall(html))):
        path = Path(unquote(urlsplit(url).path))
        digest.update(url.replace(root, "\0root\0").encode() + (b"\0link\0" if path.is_symlink() else b"\0"))
        digest.update(path.read_bytes() if path.is_file() else b"\0missing\0")
    _folder_key(digest, renderer.project.styles_dir)
    for variable in ("SOURCE_DATE_EPOCH", "FONTCONFIG_FILE", "FONTCONFIG_PATH"):
        digest.update(f"{variable}={os.environ.get(variable, '')}\0".encode())
    return digest.hexdigest()


def _shared(key: str) -> Path | None:
    return _FOLDER[0]() / f"{key}.pickle" if _FOLDER else None


def _recall(key: str) -> Kept | None:
    if key not in _KEPT:
        path = _shared(key)
        if path is None or not path.is_file():
            return None
        _KEPT[key] = pickle.loads(path.read_bytes())
    return _KEPT[key]


def _keep(key: str, kept: Kept) -> None:
    _KEPT[key] = kept
    path = _shared(key)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_bytes(pickle.dumps(kept))
        partial.replace(path)


def write_pdf_once(self: renderer_module.Renderer, html: str) -> tuple[bytes, int]:
    """``Renderer.write_pdf``, rendering each distinct input once per session."""
    if _FRESH[0]:
        return _REAL(self, html)
    key = inputs_key(self, html)
    kept = _recall(key)
    if kept is None:
        return _render_and_keep(self, html, key)
    data, pages, warnings = kept
    for message in warnings:  # as warnings (an error WeasyPrint logged is replayed at warning level)
        renderer_module.WEASYPRINT_LOGGER.warning("%s", message)
    return data, pages


def write_pdf_and_share(self: renderer_module.Renderer, html: str) -> tuple[bytes, int]:
    """``Renderer.write_pdf``, always rendering, and keeping what it made for the test processes.

    For the print station's processes: the station under test lays out every document itself (a fault
    that shows only there, such as a renderer forked from its fork server, must still show), and the
    tests that come later replay what it made."""
    return _render_and_keep(self, html, inputs_key(self, html))


def _render_and_keep(renderer: renderer_module.Renderer, html: str, key: str) -> tuple[bytes, int]:
    with renderer_module.collect_warnings() as warnings:
        data, pages = _REAL(renderer, html)
    _keep(key, (data, pages, tuple(warnings)))
    return data, pages


_REAL_STYLESHEET = renderer_module.Renderer.stylesheet
#: per project folder and state of its styles/: the fonts the stylesheet registered, and the parsed stylesheet
_STYLESHEETS: dict[str, tuple[object, object]] = {}


def stylesheet_once(self: renderer_module.Renderer):
    """``Renderer.stylesheet``, parsed once per process for the same project folder and ``styles/`` files.

    The fonts' configuration goes with it: the stylesheet's ``@font-face`` rules registered its fonts there.
    A batch worker forked from a test process uses the ones it inherited. The product's own workers are
    forked before any fonts are loaded, and load theirs: the tests that run ``generate.py batch`` as a
    process, and the station's renderers, take that path. Sharing across the fork is safe for reading:
    FreeType maps each font file (``mmap``, private), so no file offset is shared, and a test process
    keeps its configurations (and their font files) to its end. Loading them again in every forked
    worker cost about 10 s of the suite's CPU. A renderer made during a ``fresh_renders`` test parses its
    own, as in a separate process."""
    if _FRESH[0]:
        return _REAL_STYLESHEET.func(self)
    digest = hashlib.sha256(f"{self.project.root}\0".encode())
    _folder_key(digest, self.project.styles_dir, times=True)
    for variable in ("FONTCONFIG_FILE", "FONTCONFIG_PATH"):
        digest.update(f"{variable}={os.environ.get(variable, '')}\0".encode())
    key = digest.hexdigest()
    if key not in _STYLESHEETS:
        _STYLESHEETS[key] = (self.font_config, _REAL_STYLESHEET.func(self))
    self.font_config, sheet = _STYLESHEETS[key]  # type: ignore[assignment]
    return sheet


def install(folder: Callable[[], Path], *, replay: bool = True) -> None:
    """Replay renders from here on, sharing them in ``folder()``, and parse each project's stylesheet once
    (called once per test process, by conftest). ``replay=False`` (the print station's processes): render
    everything, and only share it."""
    _FOLDER[:] = [folder]
    if not replay:
        renderer_module.Renderer.write_pdf = write_pdf_and_share  # type: ignore[method-assign]
        return
    renderer_module.Renderer.write_pdf = write_pdf_once  # type: ignore[method-assign]
    shared = functools.cached_property(stylesheet_once)
    shared.__set_name__(renderer_module.Renderer, "stylesheet")
    renderer_module.Renderer.stylesheet = shared  # type: ignore[method-assign,assignment]


@contextlib.contextmanager
def fresh() -> Iterator[None]:
    """Every render in the block really renders (and none is kept)."""
    _FRESH[0] = True
    try:
        yield
    finally:
        _FRESH[0] = False
