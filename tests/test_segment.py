import re
from pathlib import Path

import pytest

from screening.errors import DictionaryError
from screening.model.segment import BACKENDS, Segmenter, parse_dictionary

REPO = Path(__file__).resolve().parents[1]
SENTENCE = "本办法由区住房保障局负责解释，合法性审查应当在印发前完成。"
DICT = "# 注释\n区住房保障局 100 nt\n合法性审查 2000\n负责解释\n"


@pytest.mark.parametrize("backend", BACKENDS)
def test_user_dictionary_is_honoured(backend: str) -> None:
    words = Segmenter(DICT, backend=backend).cut(SENTENCE)
    assert "区住房保障局" in words
    assert "合法性审查" in words
    assert "负责解释" in words


@pytest.mark.parametrize("backend", BACKENDS)
def test_instances_do_not_share_dictionaries(backend: str) -> None:
    Segmenter(DICT, backend=backend)
    plain = Segmenter("", backend=backend).cut(SENTENCE)
    assert "区住房保障局" not in plain


def test_backends_agree_on_legal_dictionary() -> None:
    """rjieba is used only because it segments as jieba does with our dictionary."""
    dictionary = (REPO / "corpus" / "dict" / "legal.dict").read_text(encoding="utf-8")
    texts = [
        p.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        for p in sorted((REPO / "corpus" / "docs").rglob("*.txt"))[:40]
    ]
    fast, slow = Segmenter(dictionary, backend="rjieba"), Segmenter(dictionary, backend="jieba")
    lines = [line for text in texts for line in text.splitlines() if line.strip()]
    same = sum(fast.cut(line) == slow.cut(line) for line in lines)
    assert same / len(lines) >= 0.99

    # Where they differ it is only how digits and ASCII are grouped (phone numbers, dates), which
    # the features fold away; Chinese words must be cut identically.
    def chinese(words: list[str]) -> list[str]:
        return [w for w in words if re.search(r"[\u4e00-\u9fff]", w)]

    assert all(chinese(fast.cut(line)) == chinese(slow.cut(line)) for line in lines)


@pytest.mark.parametrize(
    ("text", "message"),
    [("合法性审查 多\n", "第 1 行的词频不是整数"), ("好词\n一 二 三 四\n", "第 2 行格式错误")],
)
def test_bad_dictionary_lines_are_named(text: str, message: str) -> None:
    with pytest.raises(DictionaryError, match=message):
        parse_dictionary(text, "legal.dict")


def test_fingerprint_ignores_comments_but_not_entries() -> None:
    a = Segmenter("# x\n词语 10\n").fingerprint()
    b = Segmenter("词语 10\n\n").fingerprint()
    c = Segmenter("词语 11\n").fingerprint()
    assert a == b != c


def test_the_segmenter_that_takes_rjiebas_default_engine_shares_no_words() -> None:
    """The first rjieba segmenter of a process takes the engine rjieba builds when imported; a
    later one, with another dictionary, builds its own: neither sees the other's words, in
    either order. A fresh process, so that the default engine is still free."""
    import subprocess
    import sys

    script = f"""
from screening.model.segment import Segmenter
DICT, SENTENCE = {DICT!r}, {SENTENCE!r}
first_with = Segmenter(DICT, backend="rjieba")
plain = Segmenter("", backend="rjieba")
assert "区住房保障局" in first_with.cut(SENTENCE)
assert "区住房保障局" not in plain.cut(SENTENCE)
second_with = Segmenter(DICT, backend="rjieba")
assert "区住房保障局" in second_with.cut(SENTENCE) and "区住房保障局" not in plain.cut(SENTENCE)
print("ok")
"""
    reverse = script.replace(
        'first_with = Segmenter(DICT, backend="rjieba")\nplain = Segmenter("", backend="rjieba")',
        'plain = Segmenter("", backend="rjieba")\nfirst_with = Segmenter(DICT, backend="rjieba")',
    )
    assert reverse != script
    for code in (script, reverse):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.stdout.strip() == "ok", done.stderr
