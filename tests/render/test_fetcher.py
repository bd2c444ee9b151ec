"""The URL fetcher: project asset files and data: URLs only."""

from __future__ import annotations

import pytest

from clinic_handouts.content.library import Project
from clinic_handouts.errors import HandoutError
from clinic_handouts.render.fetcher import AssetFetcher, RefusedURLError
from clinic_handouts.render.renderer import render_pdf


@pytest.fixture
def fetcher(project: Project) -> AssetFetcher:
    return AssetFetcher(project.asset_dirs)


def test_serves_project_styles_and_data_urls(fetcher: AssetFetcher, project: Project):
    css = fetcher.fetch((project.styles_dir / "handout.css").as_uri())
    assert b"@page" in css.read()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/hostname",
        "http://127.0.0.1/logo.png",
        "https://example.org/style.css",
        "ftp://127.0.0.1/x",
    ],
)
def test_refuses_everything_else(fetcher: AssetFetcher, url: str):
    with pytest.raises(RefusedURLError, match="refused to load"):
        fetcher.fetch(url)


def test_refuses_escaping_the_asset_folders(fetcher: AssetFetcher, project: Project):
    sneaky = (project.styles_dir / ".." / "pyproject.toml").as_uri()
    with pytest.raises(RefusedURLError, match="files may only come from"):
        fetcher.fetch(sneaky)


@pytest.mark.parametrize(
    "tag",
    [
        '<img src="file:///etc/hostname">',
        '<link rel="attachment" href="file:///etc/hostname">',
        '<link rel="stylesheet" href="http://127.0.0.1/x.css">',
    ],
)
def test_rendering_stops_with_a_clear_error(project: Project, tag: str):
    with pytest.raises(HandoutError, match=r"refused to load (file:///etc/hostname|http://127\.0\.0\.1)"):
        render_pdf(f"<html lang=en><title>x</title><body>{tag}<p>text</p></body></html>", project)
