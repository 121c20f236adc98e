"""PDF with a text layer, read with pdfplumber. The only module that imports pdfplumber."""

from __future__ import annotations

import io
import re

import pdfplumber

from ..config import Limits
from ..errors import EncryptedDocumentError, ExtractionError, NoTextLayerError
from . import Extraction

# Page furniture that is not part of the document: "— 3 —", "- 3 -", "第 3 页", "3/12".
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[—\-–－]\s*\d{1,4}\s*[—\-–－]|第\s*\d{1,4}\s*页(?:\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|\d{1,4})\s*$"
)


def _is_encryption_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        name = type(seen).__name__.lower()
        if "password" in name or "encrypt" in name or "password" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _strip_page_furniture(page_text: str) -> str:
    return "\n".join(line for line in page_text.split("\n") if not _PAGE_NUMBER.match(line))


def extract(data: bytes, limits: Limits) -> Extraction:
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many unrelated types on damaged files
        if _is_encryption_error(exc):
            raise EncryptedDocumentError(
                "PDF 文件已加密（设有密码），无法读取。请取得未加密的文件后重试。"
            ) from exc
        raise ExtractionError("PDF 文件已损坏或不完整，无法打开。请重新获取原文件。") from exc
    warnings: list[str] = []
    pages: list[str] = []
    empty_pages: list[int] = []
    with pdf:
        try:
            if len(pdf.pages) > limits.max_pdf_pages:
                raise ExtractionError(
                    f"PDF 共 {len(pdf.pages)} 页，超过上限 {limits.max_pdf_pages} 页，已跳过。"
                )
            for number, page in enumerate(pdf.pages, start=1):
                text = page.extract_text() or ""
                if not text.strip():
                    empty_pages.append(number)
                pages.append(_strip_page_furniture(text))
        except ExtractionError:
            raise
        except Exception as exc:
            if _is_encryption_error(exc):
                raise EncryptedDocumentError(
                    "PDF 文件已加密（设有密码），无法读取。请取得未加密的文件后重试。"
                ) from exc
            raise ExtractionError("PDF 文件内容损坏，读取页面时出错。请重新获取原文件。") from exc
    if not any(p.strip() for p in pages):
        raise NoTextLayerError(
            f"PDF 共 {len(pages)} 页，均没有文字层（可能是扫描件），需要文字识别（OCR）后才能审查。"
        )
    if empty_pages:
        warnings.append(f"第 {_ranges(empty_pages)} 页没有文字层（可能是扫描页），其内容未读取。")
    return Extraction(
        text="\n".join(pages),
        format="pdf",
        method="pdfplumber",
        pages=len(pages),
        warnings=warnings,
    )


def _ranges(numbers: list[int]) -> str:
    spans: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], 0]:
        if n == prev + 1:
            prev = n
            continue
        spans.append(str(start) if start == prev else f"{start}–{prev}")
        start = prev = n
    return "、".join(spans)
