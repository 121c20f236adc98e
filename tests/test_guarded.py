"""Nothing that reads a file's bytes runs unguarded: a bug on one file is that file's error row.

Every test here reproduces a way one file used to end a whole batch with a traceback.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from screening.cli import cli
from screening.config import Limits
from screening.errorlog import LOG_NAME
from screening.errors import ExtractionError
from screening.ledger.store import Store
from screening.model.registry import load_model
from screening.pipeline.screen import FAILED, OK, screen_paths
from screening.read import extract_with_limits, sources

from .conftest import NORMATIVE_TEXT, docx_bytes, pdf_bytes

LIMITS = Limits(time_limit_s=20)


def unknown_zip_version_docx() -> bytes:
    """A DOCX whose central directory names zip version 18.6 (a damaged header)."""
    data = bytearray(docx_bytes(NORMATIVE_TEXT.splitlines()))
    entry = data.find(b"PK\x01\x02")
    data[entry + 6 : entry + 8] = struct.pack("<H", 186)  # version needed to extract
    return bytes(data)


def test_zip_file_version_18_6_is_sniffed_without_raising() -> None:
    # zipfile raises NotImplementedError("zip file version 18.6") on this directory.
    assert sources.sniff(unknown_zip_version_docx()) == sources.DOCX


def test_zip_file_version_18_6_is_a_failed_row_and_the_batch_goes_on(
    tmp_path: Path, screening_home: Path
) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "a-damaged.docx").write_bytes(unknown_zip_version_docx())
    (batch / "b-good.docx").write_bytes(docx_bytes(NORMATIVE_TEXT.splitlines()))
    result = CliRunner().invoke(cli, ["screen", str(batch), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    with Store.open() as store:
        files = store.batch_files(store.latest_batch_id() or "")
    assert [(Path(f["path"]).name, f["status"], f["error"]) for f in files] == [
        ("a-damaged.docx", FAILED, "Word 文件已损坏（不是完整的压缩包），请重新获取原文件。"),
        ("b-good.docx", OK, None),
    ]


def test_a_sniffing_bug_is_a_failed_row_logged_with_its_traceback(
    tmp_path: Path, screening_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_sniff(data: bytes) -> str:
        if data.startswith(b"BUG"):
            raise struct.error("unpack requires a buffer of 4 bytes")
        return "text"

    monkeypatch.setattr(sources, "sniff", broken_sniff)
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "a.txt").write_bytes(b"BUG")
    (batch / "b.txt").write_text(NORMATIVE_TEXT, encoding="utf-8")
    with Store.open() as store:
        result = screen_paths([batch], store, load_model(), "2026-11-27", limits=LIMITS)
    first, second = result.rows
    log = screening_home / LOG_NAME
    assert (first.status, second.status) == (FAILED, OK)
    assert first.error == (
        "识别文件格式时发生程序内部错误（error），已跳过此文件，其余文件照常审查。"
        f"详细信息已记入日志 {log}；请将此文件和日志发给开发者。"
    )
    text = log.read_text(encoding="utf-8")
    assert f"识别文件格式：{batch / 'a.txt'}" in text
    assert "Traceback" in text and "broken_sniff" in text


def test_a_reader_bug_in_the_worker_is_logged_with_the_workers_traceback(
    tmp_path: Path, screening_home: Path
) -> None:
    # A page limit that is not a number makes the PDF reader fail inside the worker process,
    # as a reader's bug would: the traceback must cross over to the log.
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "a.pdf").write_bytes(pdf_bytes([["关于进一步加强安全生产工作的通知"]]))
    (batch / "b.txt").write_text(NORMATIVE_TEXT, encoding="utf-8")
    limits = Limits(time_limit_s=20, max_pdf_pages=None)  # type: ignore[arg-type]
    with Store.open() as store:
        result = screen_paths([batch], store, load_model(), "2026-11-27", limits=limits)
    log = screening_home / LOG_NAME
    assert [r.status for r in result.rows] == [FAILED, OK]
    assert result.rows[0].error == (
        "读取文件时发生程序内部错误（TypeError），已跳过此文件，其余文件照常审查。"
        f"详细信息已记入日志 {log}；请将此文件和日志发给开发者。"
    )
    text = log.read_text(encoding="utf-8")
    assert f"读取文件：{batch / 'a.pdf'}" in text
    assert "Traceback" in text and "read/pdf.py" in text and "_too_many_pages" in text


def test_a_judging_bug_ends_only_its_file(
    tmp_path: Path, screening_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from screening.pipeline import screen

    real = screen.analyze

    def analyze(document, as_of):  # type: ignore[no-untyped-def]
        if "临时救助" in document.text:
            raise RecursionError("maximum recursion depth exceeded")
        return real(document, as_of)

    monkeypatch.setattr(screen, "analyze", analyze)
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "a.txt").write_text(NORMATIVE_TEXT, encoding="utf-8")
    (batch / "b.txt").write_text("关于召开安全生产工作例会的通知\n请准时参加。\n", encoding="utf-8")
    with Store.open() as store:
        result = screen_paths([batch], store, load_model(), "2026-11-27", limits=LIMITS)
        files = store.batch_files(result.batch_id)
        batch_row = store.batch(result.batch_id)
    assert [r.status for r in result.rows] == [FAILED, OK]
    assert result.rows[0].error is not None
    assert result.rows[0].error.startswith("审查文件时发生程序内部错误（RecursionError）")
    assert [f["status"] for f in files] == [FAILED, OK]
    assert batch_row is not None and batch_row["status"] == "finished"
    assert "RecursionError" in (screening_home / LOG_NAME).read_text(encoding="utf-8")


def test_a_file_name_that_is_not_utf8_is_screened_and_reported(tmp_path: Path) -> None:
    # A zip made on Windows and unpacked on Linux keeps GBK bytes in its names.
    batch = tmp_path / "batch"
    batch.mkdir()
    raw = os.fsencode(batch) + b"/" + "关于通知".encode("gbk") + b".txt"
    with open(raw, "wb") as handle:
        handle.write(NORMATIVE_TEXT.encode("utf-8"))
    (batch / "bad-\udcff.txt").write_bytes(b"")  # not even GB18030: shown with U+FFFD
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["screen", str(batch), "--out", str(out)])
    assert result.exit_code == 3, result.output
    report = (out / "report.csv").read_text(encoding="utf-8-sig")
    assert f"{batch}/关于通知.txt" in report
    assert f"{batch}/bad-\ufffd.txt" in report


def test_an_unexpected_error_in_a_command_is_logged_not_shown(
    screening_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from screening.ledger import decisions as ledger

    def broken(store, file_or_sha):  # type: ignore[no-untyped-def]
        raise KeyError("sha256")

    monkeypatch.setattr(ledger, "resolve_document", broken)
    monkeypatch.setattr(sys, "argv", ["screening", "audit", "history", "x"])
    result = CliRunner().invoke(cli, ["audit", "history", "x"])
    log = screening_home / LOG_NAME
    assert result.exit_code == 1
    assert result.output == (
        "错误：程序内部错误（KeyError），命令未能完成；已保存的审查结果不受影响。"
        f"详细信息已记入日志 {log}，请将该日志发给开发者。\n"
    )
    assert "Traceback" in log.read_text(encoding="utf-8")


def test_an_encrypted_docx_member_is_a_clean_error() -> None:
    data = bytearray(docx_bytes(["特此通知。"]))
    # Set the "encrypted" flag on every local and central header.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            flags = struct.unpack_from("<H", data, start + offset)[0]
            struct.pack_into("<H", data, start + offset, flags | 1)
            start += 4
    with pytest.raises(ExtractionError, match="已加密"):
        extract_with_limits(bytes(data), sources.DOCX, LIMITS)


def test_rtf_unicode_escape_out_of_range_is_skipped_not_a_crash() -> None:
    # \u9999999999 made chr() raise ValueError inside the reader.
    data = rb"{\rtf1\ansi \u9999999999 ?\u20851?\u20110? }"
    assert extract_with_limits(data, sources.RTF, LIMITS).text == "关于\n"


def test_surrogates_and_nuls_in_extracted_text_are_made_storable(tmp_path: Path) -> None:
    # RTF writes a character outside the BMP as a surrogate pair; a lone half, as damage leaves
    # it, made SQLite refuse the text (UnicodeEncodeError) and ended the batch.
    data = rb"{\rtf1\ansi \u-10179?\u-8903?\u-10240?\'00 end}"
    text = extract_with_limits(data, sources.RTF, LIMITS).text
    assert text == "\U0001f539\ufffd end\n"
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "a.rtf").write_bytes(data)
    with Store.open(tmp_path / "ledger.db") as store:
        result = screen_paths([batch], store, load_model(), "2026-11-27", limits=LIMITS)
    assert [r.status for r in result.rows] == [OK]
