"""Chinese numerals and dates written in them (二〇一九年三月十一日, 第二十三条)."""

from __future__ import annotations

import re
from datetime import date

_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "Ｏ": 0,
    "O": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")

CN_DIGIT = "〇○零Ｏ一二两三四五六七八九"
CN_NUMBER = CN_DIGIT + "十百千廿卅"


def to_int(text: str) -> int | None:
    """Parse Arabic, full-width or Chinese numerals (``"二十三"`` → 23, ``"二〇一九"`` → 2019)."""
    text = text.strip().translate(_FULLWIDTH)
    if not text:
        return None
    if text.isdigit():
        return int(text)
    text = text.replace("廿", "二十").replace("卅", "三十")
    if all(ch in _DIGITS for ch in text):  # digit by digit: 二〇一九
        value = 0
        for ch in text:
            value = value * 10 + _DIGITS[ch]
        return value
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            return None
    return total + current


_NUM = rf"[0-9０-９{CN_NUMBER}]"
DATE_PATTERN = re.compile(rf"({_NUM}{{4}})\s*年\s*({_NUM}{{1,3}})\s*月\s*({_NUM}{{1,3}})\s*日")


def parse_date_match(match: re.Match[str]) -> date | None:
    """Turn a :data:`DATE_PATTERN` match into a date, or ``None`` when it is not a real date."""
    year, month, day = (to_int(g) for g in match.groups())
    if year is None or month is None or day is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """All valid dates in ``text`` with their character spans."""
    found = []
    for match in DATE_PATTERN.finditer(text):
        parsed = parse_date_match(match)
        if parsed is not None:
            found.append((parsed, match.start(), match.end()))
    return found
