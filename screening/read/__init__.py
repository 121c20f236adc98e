"""Turn a file's bytes into text, one module per format behind a small registry.

Each format module exposes ``extract(data: bytes, limits: Limits) -> Extraction`` and is imported
only when a file of its format appears, so start-up stays fast and a heavy reader (pdfplumber) is
loaded only when needed. Adding a format is adding a module and a line to ``_REGISTRY``.

:func:`extract_bytes` reads in the calling process; :func:`extract_with_limits` (in
:mod:`.worker`, re-exported here) reads in a worker process that is killed when a file exceeds
its time limit, so one malformed file cannot hang or crash a batch. The pipeline calls the latter.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import Limits
from ..errors import EmptyDocumentError, UnsupportedFormatError
from . import sources

#: Bump when any reader's output changes: stored extractions of another version are read again.
EXTRACTOR_VERSION = "3"


@dataclass
class Extraction:
    """The text of one file and how it was obtained."""

    text: str
    format: str
    method: str
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)


_REGISTRY: dict[str, str] = {
    sources.TEXT: "screening.read.text",
    sources.HTML: "screening.read.html",
    sources.PDF: "screening.read.pdf",
    sources.DOCX: "screening.read.docx",
    sources.OLE: "screening.read.doc",
    sources.OFD: "screening.read.ofd",
    sources.RTF: "screening.read.rtf",
    sources.IMAGE: "screening.read.image",
}

_UNSUPPORTED: dict[str, str] = {
    sources.ZIP: "这是压缩包而不是文档，请解压后再审查其中的文件。",
    sources.EMPTY: "文件为空（0 字节或只有空白），请确认文件是否完整。",
    sources.UNKNOWN: "无法识别文件格式（不是 PDF、Word、网页或文本文件），请确认文件未损坏。",
}


#: Set inside the worker process: asks the parent for more time (OCR announces its pages).
_time_hook: Callable[[float], None] | None = None


def request_time(seconds: float) -> None:
    """Ask for ``seconds`` more than the per-file time limit (a no-op outside the worker)."""
    if _time_hook is not None:
        _time_hook(seconds)


def supported_formats() -> list[str]:
    """Format keys that have an extractor."""
    return sorted(_REGISTRY)


def extract_bytes(data: bytes, fmt: str, limits: Limits | None = None) -> Extraction:
    """Extract text from ``data`` already identified as ``fmt`` (see :func:`sources.sniff`).

    Raises an :class:`~screening.errors.ExtractionError` subclass with a Chinese message when the
    file cannot be read or holds no text.
    """
    limits = limits or Limits()
    module_name = _REGISTRY.get(fmt)
    if module_name is None:
        if fmt == sources.EMPTY:
            raise EmptyDocumentError(_UNSUPPORTED[fmt])
        raise UnsupportedFormatError(_UNSUPPORTED.get(fmt, _UNSUPPORTED[sources.UNKNOWN]))
    module = importlib.import_module(module_name)
    result: Extraction = module.extract(data, limits)
    result.text = normalize(result.text)
    if not result.text.strip():
        raise EmptyDocumentError("文件中没有可读取的文字内容，请确认文件是否完整。")
    return result


_BLANKS = re.compile(r"\n{3,}")


def _has_surrogate(text: str) -> bool:
    # -- UTF-8 refuses surrogates and nothing else; encoding runs far faster than a regex scan
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def normalize(text: str) -> str:
    """Normalise line ends and blank space; keep paragraph breaks; leave punctuation alone.

    Surrogate pairs (RTF's ``\\u-10179\\u-8903``, UTF-16 read piecewise) become the character
    they encode; a lone surrogate, which no UTF-8 file, database or terminal accepts, becomes
    U+FFFD; NUL characters are dropped. Every run of spaces, tabs, ideographic and no-break
    spaces becomes one space; each line is stripped; at most one blank line stays.
    """
    if _has_surrogate(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    text = text.replace("\x00", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    # -- str.replace and str.strip run in C; the regexes they replace scanned every character
    text = text.replace("\t", " ").replace("\u3000", " ").replace("\xa0", " ")
    while "  " in text:
        text = text.replace("  ", " ")
    text = "\n".join(map(str.strip, text.split("\n")))
    if "\n\n\n" in text:
        text = _BLANKS.sub("\n\n", text)
    return text.strip() + "\n"


from .worker import extract_with_limits  # noqa: E402  (the worker imports this module's names)

__all__ = ["Extraction", "extract_bytes", "extract_with_limits", "normalize", "supported_formats"]
