"""PDF: text layer through pypdfium2 (fast path) or pdfplumber (layout-aware), OCR for scans.

The only module that imports pdfplumber and pypdfium2. Both readers produce positioned lines per
page; :mod:`.layout` drops page furniture and joins lines broken by layout, so the two give the
same text. pypdfium2 reads Chinese text 10–30× faster than pdfplumber and is the default;
pdfplumber is used when pypdfium2 cannot open a file or when ``Limits.pdf_reader == "layout"``.
Pages with no text layer are rendered and recognised by :mod:`.ocr` when an engine is installed;
otherwise a PDF with no text at all raises :class:`NoTextLayerError` (status 需要OCR).
"""

from __future__ import annotations

import io
import re
from typing import Any

import pdfplumber
import pypdfium2

from ..config import Limits
from ..errors import EncryptedDocumentError, ExtractionError, NoTextLayerError
from . import Extraction, request_time
from . import ocr as ocr_engines
from .layout import Line, Page, drop_furniture, page_ranges, paragraphs

_ENCRYPTED = "PDF 文件已加密（设有打开密码），无法读取。请取得未加密的文件后重试。"
_DAMAGED = "PDF 文件已损坏或不完整，无法打开。请重新获取原文件。"
#: Render scale for OCR (2 = 144 dpi): measured as accurate as 3 and faster (benchmarks/).
OCR_SCALE = 2.0


def _too_many_pages(count: int, limits: Limits) -> None:
    if count > limits.max_pdf_pages:
        raise ExtractionError(f"PDF 共 {count} 页，超过上限 {limits.max_pdf_pages} 页，已跳过。")


# -- fast path: pypdfium2


def _pdfium_lines(textpage: Any, height: float) -> list[Line]:
    text = textpage.get_text_range()
    if len(text) != textpage.count_chars():
        # -- Index and character no longer line up (rare glyph mappings): keep text, guess geometry.
        return [Line(t, 0.0, 0.0, 0.0, 0.0) for t in text.splitlines()]
    lines: list[Line] = []
    start = 0
    for raw in text.split("\r\n"):
        left, right = len(raw) - len(raw.lstrip()), len(raw.rstrip())
        if right > left:  # -- the box of a line: its first and last visible characters
            first = textpage.get_charbox(start + left)
            last = textpage.get_charbox(start + right - 1)
            top = height - max(first[3], last[3])
            bottom = height - min(first[1], last[1])
            lines.append(Line(raw, first[0], last[2], top, bottom))
        start += len(raw) + 2
    return lines


def _read_pdfium(data: bytes, limits: Limits, opened: list[Any]) -> tuple[list[Page], Any]:
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        if getattr(exc, "err_code", None) == 4:  # -- FPDF_ERR_PASSWORD
            raise EncryptedDocumentError(_ENCRYPTED) from exc
        raise
    opened.append(document)
    _too_many_pages(len(document), limits)
    pages: list[Page] = []
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        pages.append(Page(_pdfium_lines(textpage, page.get_height()), page.get_height()))
        textpage.close()
        page.close()
    return pages, document


# -- layout reader: pdfplumber


def _is_encryption_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        name = type(seen).__name__.lower()
        if "password" in name or "encrypt" in name or "password" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


#: An indirect object whose whole body is a reference to another ("1 0 obj 2 0 R endobj").
_BARE_REFERENCE = re.compile(rb"(\d+)\s+(\d+)\s+obj\s*(\d+)\s+(\d+)\s+R\s*endobj")


def _has_reference_cycle(data: bytes) -> bool:
    """True when bare references lead back to where they started ("1 0 obj 1 0 R endobj").

    pdfminer resolves such a chain for ever (``resolve1`` loops while the value is a reference),
    so such a file must not reach pdfplumber: it would hold the worker until its time limit.
    """
    target = {(m[1], m[2]): (m[3], m[4]) for m in _BARE_REFERENCE.finditer(data)}
    for start in target:
        seen = {start}
        node = target.get(start)
        while node is not None:
            if node in seen:
                return True
            seen.add(node)
            node = target.get(node)
    return False


def _read_pdfplumber(data: bytes, limits: Limits) -> list[Page]:
    if _has_reference_cycle(data):
        raise ExtractionError(_DAMAGED)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # -- pdfminer raises many unrelated types on damaged files
        if _is_encryption_error(exc):
            raise EncryptedDocumentError(_ENCRYPTED) from exc
        raise ExtractionError(_DAMAGED) from exc
    pages: list[Page] = []
    try:
        # -- closing walks the page tree again, so it fails as reading does: inside the try
        with pdf:
            _too_many_pages(len(pdf.pages), limits)
            for page in pdf.pages:
                lines = [
                    Line(d["text"], d["x0"], d["x1"], d["top"], d["bottom"])
                    for d in page.extract_text_lines(strip=True)
                ]
                pages.append(Page(lines, float(page.height)))
                page.close()
    except ExtractionError:
        raise
    except Exception as exc:
        if _is_encryption_error(exc):
            raise EncryptedDocumentError(_ENCRYPTED) from exc
        raise ExtractionError("PDF 文件内容损坏，读取页面时出错。请重新获取原文件。") from exc
    return pages


