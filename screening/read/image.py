"""Image files (PNG, JPEG, TIFF, GIF): a scanned page sent as a picture, read by OCR."""

from __future__ import annotations

from ..config import Limits
from ..errors import NoTextLayerError
from . import Extraction, request_time
from . import ocr as ocr_engines
from .layout import Page, paragraphs


def extract(data: bytes, limits: Limits) -> Extraction:
    found = ocr_engines.engine(limits.ocr)
    if found is None:
        raise NoTextLayerError(
            "这是图片文件（扫描件或照片），需要文字识别（OCR）后才能审查。"
            + ocr_engines.INSTALL_HINT
        )
    name, run = found
    request_time(limits.ocr_time_per_page_s)  # before the engine loads
    text = paragraphs([Page(run(data))])
    return Extraction(
        text=text,
        format="image",
        method=f"ocr:{name}",
        pages=1,
        warnings=["图片文件已用文字识别（OCR）读取，可能有识别错误，请核对原件。"],
    )
