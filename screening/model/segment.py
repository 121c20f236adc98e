"""Word segmentation with jieba's algorithm and dictionary, through instances we own.

The only module that imports jieba or rjieba. ``rjieba`` (jieba's Rust port, the same dictionary
and algorithm, ~17× faster) is used when installed; the pure-Python ``jieba.Tokenizer`` otherwise.
Neither path touches jieba's module-level global tokenizer, so user dictionaries never leak
between models or tests. The legal user dictionary uses jieba's documented format: one entry per
line, ``词语 [词频] [词性]``, UTF-8; blank lines and lines starting with ``#`` are ignored.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import DictionaryError

BACKENDS = ("rjieba", "jieba")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class DictEntry:
    word: str
    freq: int | None
    tag: str | None


def parse_dictionary(text: str, source: str = "<词典>") -> list[DictEntry]:
    """Parse a user dictionary in jieba's format; errors name the file and line."""
    entries: list[DictEntry] = []
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) > 3:
            raise DictionaryError(
                f"词典 {source} 第 {number} 行格式错误：{line!r}。每行应为“词语 [词频] [词性]”。"
            )
        freq: int | None = None
        tag: str | None = None
        if len(parts) >= 2:
            if not parts[1].isdigit():
                raise DictionaryError(
                    f"词典 {source} 第 {number} 行的词频不是整数：{parts[1]!r}。"
                    "每行应为“词语 [词频] [词性]”。"
                )
            freq = int(parts[1])
        if len(parts) == 3:
            tag = parts[2]
        entries.append(DictEntry(parts[0], freq, tag))
    return entries


def available_backend() -> str:
    """The fastest installed backend."""
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return "jieba"
    return "rjieba"


#: Whether a segmenter of this process has taken rjieba's default engine (a second segmenter,
#: perhaps with another dictionary, builds its own).
_default_engine_taken = False
_default_engine_lock = threading.Lock()


class Segmenter:
    """Cuts Chinese text into words with a legal user dictionary.

    Parameters
    ----------
    dictionary_text:
        The user dictionary (jieba format). Stored in each model so that a model always segments
        the way it was trained.
    backend:
        ``"rjieba"`` or ``"jieba"``; default: the fastest installed.
    cache_dir:
        Where pure-Python jieba may keep its dictionary cache (default: jieba's temp dir).
    """

    def __init__(
        self, dictionary_text: str = "", backend: str | None = None, cache_dir: Path | None = None
    ) -> None:
        self.dictionary_text = dictionary_text
        self.entries = parse_dictionary(dictionary_text)
        self.backend = backend or available_backend()
        if self.backend not in BACKENDS:
            raise DictionaryError(
                f"未知的分词后端：{self.backend}（可选：{', '.join(BACKENDS)}）。"
            )
        self._cache_dir = cache_dir
        self._cut = self._build()

    @classmethod
    def from_file(cls, path: Path, backend: str | None = None) -> Segmenter:
        """Build a segmenter from a dictionary file."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DictionaryError(f"无法读取词典 {path}：{exc}。词典须为 UTF-8 文本。") from exc
        parse_dictionary(text, str(path))  # errors name the file
        return cls(text, backend=backend)

    def _build(self):  # type: ignore[no-untyped-def]
        if self.backend == "rjieba":
            import rjieba

            global _default_engine_taken
            with _default_engine_lock:
                # -- importing rjieba builds its default engine (0.12 s, as long as a second):
                # the first segmenter of a process takes it, through the module's own functions
                take, _default_engine_taken = not _default_engine_taken, True
            engine = rjieba if take else rjieba.Jieba()
            for entry in self.entries:
                engine.add_word(entry.word, entry.freq, entry.tag)
            return engine.cut
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        if self._cache_dir is not None:
            tokenizer.tmp_dir = str(self._cache_dir)
        for entry in self.entries:
            tokenizer.add_word(entry.word, entry.freq, entry.tag)
        return tokenizer.lcut

    def __getstate__(self) -> dict[str, object]:
        # The engine (a Rust object for rjieba) cannot be pickled: a copy sent to a worker
        # process (screen --workers, Dask) builds its own from the dictionary.
        return {k: v for k, v in self.__dict__.items() if k != "_cut"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._cut = self._build()

    def cut(self, text: str) -> list[str]:
        """Words of ``text``, without whitespace tokens."""
        # -- str.strip gives "" (false) for an empty or whitespace-only token, in C
        return list(filter(str.strip, self._cut(text)))

    def head(self, text: str, n: int) -> list[str]:
        """The first ``n`` words of :meth:`cut` (``text``), cutting only as far as they need.

        Both engines cut each run between whitespace on its own, so the words before a line
        break are the same whether the text goes on or not: the text is cut up to a line break
        far enough in to hold ``n`` words, further if it did not.
        """
        reach = 2 * n  # -- characters: Chinese words average under two
        while reach < len(text):
            end = text.find("\n", reach)
            if end < 0:
                break
            words = self.cut(text[: end + 1])
            if len(words) >= n:
                return words[:n]
            reach = 2 * (end + 1)
        return self.cut(text)[:n]

    def fingerprint(self) -> str:
        """sha256 of the dictionary's entries (independent of comments and blank lines)."""
        canon = "\n".join(f"{e.word} {e.freq or ''} {e.tag or ''}".strip() for e in self.entries)
        return hashlib.sha256(canon.encode("utf-8")).hexdigest()