# -- OCR of pages without a text layer


def _ocr_pages(document: Any, pages: list[Page], empty: list[int], run: Any) -> list[int]:
    """Recognise the pages numbered ``empty``; return those that could not be rendered."""
    damaged = []
    for number in empty:
        try:
            page = document[number - 1]
            bitmap = page.render(scale=OCR_SCALE, grayscale=True)
        except pypdfium2.PdfiumError:
            damaged.append(number)
            continue
        lines = run(bitmap)
        for line in lines:  # -- back to PDF points, the unit of the page height
            line.x0, line.x1 = line.x0 / OCR_SCALE, line.x1 / OCR_SCALE
            line.top, line.bottom = line.top / OCR_SCALE, line.bottom / OCR_SCALE
        pages[number - 1] = Page(lines, page.get_height())
        page.close()
    return damaged


def _with_images(document: Any, numbers: list[int]) -> list[int]:
    """The pages among ``numbers`` that hold an image: scans. The rest are blank pages."""
    if document is None:
        return numbers  # -- cannot look inside: treat every empty page as a possible scan
    scanned = []
    for number in numbers:
        try:
            page = document[number - 1]
        except pypdfium2.PdfiumError:
            continue  # -- a page pdfium cannot load cannot be rendered for OCR either
        if next(page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]), None) is not None:
            scanned.append(number)
        page.close()
    return scanned


def extract(data: bytes, limits: Limits) -> Extraction:
    opened: list[Any] = []
    try:
        return _extract(data, limits, opened)
    finally:
        for document in opened:  # -- also when reading failed half-way
            document.close()


def _extract(data: bytes, limits: Limits, opened: list[Any]) -> Extraction:
    method = "pdfplumber"
    document = None
    if limits.pdf_reader == "layout":
        pages = _read_pdfplumber(data, limits)
    else:
        try:
            pages, document = _read_pdfium(data, limits, opened)
            method = "pypdfium2"
        except pypdfium2.PdfiumError:
            document = None
            pages = _read_pdfplumber(data, limits)  # -- more forgiving on some damaged files
    if not pages:
        raise ExtractionError("PDF 文件中没有可读取的页面（页面结构已损坏），请重新获取原文件。")
    warnings: list[str] = []
    empty = [
        n for n, page in enumerate(pages, start=1) if not any(ln.text.strip() for ln in page.lines)
    ]
    if empty and document is None:
        try:
            document = pypdfium2.PdfDocument(data)
            opened.append(document)
        except pypdfium2.PdfiumError:
            document = None
    if empty:
        empty = _with_images(document, empty)  # -- blank pages need no OCR
    if empty:
        found = ocr_engines.engine(limits.ocr)
        todo = empty[: limits.max_ocr_pages]
        has_text = any(ln.text.strip() for page in pages for ln in page.lines)
        if found is not None and document is None:
            # -- pdfium cannot open the file, so its pages cannot be rendered for OCR
            if not has_text:
                raise ExtractionError(_DAMAGED)
            warnings.append(f"第 {page_ranges(empty)} 页已损坏，无法识别，其内容未读取。")
        elif found is not None:
            name, run = found
            request_time(len(todo) * limits.ocr_time_per_page_s)  # -- before the engine loads
            damaged = _ocr_pages(document, pages, todo, run)
            method += f"+ocr:{name}"
            if damaged:
                warnings.append(f"第 {page_ranges(damaged)} 页已损坏，无法识别，其内容未读取。")
            warnings.append(
                f"第 {page_ranges(todo)} 页没有文字层（扫描页），已用文字识别（OCR）读取，可能有识别错误，请核对原件。"
            )
            if len(todo) < len(empty):
                warnings.append(
                    f"扫描页超过 {limits.max_ocr_pages} 页，第 {page_ranges(empty[len(todo) :])} 页未识别。"
                )
        elif not has_text:
            raise NoTextLayerError(
                f"PDF 共 {len(pages)} 页，均没有文字层（扫描件），需要文字识别（OCR）后才能审查。"
                + ocr_engines.INSTALL_HINT
            )
        else:
            warnings.append(
                f"第 {page_ranges(empty)} 页没有文字层（可能是扫描页），其内容未读取。"
                + ocr_engines.INSTALL_HINT
            )
    drop_furniture(pages)
    return Extraction(
        text=paragraphs(pages), format="pdf", method=method, pages=len(pages), warnings=warnings
    )
