"""The only way WeasyPrint may read anything: project asset files and ``data:`` URLs.

Everything else (other ``file:`` paths, http, https, ftp, ...) is refused with
a fatal error, so a template or a handout can never pull in a file from the
machine or reach the network. Redirects cannot happen: nothing remote is
ever opened.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse


class RefusedURLError(FatalURLFetchingError):
    """Raised for a URL outside the allowed folders; stops the rendering."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"refused to load {url}: {reason}")
        self.url = url
        self.reason = reason


class AssetFetcher(URLFetcher):
    """Serve files inside ``roots`` and ``data:`` URLs; refuse the rest."""

    def __init__(self, roots: Iterable[Path]) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.roots = tuple(Path(r).resolve() for r in roots)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedURLError(url, "only the project's own files and data: URLs may be used")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            allowed = ", ".join(str(r) for r in self.roots)
            raise RefusedURLError(url, f"files may only come from {allowed}")
        if not path.is_file():
            raise RefusedURLError(url, "no such file")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})
