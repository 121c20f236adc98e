"""HTML pages saved from government information-disclosure sites: visible text only."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ..config import Limits
from ..errors import ExtractionError
from ..textcodec import detect_and_decode
from . import Extraction

_SKIP = {
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "iframe",
    "svg",
    "template",
    "form",
    "select",
    "button",
}
_BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "table",
    "ul",
    "ol",
    "pre",
    "blockquote",
    "hr",
    "title",
    "dd",
    "dt",
}
_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "td" or tag == "th":
            self.parts.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def _decode(data: bytes) -> str:
    match = _CHARSET.search(data[:4096])
    if match:
        declared = match.group(1).decode("ascii", "ignore").lower()
        if declared in {"gb2312", "gbk"}:
            declared = "gb18030"
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    decoded = detect_and_decode(data)
    if decoded is None:
        raise ExtractionError("无法识别网页文件的编码，请用浏览器另存为 UTF-8 网页后重试。")
    return decoded[0]


def extract(data: bytes, limits: Limits) -> Extraction:
    parser = _TextParser()
    parser.feed(_decode(data))
    parser.close()
    return Extraction(text="".join(parser.parts), format="html", method="html.parser")
