"""Extraction results are cached by sha256: re-screening an unchanged file does not read it."""

from pathlib import Path

import pytest

from screening.ledger.store import Store
from screening.model.registry import load_model
from screening.pipeline import screen

from .conftest import NORMATIVE_TEXT, docx_bytes


def test_rescreening_an_unchanged_file_does_not_extract_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "a.docx").write_bytes(docx_bytes(NORMATIVE_TEXT.splitlines()))
    (batch / "copy-of-a.docx").write_bytes((batch / "a.docx").read_bytes())
    calls: list[str] = []
    real = screen.extract_with_limits

    def counting(data: bytes, fmt: str, limits: object = None) -> object:
        calls.append(fmt)
        return real(data, fmt, limits)  # type: ignore[arg-type]

    monkeypatch.setattr(screen, "extract_with_limits", counting)
    model = load_model()
    with Store.open(tmp_path / "ledger.db") as store:
        first = screen.screen_paths([batch], store, model, "2026-11-27")
        assert calls == ["docx"]  # the copy has the same sha256
        second = screen.screen_paths([batch], store, model, "2026-11-27")
    assert calls == ["docx"]
    assert [r.title for r in second.rows] == [r.title for r in first.rows]
    assert (
        second.rows[0].title
        == "舟山市普陀区人民政府关于印发《普陀区城镇居民临时救助管理办法》的通知"
    )
