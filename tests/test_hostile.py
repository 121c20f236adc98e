"""Hostile inputs: each becomes a clean error row, the batch finishes, nothing hangs.

Everything goes through :func:`extract_with_limits` (the worker process with a time limit), as
in a real batch. Files are built small so the whole set runs in a few seconds.
"""

import functools
import io
import zipfile
import zlib
from pathlib import Path

import pytest

from screening.config import Limits
from screening.errors import (
    EmptyDocumentError,
    ExtractionError,
    ExtractionTimeoutError,
    UnsupportedFormatError,
)
from screening.ledger.store import Store
from screening.model.registry import load_model
from screening.pipeline.screen import FAILED, NEEDS_OCR, OK, STATUS_NAMES, screen_paths
from screening.read import extract_with_limits, sources

from .conftest import NORMATIVE_TEXT, docx_bytes, pdf_bytes
from .hostile_corpus import pdf_from_objects

LIMITS = Limits(time_limit_s=10, max_zip_uncompressed=64 << 20)


def page_loop_pdf() -> bytes:
    # The page tree's only kid is the tree itself.
    return pdf_from_objects(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]
    )


def huge_object_pdf() -> bytes:
    # A content stream that inflates to 64 MB of spaces from about 64 KB.
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    stream = b"".join(packer.compress(chunk) for _ in range(64)) + packer.flush()
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
            + stream
            + b"\nendstream",
        ]
    )


def zip_bomb_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        for i in range(4):
            archive.writestr(f"word/media/pad{i}.bin", b"\x00" * (20 << 20))
    return buffer.getvalue()


def xxe_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def billion_laughs_utf16_docx() -> bytes:
    # Encoded in UTF-16 so that a byte search for "<!ENTITY" would not see it.
    xml = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&c;</w:t></w:r></w:p></w:body></w:document>"
    ).encode("utf-16")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def truncated_pdf() -> bytes:
    data = pdf_bytes([["关于进一步加强安全生产工作的通知"]])
    return data[: len(data) // 3]


HOSTILE = {
    "truncated.pdf": (truncated_pdf, ExtractionError, "PDF"),
    "page-loop.pdf": (page_loop_pdf, ExtractionError, "没有可读取的页面"),
    "huge-object.pdf": (huge_object_pdf, EmptyDocumentError, "没有可读取的文字"),
    "zip-bomb.docx": (zip_bomb_docx, ExtractionError, "压缩炸弹"),
    "xxe.docx": (xxe_docx, ExtractionError, "不安全"),
    "billion-laughs-utf16.docx": (billion_laughs_utf16_docx, ExtractionError, "不安全"),
    "random.bin": (lambda: bytes(range(256)) * 64, UnsupportedFormatError, "无法识别"),
    "empty.txt": (lambda: b"", EmptyDocumentError, "为空"),
    "binary-named.txt": (lambda: b"\x00\x01\x02\xff" * 500, UnsupportedFormatError, "无法识别"),
}


@functools.cache
def _built(name: str) -> bytes:
    return HOSTILE[name][0]()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_gives_a_clean_error(name: str) -> None:
    _, error, message = HOSTILE[name]
    data = _built(name)
    with pytest.raises(error, match=message):
        extract_with_limits(data, sources.sniff(data), LIMITS)


def test_time_limit_kills_a_slow_read_and_the_next_file_still_works() -> None:
    slow = pdf_bytes([["关于进一步加强安全生产工作的通知"] * 30] * 40)
    with pytest.raises(ExtractionTimeoutError, match=r"0\.05 秒"):
        extract_with_limits(slow, sources.PDF, Limits(time_limit_s=0.05, pdf_reader="layout"))
    result = extract_with_limits(pdf_bytes([["特此通知。"]]), sources.PDF, LIMITS)
    assert result.text == "特此通知。\n"


def test_hostile_batch_finishes_with_one_error_row_each(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    for name in HOSTILE:
        (batch / name).write_bytes(_built(name))
    (batch / "good.docx").write_bytes(docx_bytes(NORMATIVE_TEXT.splitlines()))
    with Store.open(tmp_path / "ledger.db") as store:
        result = screen_paths([batch], store, load_model(), "2026-11-27", limits=LIMITS)
    statuses = {Path(row.path).name: row.status for row in result.rows}
    assert statuses == {**dict.fromkeys(HOSTILE, FAILED), "good.docx": OK}
    assert all(
        row.error and row.error.endswith("。") for row in result.rows if row.status == FAILED
    )


def test_scanned_pdf_without_ocr_is_a_needs_ocr_row_not_an_empty_classification(
    tmp_path: Path,
) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    scan = Path(__file__).parent / "fixtures" / "scan-image-only-page.pdf"
    (batch / "scan.pdf").write_bytes(scan.read_bytes())
    with Store.open(tmp_path / "ledger.db") as store:
        result = screen_paths(
            [batch], store, load_model(), "2026-11-27", limits=Limits(time_limit_s=10, ocr="off")
        )
    (row,) = result.rows
    assert (row.status, STATUS_NAMES[row.status], row.label) == (NEEDS_OCR, "需要OCR", None)
    assert row.error == (
        "PDF 共 1 页，均没有文字层（扫描件），需要文字识别（OCR）后才能审查。"
        "请安装文字识别组件（pip install 'screening[ocr]'）后重新审查。"
    )
    assert result.failed == 1


def test_docx_with_content_controls_nested_60000_deep_is_read_without_recursion() -> None:
    # RecursionError in the DOCX reader's _blocks (found by benchmarks/hostile.py).
    depth = 60_000
    body = (
        "<w:sdt><w:sdtContent>" * depth
        + "<w:p><w:r><w:t>特此通知。</w:t></w:r></w:p>"
        + "</w:sdtContent></w:sdt>" * depth
    )
    xml = (
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", xml)
    assert extract_with_limits(buffer.getvalue(), sources.DOCX, LIMITS).text == "特此通知。\n"


def test_pdf_object_that_refers_to_itself_is_refused_at_once() -> None:
    # pdfminer's resolve1 loops for ever on "1 0 obj 1 0 R endobj": the worker was held until
    # the time limit (60 s by default; found by benchmarks/hostile.py).
    with pytest.raises(ExtractionError, match="PDF 文件已损坏"):
        extract_with_limits(pdf_from_objects([b"1 0 R"]), sources.PDF, Limits(time_limit_s=5))
    with pytest.raises(ExtractionError, match="PDF 文件已损坏"):
        extract_with_limits(
            pdf_from_objects([b"2 0 R", b"1 0 R"]), sources.PDF, Limits(time_limit_s=5)
        )
