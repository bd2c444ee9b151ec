"""Reading a treatment page saved from the clinic's web site: the article's own text, without the site around it.

Site builders (WordPress classic and block themes, Squarespace, Wix, Drupal) publish a page inside the
site's chrome: masthead, menus, sidebars ("Recent posts"), a footer with the clinic's address, cookie
banners, scripts. From an element tree (the standard library's ``html.parser``) this module finds:

* the content: ``<main>`` (or ``role="main"``), else an ``<article>``; of several, the one holding the
  clinic's outline headings. Text after it is the site's; text before it counts only for a hero's title.
* the chrome: ``nav``, ``aside``, ``footer``, ``form``, a ``header`` outside ``<article>``/``<main>``
  (one inside is the article's own header), navigation and dialog roles, and elements whose class or id
  words say what builders use them for (``cookie``, ``sidebar``, ``widget``, ``menu``, ``breadcrumb``,
  ``wp-block-latest-posts``, ...). Nothing holding the content or an outline heading counts as chrome.
* the title: an ``<h1>`` in the content, else the last ``<h1>`` before it (a hero block), else
  ``<title>`` (or ``og:title``) less the site's name ("Botox – Riverside Pain & Spine" -> "Botox").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from clinic_handouts.content.models import DEFAULT_HEADINGS
from clinic_handouts.errors import HandoutError, Problem

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def clean(text: str) -> str:
    """Whitespace folded; zero-width characters (Wix's guards, byte-order marks) removed."""
    return " ".join(re.sub("[\u200b\u2060\ufeff]", "", text).split())


def heading_key(heading: str) -> str:
    """A heading folded for comparison: case, apostrophes, punctuation and spaces ignored."""
    text = unicodedata.normalize("NFKC", heading).replace("’", "'").casefold()
    text = re.sub(r"[^\w\s']", " ", text).replace("'", "")
    return " ".join(text.split())


_STANDARD_BY_HEADING = {heading_key(heading): key for key, heading in DEFAULT_HEADINGS.items()}


def standard_key(heading: str) -> str | None:
    """The standard section key a heading names, if any."""
    return _STANDARD_BY_HEADING.get(heading_key(heading))


# --- the element tree --------------------------------------------------------


def _names(text: str) -> frozenset[str]:
    """Names written as one string, to keep the long lists below short."""
    return frozenset(text.split())


_VOID = _names("area base br col embed hr img input link meta source track wbr")
_RAW = {"script", "style", "noscript", "template", "textarea", "title"}
_INLINE = _names(
    "a abbr b bdi bdo br cite code data del dfn em font i img ins kbd label mark nobr q s samp small span strong "
    "sub sup time u var wbr"
)
#: start tags that end an open <p>, as browsers read them
_CLOSES_P = HEADING_TAGS | _names(
    "address article aside blockquote details div dl dd dt fieldset figure figcaption footer form header hr li "
    "main menu nav ol p pre section table ul"
)


@dataclass(eq=False)
class Element:
    """One element of the page: its tag, attributes, parent and children (elements and text)."""

    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.attrs.get(name, "")

    def iter(self) -> Iterator[Element]:
        """This element and all below it, in page order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def text(self) -> str:
        """The text inside, scripts and styles left out."""
        return clean("".join(_pieces(self)))


def _pieces(element: Element) -> Iterator[str]:
    for child in element.children:
        if isinstance(child, str):
            yield child
        elif child.tag == "br":
            yield " "
        elif child.tag not in _RAW:
            yield from _pieces(child)


class _TreeBuilder(HTMLParser):
    """The element tree, with the end tags browsers imply (an open <p> before a <div>, <li> before <li>)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self._open = [self.root]
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CLOSES_P:
            self._close({"p"}, stop={"table", "td", "th", "button", "template"})
        if tag == "li":
            self._close({"li"}, stop=None)
        elif tag in {"dt", "dd"}:
            self._close({"dt", "dd"}, stop=None)
        elif tag in {"td", "th", "tr"}:
            self._close({"td", "th"} | ({"tr"} if tag == "tr" else set()), stop={"table"})
        element = Element(tag, {name: value or "" for name, value in attrs}, self._open[-1])
        self._open[-1].children.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, 0, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        self._open[-1].children.append(data)

    def _close(self, tags: set[str], stop: set[str] | None) -> None:
        """Close the innermost open element among ``tags`` unless a ``stop`` element (None: any block) comes first."""
        for i in range(len(self._open) - 1, 0, -1):
            tag = self._open[i].tag
            if tag in tags:
                del self._open[i:]
                return
            if (tag in stop) if stop is not None else (tag not in _INLINE and tag not in {"div", "p", "address"}):
                return


# --- telling content from the site's chrome ------------------------------------

#: never text of the article, wherever they are
_NOT_TEXT = _RAW | _names("head svg math iframe object canvas select button input video audio")
_CHROME_TAGS = {"nav", "aside", "footer", "menu", "dialog", "form"}
_CHROME_ROLES = _names("navigation contentinfo complementary search dialog alertdialog menu menubar toolbar tablist")
#: parts of class or id words that builders and plugins give chrome ("cmplz-cookiebanner", "widget_recent_entries")
_CHROME_PARTS = _names(
    "cookie consent gdpr sidebar breadcrumb widget newsletter navbar navigation menu comment sharing subscribe "
    "popup modal announcement screen-reader sr-only visually-hidden element-invisible skip-link latest-posts "
    "recent-posts related-posts wp-block-query post-navigation"
)
#: whole class or id words of chrome
_CHROME_WORDS = _names(
    "nav masthead footer colophon ads advert search button btn pagination pager tabs toolbar login cart share "
    "social related recent"
)
#: chrome only outside <article> and <main> (inside, the article's own header)
_OUTER_WORDS = {"header", "banner", "masthead", "branding"}
_SITE_NAME_PARTS = ("site-title", "site-name", "site-branding", "logo")


def _words(element: Element) -> list[str]:
    """The words of the element's class, id and test hooks: "SITE_HEADER wixui-header" -> site, header, wixui, ..."""
    values = " ".join(element.get(name) for name in ("class", "id", "data-testid", "data-hook"))
    return [w for w in re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", values).lower()) if w]


def _is_main(element: Element) -> bool:
    return element.tag == "main" or element.get("role") == "main"


class _Chrome:
    """Decides which elements are the site's rather than the article's."""

    def __init__(self, content: Element, root: Element) -> None:
        self.kept: set[int] = {id(content), *(id(a) for a in content.ancestors())}
        for element in root.iter():
            if element.tag in HEADING_TAGS and standard_key(element.text()):
                self.kept |= {id(element), *(id(a) for a in element.ancestors())}

    def __call__(self, element: Element) -> bool:
        if element.tag in _NOT_TEXT:
            return True
        if id(element) in self.kept:
            return False
        role = element.get("role")
        if element.tag in _CHROME_TAGS or role in _CHROME_ROLES or element.get("aria-modal") == "true":
            return True
        inside = any(a.tag == "article" or _is_main(a) for a in element.ancestors())
        if (element.tag == "header" or role == "banner") and not inside:
            return True
        words = _words(element)
        joined = "-".join(words)
        if any(part in joined for part in _CHROME_PARTS) or not _CHROME_WORDS.isdisjoint(words):
            return True
        return not inside and not _OUTER_WORDS.isdisjoint(words)


def _content(root: Element) -> Element:
    """<main>, else an <article>: of several, the one with the most outline headings, then the most text."""

    def weight(element: Element) -> tuple[int, int]:
        headings = sum(1 for e in element.iter() if e.tag in HEADING_TAGS and standard_key(e.text()))
        return headings, len(element.text())

    for kind in (_is_main, lambda e: e.tag == "article"):
        found = [e for e in root.iter() if kind(e)]
        if found:
            return max(found, key=weight)
    return next((e for e in root.iter() if e.tag == "body"), root)


# --- text blocks -------------------------------------------------------------


@dataclass(frozen=True)
class TextBlock:
    """The text of one block element: a heading, paragraph or bullet (``li``, also for a <p> in an <li>)."""

    tag: str
    text: str
    label: str | None = None  # a bullet's leading "<strong>Label:</strong>"
    classes: str = ""


class _Reader:
    """The page's text blocks in order, each with where it is: before, in or after the content."""

    def __init__(self, root: Element, content: Element, chrome: _Chrome) -> None:
        self.content, self.chrome = content, chrome
        self.blocks: list[tuple[TextBlock, str]] = []
        self.zone = "before"
        self._pieces: list[str] = []
        self._label: str | None = None
        self._owner = ("#document", "")
        self.read(root, "#document")

    def read(self, element: Element, tag: str) -> None:
        """A block element: its own text, its inline elements, then each block inside in turn."""
        saved = self._owner
        self._owner = (tag, element.get("class"))
        if element is self.content:
            self.zone = "content"
        self._children(element)
        self._flush()
        if element is self.content:
            self.zone = "after"
        self._owner = saved

    def _children(self, element: Element) -> None:
        tag = self._owner[0]
        for child in element.children:
            if isinstance(child, str):
                self._pieces.append(child)
            elif child.tag == "br":
                self._pieces.append(" ")
            elif child.tag in _VOID or self.chrome(child):
                continue
            elif child.tag in _INLINE:
                if tag == "li" and child.tag in {"strong", "b"} and self._starts_label(child):
                    continue
                self._children(child)
            else:
                self._flush()
                self.read(child, "li" if tag == "li" and child.tag in {"p", "div"} else child.tag)

    def _starts_label(self, strong: Element) -> bool:
        """A bold "Label:" at the start of a bullet is its label."""
        text = strong.text()
        if self._label is not None or clean("".join(self._pieces)) or not text.endswith(":"):
            return False
        self._label = text[:-1].strip()
        return True

    def _flush(self) -> None:
        text = clean("".join(self._pieces))
        if text or self._label:
            self.blocks.append((TextBlock(self._owner[0], text, self._label, self._owner[1]), self.zone))
        self._pieces.clear()
        self._label = None


# --- the page ----------------------------------------------------------------


@dataclass
class WebPage:
    """A page as read: its title, the blocks after the title, and what the markup says of its category."""

    title: str
    blocks: list[TextBlock]
    residue: list[str]  # content text before the title
    categories: list[str]  # from rel="category" links, <meta property="article:section">, breadcrumbs


def _meta(root: Element, name: str) -> str:
    found = (e.get("content") for e in root.iter() if e.tag == "meta" and name in {e.get("property"), e.get("name")})
    return clean(next(found, ""))


def _site_names(root: Element) -> set[str]:
    """The site's name as the page gives it: og:site_name, application-name, the masthead's home link or logo."""
    names = {_meta(root, "og:site_name"), _meta(root, "application-name")}
    for element in root.iter():
        joined = "-".join(_words(element))
        if "home" in element.get("rel").split() or any(part in joined for part in _SITE_NAME_PARTS):
            names.add(element.text())
    return {heading_key(n) for n in names if n}


def title_without_site(raw: str, site_names: set[str]) -> str | None:
    """A <title> less the site's name: "Botox – Riverside Pain & Spine" -> "Botox"; None if only the name."""
    text = clean(raw)
    for separator in (r"\s*\|\s*", r"\s+[–—]\s+", r"\s+[·•»~]\s+", r"\s+::\s+", r"\s+-\s+"):
        if re.search(separator, text):
            parts = [p for p in re.split(separator, text) if p]
            break
    else:
        parts = [text] if text else []
    kept = [p for p in parts if heading_key(p) not in site_names]
    return kept[0] if kept else None


def _categories(root: Element, content: Element, title: str) -> list[str]:
    """Category names the markup gives: rel="category" links in the content, article:section, the breadcrumbs."""
    found = []
    for element in content.iter():
        in_menu = any(a.tag in {"aside", "nav"} for a in element.ancestors())
        if element.tag == "a" and "category" in element.get("rel").split() and not in_menu:
            found.append(element.text())
    found.append(_meta(root, "article:section"))
    around = {id(a) for a in content.ancestors()}  # not a <body class="has-breadcrumbs">
    crumbs = (e for e in root.iter() if "breadcrumb" in "-".join(_words(e)) + e.get("aria-label").lower())
    trail = next((e for e in crumbs if id(e) not in around), None)
    if trail is not None:
        links = [a.text() for a in trail.iter() if a.tag == "a"]
        found += [t for t in links if heading_key(t) not in {"home", heading_key(title)}][-1:]
    return [c for c in found if c]


def read_web_page(html: str, title: str | None = None) -> WebPage:
    """The page's title and content blocks; ``title`` replaces the page's (and is required when it has none)."""
    root = _TreeBuilder(html).root
    content = _content(root)
    blocks = _Reader(root, content, _Chrome(content, root)).blocks
    inside = [i for i, (b, zone) in enumerate(blocks) if zone == "content"]
    h1s = [i for i, (b, zone) in enumerate(blocks) if b.tag == "h1" and zone != "after"]
    anchor = next((i for i in h1s if blocks[i][1] == "content"), h1s[-1] if h1s else None)  # else a hero's
    found = blocks[anchor][0].text if anchor is not None else None
    head_title = next((e.text() for e in root.iter() if e.tag == "title"), "")
    site_names = _site_names(root)
    if found is None:
        found = title_without_site(head_title, site_names) or title_without_site(_meta(root, "og:title"), site_names)
        if found is not None:  # shown in the content as some other block, before the first heading?
            first = next((i for i in inside if blocks[i][0].tag in HEADING_TAGS), len(blocks))
            same = (i for i in inside if i <= first and heading_key(blocks[i][0].text) == heading_key(found))
            anchor = next(same, None)
    title = clean(title or "") or found
    if title is None:
        raise HandoutError(_no_title(content, head_title))
    start = anchor if anchor is not None else (inside[0] - 1 if inside else len(blocks))
    return WebPage(
        title=title,
        blocks=[b for b, zone in blocks[start + 1 :] if zone != "after"],
        residue=[b.text for i, (b, zone) in enumerate(blocks) if zone == "content" and i < start],
        categories=_categories(root, content, title),
    )


def _no_title(content: Element, head_title: str) -> Problem:
    where = "<main>" if _is_main(content) else "<article>" if content.tag == "article" else "<body>"
    seen = f'only the site\'s name "{clean(head_title)}"' if clean(head_title) else "nothing"
    return Problem(
        f"found no title: looked for an <h1> in the page's content ({where}) and in a hero block before it "
        f"(leaving out the site's header, menus, sidebars and footer), then <title> (which has {seen}) and "
        '<meta property="og:title">; give the title by hand with --title, '
        'e.g. generate.py import PAGE.html --title "Botox"'
    )
