"""Regular expressions behind a substring test.

Python's regex engine tries a pattern at every character of a text; ``str``'s substring search
runs through the same text tens of times faster. A :class:`Prefiltered` pattern is one whose
every match holds one of a few words: a text holding none of them is not scanned at all, and
gives what the scan would have given (no match). ``tests/test_prefilter.py`` holds every
instance to its words on the whole corpus.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator


class Prefiltered:
    """``pattern``, scanned only in texts that hold one of ``words``."""

    __slots__ = ("pattern", "words")

    def __init__(self, pattern: str, words: tuple[str, ...]) -> None:
        self.pattern = re.compile(pattern)
        self.words = words

    def may_match(self, text: str) -> bool:
        return any(word in text for word in self.words)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.pattern.search(text, pos, endpos) if self.may_match(text) else None

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text, pos, endpos) if self.may_match(text) else iter(())
