"""Decode bytes of unknown encoding into text: UTF-8 (with or without BOM), UTF-16, GB18030/GBK.

Chinese government text files arrive in all of these. We never assume: a BOM decides; otherwise
NUL-byte patterns reveal UTF-16, strict UTF-8 is tried next, then GB18030 (a superset of GBK and
GB2312), and the result must look like text (few control characters).
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


#: Control characters other than whitespace, and the replacement character: what text is not.
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\ufffd]")


def _looks_like_text(text: str) -> bool:
    if not text:
        return True
    sample = text[:20000]
    bad = len(_NOT_TEXT.findall(sample))
    return bad <= max(2, len(sample) // 200)


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    # UTF-16 text holding any ASCII (digits, newlines) has NUL bytes on one side only: the high
    # byte of each ASCII code unit. Text in single-byte or UTF-8 encodings has no NULs at all.
    if odd_nuls >= 2 and even_nuls <= odd_nuls // 50:
        candidates = ["utf-16-le"]
    elif even_nuls >= 2 and odd_nuls <= even_nuls // 50:
        candidates = ["utf-16-be"]
    else:
        return None
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def detect_and_decode(data: bytes) -> tuple[str, str] | None:
    """Return ``(text, encoding)`` or ``None`` when the bytes are not text in a known encoding."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            return (text, encoding) if _looks_like_text(text) else None
    text16 = _utf16_without_bom(data)
    if text16 is not None and _looks_like_text(text16):
        return text16, "utf-16"
    if b"\x00" in data[:8000]:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text, encoding
    return None
