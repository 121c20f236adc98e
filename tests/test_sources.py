from pathlib import Path

import pytest

from screening.errors import UsageError
from screening.read import sources
from screening.read.sources import identify, iter_paths, sniff

from .conftest import NORMATIVE_TEXT, docx_bytes, pdf_bytes


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"", sources.EMPTY),
        (b"  \n\n ", sources.EMPTY),
        (NORMATIVE_TEXT.encode("gbk"), sources.TEXT),
        ("<!DOCTYPE html><html><body><p>通知</p></body></html>".encode(), sources.HTML),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, sources.OLE),
        (b"{\\rtf1\\ansi hello}", sources.RTF),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, sources.IMAGE),
        (bytes(range(256)) * 8, sources.UNKNOWN),
        (b"PK\x03\x04garbage", sources.UNKNOWN),
    ],
)
def test_sniff_by_content(data: bytes, fmt: str) -> None:
    assert sniff(data) == fmt


def test_sniff_office_and_pdf() -> None:
    assert sniff(pdf_bytes([["通知"]])) == sources.PDF
    assert sniff(docx_bytes(["通知"])) == sources.DOCX


def test_format_ignores_extension(tmp_path: Path) -> None:
    pdf = tmp_path / "really-a-pdf.txt"
    pdf.write_bytes(pdf_bytes([["关于加强管理的通知"]]))
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    assert identify(pdf, pdf.read_bytes()).format == sources.PDF
    assert identify(binary, binary.read_bytes()).format == sources.UNKNOWN


def test_identify_keys_by_sha256(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    source = identify(path, b"abc")
    assert source.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert source.size == 3


def test_iter_paths_recurses_sorted_skips_hidden_and_duplicates(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("x")
    (tmp_path / ".dotfile").write_text("x")
    found = list(iter_paths([tmp_path, tmp_path / "a.txt"]))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.txt", "b/2.txt"]


def test_a_symlink_loop_in_a_folder_is_skipped(tmp_path: Path) -> None:
    """Regression: two symbolic links pointing at each other made resolve() raise, and the
    whole batch failed with an internal error."""
    (tmp_path / "a.txt").write_text("正文", encoding="utf-8")
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    assert [p.name for p in iter_paths([tmp_path])] == ["a.txt"]


def test_iter_paths_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="找不到路径"):
        list(iter_paths([tmp_path / "nope"]))


def test_zip_with_a_huge_central_directory_is_not_listed() -> None:
    # Hostile input: sniffing lists a zip's members; an end record declaring 60,000 entries is
    # called a plain zip without the directory being read.
    end_record = b"PK\x05\x06" + b"\x00" * 6 + (60_000).to_bytes(2, "little") + b"\x00" * 10
    assert sniff(b"PK\x03\x04" + b"\x00" * 100 + end_record) == sources.ZIP
