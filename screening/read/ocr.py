"""Offline OCR of page images into positioned lines. The only module that imports rapidocr.

Two engines, both offline:

* ``rapidocr`` (``pip install 'screening[ocr]'``: rapidocr-onnxruntime, whose Chinese models ship
  inside the wheel) — the default: about 1–5 % character errors on rendered real pages.
* ``tesseract`` (Debian ``tesseract-ocr`` + ``tesseract-ocr-chi-sim``), run as a subprocess —
  used only when rapidocr is missing; it loses table text and is slower here.

:func:`engine` returns ``None`` when neither is installed; callers then report 需要OCR.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import re
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

from ..errors import ExtractionError
from .layout import Line

#: An OCR engine: an image → lines in pixel coordinates. The image is the bytes of an image file
#: or a rendered page bitmap (pypdfium2's ``PdfBitmap``: ``to_numpy()``, ``to_pil()``).
Engine = Callable[[Any], list[Line]]

INSTALL_HINT = "请安装文字识别组件（pip install 'screening[ocr]'）后重新审查。"


@functools.lru_cache(maxsize=1)
def _rapidocr() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def _rapidocr_available() -> bool:
    # find_spec, not import: importing onnxruntime and OpenCV takes about a second.
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


def _run_rapidocr(image: Any) -> list[Line]:
    try:
        result, _ = _rapidocr()(image if isinstance(image, bytes) else image.to_numpy())
    except (ValueError, TypeError, OSError) as exc:  # an image OpenCV/PIL cannot decode
        raise ExtractionError(
            "图片无法解码（格式不受支持或文件已损坏），请另存为 PNG 或 PDF 后重试。"
        ) from exc
    lines: list[Line] = []
    for box, text, _score in result or []:
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        lines.append(Line(str(text), min(xs), max(xs), min(ys), max(ys)))
    return _reading_order(lines)


def _run_tesseract(image: Any) -> list[Line]:
    if not isinstance(image, bytes):
        buffer = io.BytesIO()
        image.to_pil().save(buffer, format="PNG")
        image = buffer.getvalue()
    try:
        done = subprocess.run(
            ["tesseract", "-", "-", "-l", "chi_sim", "--psm", "6", "tsv"],
            input=image,
            capture_output=True,
            timeout=600,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ExtractionError(f"文字识别（tesseract）运行失败。{INSTALL_HINT}") from exc
    words: dict[tuple[str, ...], list[list[str]]] = {}
    for row in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) == 12 and cols[0] == "5" and cols[11].strip():
            words.setdefault(tuple(cols[1:5]), []).append(cols)
    lines = []
    for group in words.values():
        x0 = min(float(c[6]) for c in group)
        top = min(float(c[7]) for c in group)
        x1 = max(float(c[6]) + float(c[8]) for c in group)
        bottom = max(float(c[7]) + float(c[9]) for c in group)
        lines.append(Line(join_words([c[11] for c in group]), x0, x1, top, bottom))
    return _reading_order(lines)


_WIDE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def join_words(words: list[str]) -> str:
    """Join OCR words: no space between Chinese characters (tesseract splits 东港 街道办事处)."""
    out = ""
    for word in words:
        if out and not (_WIDE.match(out[-1]) and _WIDE.match(word[0])):
            out += " "
        out += word
    return out


def _reading_order(lines: list[Line]) -> list[Line]:
    """Sort boxes top to bottom, then left to right within a visual line (table cells)."""
    lines.sort(key=lambda ln: ln.top)
    rows: list[list[Line]] = []
    for line in lines:
        if rows and line.top < rows[-1][0].top + 0.5 * (rows[-1][0].bottom - rows[-1][0].top):
            rows[-1].append(line)
        else:
            rows.append([line])
    ordered: list[Line] = []
    for row in rows:
        row.sort(key=lambda ln: ln.x0)
        merged = row[0]
        for cell in row[1:]:
            merged = Line(
                merged.text + " " + cell.text,
                merged.x0,
                cell.x1,
                min(merged.top, cell.top),
                max(merged.bottom, cell.bottom),
            )
        ordered.append(merged)
    return ordered


def engine(choice: str) -> tuple[str, Engine] | None:
    """The engine for ``choice`` (``auto``, ``rapidocr``, ``tesseract``, ``off``), if installed."""
    if choice in ("auto", "rapidocr") and _rapidocr_available():
        return "rapidocr", _run_rapidocr
    if choice in ("auto", "tesseract") and shutil.which("tesseract"):
        return "tesseract", _run_tesseract
    return None
