"""Plain text and Markdown in any common Chinese encoding."""

from __future__ import annotations

from ..config import Limits
from ..errors import ExtractionError
from . import Extraction
from .textcodec import detect_and_decode


def extract(data: bytes, limits: Limits) -> Extraction:
    decoded = detect_and_decode(data)
    if decoded is None:
        raise ExtractionError(
            "无法识别文本文件的编码（已尝试 UTF-8、UTF-16、GB18030/GBK），请另存为 UTF-8 后重试。"
        )
    text, encoding = decoded
    return Extraction(text=text, format="text", method=f"text:{encoding}")
