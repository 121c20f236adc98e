"""RTF: a small tokenizer that keeps body text and drops control groups.

Chinese RTF carries text as ``\\uN`` escapes (each followed by ``\\ucN`` fallback characters that
we skip) or as ``\\'hh`` bytes in the document's code page (``\\ansicpg936`` = GBK). Font and
colour tables, style sheets, pictures, headers/footers and ``{\\*...}`` destinations are skipped.
"""

from __future__ import annotations

import re

from ..config import Limits
from ..errors import ExtractionError
from . import Extraction

_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|[\r\n]+|([^\\{}\r\n]+)"
)
_SKIP = {
    b"fonttbl",
    b"colortbl",
    b"stylesheet",
    b"info",
    b"pict",
    b"object",
    b"header",
    b"headerl",
    b"headerr",
    b"headerf",
    b"footer",
    b"footerl",
    b"footerr",
    b"footerf",
    b"listtable",
    b"listoverridetable",
    b"revtbl",
    b"rsidtbl",
    b"generator",
    b"xmlnstbl",
    b"themedata",
    b"colorschememapping",
    b"datastore",
    b"latentstyles",
    b"fldinst",
}
_BREAKS = {b"par": "\n", b"line": "\n", b"sect": "\n", b"page": "\n", b"row": "\n"}
_TABS = {b"tab", b"cell"}
_SYMBOLS = {b"emdash": "—", b"endash": "–", b"lquote": "‘", b"rquote": "’", b"ldblquote": "“"}
_SYMBOLS[b"rdblquote"] = "”"


def _codepage(data: bytes) -> str:
    match = re.search(rb"\\ansicpg(\d+)", data[:4096])
    if match:
        return f"cp{int(match.group(1))}"
    return "gb18030" if b"\\fcharset134" in data[:65536] else "cp1252"


def to_text(data: bytes) -> str:
    """The body text of an RTF document."""
    encoding = _codepage(data)
    if encoding == "cp936":
        encoding = "gb18030"
    out: list[str] = []
    pending = bytearray()  # \'hh bytes of one multibyte character come as separate tokens
    stack: list[tuple[bool, int]] = []
    skipping, uc, to_skip = False, 1, 0

    def flush() -> None:
        if pending:
            try:
                out.append(pending.decode(encoding, "replace"))
            except LookupError:
                out.append(pending.decode("gb18030", "replace"))
            pending.clear()

    for match in _TOKEN.finditer(data):
        word, arg, hexbyte, symbol, brace, chars = match.groups()
        if hexbyte is None:
            flush()
        if brace == b"{":
            stack.append((skipping, uc))
            continue
        if brace == b"}":
            skipping, uc = stack.pop() if stack else (False, 1)
            to_skip = 0
            continue
        if word is not None:
            if word in _SKIP:
                skipping = True
            elif skipping:
                pass
            elif word == b"uc" and arg is not None:
                uc = int(arg)
            elif word == b"u" and arg is not None:
                code = int(arg)
                code = code + 65536 if code < 0 else code
                # \uN is a signed 16-bit value; anything outside Unicode is damage: skip it.
                if 0 <= code <= 0x10FFFF:
                    out.append(chr(code))
                to_skip = uc
            elif word in _BREAKS:
                out.append(_BREAKS[word])
            elif word in _TABS:
                out.append("\t")
            elif word in _SYMBOLS:
                out.append(_SYMBOLS[word])
            continue
        if symbol is not None:
            if symbol == b"*":
                skipping = True
            elif not skipping and symbol in (b"\\", b"{", b"}"):
                out.append(symbol.decode())
            elif not skipping and symbol == b"~":
                out.append(" ")
            continue
        if skipping:
            continue
        if hexbyte is not None:
            if to_skip:
                to_skip -= 1
            else:
                pending.append(int(hexbyte, 16))
            continue
        if chars:
            text = chars.decode(encoding, "replace") if not chars.isascii() else chars.decode()
            if to_skip:
                cut = min(to_skip, len(text))
                text, to_skip = text[cut:], to_skip - cut
            out.append(text)
    flush()
    return "".join(out)


def extract(data: bytes, limits: Limits) -> Extraction:
    if not data.lstrip().startswith(b"{\\rtf"):
        raise ExtractionError("RTF 文件头已损坏，无法读取。请用 Word/WPS 另存为 .docx 后重试。")
    return Extraction(text=to_text(data), format="rtf", method="rtf")
