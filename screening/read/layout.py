"""From positioned lines to paragraphs: the layout logic shared by PDF, OCR and OFD readers.

Readers hand over each page as :class:`Line` objects (text plus box, top-down coordinates in any
unit). This module drops page furniture (page numbers such as "— 3 —", running headers and
footers repeated across pages) and joins lines that the layout broke: a line that reaches the
right margin continues on the next line unless that one is indented or starts a new heading
(第X条, 一、, （一）…), also across a page break. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from statistics import median


@dataclass
class Line:
    """One line of text on a page; ``top`` < ``bottom``, measured from the top of the page."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass
class Page:
    """The lines of one page, in reading order, and the page's height (0 when unknown)."""

    lines: list[Line]
    height: float = 0.0


#: Page numbers wherever they stand: "— 3 —", "- 3 -", "第 3 页", "第3页 共12页".
PAGE_NUMBER = re.compile(
    r"^\s*(?:[—\-–－]+\s*\d{1,4}\s*[—\-–－]+|第\s*\d{1,4}\s*页(?:\s*[,，]?\s*共\s*\d{1,4}\s*页)?)\s*$"
)
#: Page numbers only in the top or bottom band of a page: "3", "3/12", "- 3".
BARE_PAGE_NUMBER = re.compile(r"^\s*[—\-–－]?\s*\d{1,4}\s*(?:/\s*\d{1,4}|[—\-–－])?\s*$")
#: A line that starts a new paragraph even when not indented: articles, numbered headings, items.
_HEADING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇\d]+[章节条款]|[一二三四五六七八九十]+[、.．]"
    r"|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[.．、](?!\d)|附件|附：)"
)
_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
#: Runs of three or more CJK characters each set apart by spaces ("邮 编 ：") are letter-spacing
#: from justified layout; a single space ("第一条 为规范") is the author's and stays.
_SPACED_RUN = re.compile(rf"(?:[{_CJK}][ \u3000]+){{2,}}[{_CJK}]")


def _unspace(text: str) -> str:
    return _SPACED_RUN.sub(lambda m: re.sub(r"[ \u3000]+", "", m.group(0)), text)


_BAND = 0.1  # top/bottom share of a page where running headers and footers live


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _in_band(line: Line, height: float) -> bool:
    return height > 0 and (line.bottom <= height * _BAND or line.top >= height * (1 - _BAND))


def drop_furniture(pages: list[Page]) -> int:
    """Remove page numbers and running headers/footers in place; return how many lines went."""
    repeated: set[str] = set()
    if len(pages) >= 3:
        counts: Counter[str] = Counter()
        for page in pages:
            counts.update(
                {_furniture_key(ln.text) for ln in page.lines if _in_band(ln, page.height)}
            )
        repeated = {key for key, n in counts.items() if n >= max(3, 0.6 * len(pages))}
    dropped = 0
    for page in pages:
        kept = [
            ln
            for ln in page.lines
            if not PAGE_NUMBER.match(ln.text)
            and not (_in_band(ln, page.height) and BARE_PAGE_NUMBER.match(ln.text))
            and not (repeated and _in_band(ln, page.height) and _furniture_key(ln.text) in repeated)
        ]
        dropped += len(page.lines) - len(kept)
        page.lines = kept
    return dropped


@dataclass
class _Geometry:
    left: float
    right: float
    size: float


def _right_margin(lines: list[Line], size: float) -> float | None:
    """The right edge that several lines reach (justified body text), or None.

    A single long line, such as a title, says nothing about the margin: without two lines ending
    together no line is taken as wrapped.
    """
    ends = sorted((ln.x1 for ln in lines), reverse=True)
    for i, end in enumerate(ends[:-1]):
        if end - ends[i + 1] <= size:
            return end
    return None


def _geometry(lines: list[Line], fallback_right: float | None) -> _Geometry:
    size = median(ln.bottom - ln.top for ln in lines) or 1.0
    # The body's margins: most lines start at the left margin and full lines end at the right one.
    lefts = Counter(round(ln.x0 / (size / 2)) for ln in lines)
    left = min(k for k, n in lefts.items() if n >= max(1, lefts.most_common(1)[0][1] // 3))
    right = _right_margin(lines, size) or fallback_right
    return _Geometry(left * size / 2, right if right is not None else float("inf"), size)


def _continues(line: Line, nxt: Line, geo: _Geometry, next_geo: _Geometry) -> bool:
    """True when ``nxt`` continues the paragraph that ``line`` ends."""
    reaches_right = line.x1 >= geo.right - 1.5 * geo.size
    # A line that starts far right of the margin and still reaches it is centred (a title) or
    # set right (a signature), not the wrapped part of a paragraph.
    centred = line.x0 > geo.left + 3.0 * geo.size
    indented = nxt.x0 > next_geo.left + 1.0 * next_geo.size
    return (
        reaches_right
        and not centred
        and not indented
        and not _HEADING.match(nxt.text)
        and not line.text.rstrip().endswith(("。", "：", ":", "！", "？"))
        and len(line.text.strip()) > 1
    )


def _glue(left: str, right: str) -> str:
    left, right = left.rstrip(), right.lstrip()
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii():
        return f"{left} {right}" if right[0].isalpha() and left[-1].isalpha() else left + right
    return left + right


def paragraphs(pages: list[Page]) -> str:
    """Join the lines of ``pages`` into paragraphs, one per output line."""
    out: list[str] = []
    prev: tuple[Line, _Geometry] | None = None
    every = [ln for page in pages for ln in page.lines if ln.text.strip()]
    if not every:
        return ""
    # A page too short to show its own margin (a last page of two lines) uses the document's.
    document_right = _right_margin(every, median(ln.bottom - ln.top for ln in every) or 1.0)
    for page in pages:
        lines = [ln for ln in page.lines if ln.text.strip()]
        if not lines:
            continue
        geo = _geometry(lines, document_right)
        for i, line in enumerate(lines):
            text = _unspace(line.text.strip()).replace("\u00ad", "-")
            if prev is not None and out and _continues(prev[0], line, prev[1], geo):
                # a new page or a new column starts lower than it ends: only join downwards
                same_page = i > 0
                if not same_page or line.top >= prev[0].top:
                    out[-1] = _glue(out[-1], text)
                    prev = (line, geo)
                    continue
            out.append(text)
            prev = (line, geo)
    return "\n".join(out)


def page_ranges(numbers: list[int]) -> str:
    """Page numbers as ranges for a message: [1, 2, 3, 5] → "1–3、5"."""
    spans: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], 0]:
        if n == prev + 1:
            prev = n
            continue
        spans.append(str(start) if start == prev else f"{start}–{prev}")
        start = prev = n
    return "、".join(spans)
