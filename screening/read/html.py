"""HTML pages saved from government information-disclosure sites: visible text only."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from ..config import Limits
from ..errors import ExtractionError
from . import Extraction
from .textcodec import detect_and_decode

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


#: class/id words of page chrome on government sites: menus, breadcrumbs, share bars, footers.
_CHROME = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumb|crumb|position|share|sidebar|footer|header|"
    r"topbar|toolbar|copyright|bottom|related|print)(?:$|[\s_-])",
    re.IGNORECASE,
)
_VOID = {
    "br",
    "img",
    "meta",
    "link",
    "input",
    "hr",
    "area",
    "base",
    "col",
    "embed",
    "source",
    "wbr",
}


class _TextParser(HTMLParser):
    """Collects visible text; skips scripts, styles and page chrome with everything inside."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_tag: str | None = None
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        marks = " ".join(v or "" for k, v in attrs if k in ("class", "id", "role"))
        if tag in _SKIP or (tag not in _VOID and tag != "body" and _CHROME.search(marks)):
            self.skip_tag, self.skip_depth = tag, 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "td" or tag == "th":
            self.parts.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skip_tag = None
            return
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip_tag is None:
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


_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)


def extract(data: bytes, limits: Limits) -> Extraction:
    text = _decode(data)
    parser = _TextParser()
    try:
        parser.feed(text)
        parser.close()
    except AssertionError:
        # -- html.parser (before Python 3.13) asserts on a marked section it does not know
        # ("<![DOCTYPE", "<![x"): read the page as tags-stripped text instead.
        plain = html.unescape(_TAG.sub("\n", text))
        return Extraction(
            text=plain,
            format="html",
            method="html-tags-stripped",
            warnings=[
                "网页结构异常，已去掉标记按纯文本读取（可能含有导航等页面文字），请核对原件。"
            ],
        )
    return Extraction(text="".join(parser.parts), format="html", method="html.parser")
