"""Patterns scanned only in texts that hold one of their words (screening.law.prefilter): every
match of each must hold one of its words, or a text would lose a match the scan finds."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import screening.law
from screening.law.prefilter import Prefiltered
from screening.model.corpus import load_corpus

REPO = Path(__file__).resolve().parents[1]


def prefiltered_patterns() -> dict[str, Prefiltered]:
    found = {}
    for info in pkgutil.iter_modules(screening.law.__path__, "screening.law."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, Prefiltered):
                found[f"{info.name}.{name}"] = value
    return found


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [doc.text for doc in load_corpus(REPO / "corpus")]


def test_every_match_of_a_prefiltered_pattern_holds_one_of_its_words(texts: list[str]) -> None:
    patterns = prefiltered_patterns()
    assert len(patterns) >= 9
    for name, prefiltered in patterns.items():
        matches = 0
        for text in texts:
            for match in prefiltered.pattern.finditer(text):
                matches += 1
                assert any(word in match.group(0) for word in prefiltered.words), (name, match)
        assert matches > 0, name  # -- each pattern was tried on texts it matches


def test_a_text_without_the_words_is_not_scanned_and_a_text_with_them_is() -> None:
    pattern = Prefiltered(r"由(.{2,8})负责解释", ("解释",))
    assert pattern.search("本办法由市住建局负责解释。").group(1) == "市住建局"  # type: ignore[union-attr]
    assert [m.group(1) for m in pattern.finditer("甲由乙方负责解释，丙由丁方负责解释")] == [
        "乙方",
        "丁方",
    ]
    assert pattern.search("本办法自发布之日起施行。") is None
    assert list(pattern.finditer("本办法自发布之日起施行。")) == []
