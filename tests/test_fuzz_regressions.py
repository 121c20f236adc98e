"""One test per crash the fuzzers found (benchmarks/fuzz.py, tests/test_fuzz.py), named for it.

The inputs in tests/fixtures/fuzz/ are the fuzzers' own minimised mutations of our example
files, a few KB each. Each test fails on the code before its fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.config import Limits
from screening.errors import EmptyDocumentError, ExtractionError
from screening.read import extract_with_limits, sources

from .fuzz_targets import TARGETS

FUZZ = Path(__file__).parent / "fixtures" / "fuzz"
LIMITS = Limits(time_limit_s=20, ocr="off")


def test_pdf_page_that_pdfium_cannot_load_while_looking_for_scans() -> None:
    # PdfiumError("Failed to load page.") escaped from _with_images: pdfium opened the file,
    # then could not load a page that had no text.
    data = (FUZZ / "pdf-page-fails-to-load.pdf").read_bytes()
    TARGETS["pdf"](data)
    with pytest.raises(EmptyDocumentError, match="没有可读取的文字"):
        extract_with_limits(data, sources.PDF, LIMITS)


def test_pdf_whose_damaged_page_tree_fails_again_when_pdfplumber_closes() -> None:
    # pdfplumber's close() walks the pages again; its PdfminerException ("float() argument
    # must be … not 'PSLiteral'") was raised outside the reader's try.
    data = (FUZZ / "pdf-close-walks-a-damaged-page-tree.pdf").read_bytes()
    TARGETS["pdf"](data)
    with pytest.raises(ExtractionError, match="PDF 文件内容损坏"):
        extract_with_limits(data, sources.PDF, LIMITS)


@pytest.mark.parametrize(
    "line",
    [
        b"null",  # AttributeError: 'NoneType' object has no attribute 'get'
        b"[1, 2]",  # AttributeError on a list
        b'{"uid": ["x"], "sha256": "a", "kind": "decision", "label": "normative",'
        b' "reviewer": "r", "decided_at": "d"}',  # sqlite3.ProgrammingError binding a list
        b'{"uid": "\\ud800", "sha256": "a", "kind": "decision", "label": "normative",'
        b' "reviewer": "r", "decided_at": "d"}',  # UnicodeEncodeError: lone surrogate
        b"[" * 100_000,  # RecursionError from json.loads
    ],
    ids=["null", "list", "list-uid", "lone-surrogate-uid", "nested-100000"],
)
def test_decisions_import_line_that_is_not_a_well_typed_object(line: bytes) -> None:
    TARGETS["decisions"](b'{"uid": "first"}\n' + line + b"\n")


def test_decisions_import_csv_field_past_the_csv_size_limit() -> None:
    # csv.Error: field larger than field limit (131072)
    TARGETS["decisions"](b"uid,sha256\n" + b"a" * 200_000 + b",b\n")


@pytest.mark.parametrize(
    "data", [b"<![DOCTYPE<C<<lass=ai'g", b"<html><p>\xe9\x80\x9a\xe7\x9f\xa5</p><![x]>"]
)
def test_html_marked_section_that_html_parser_asserts_on(data: bytes) -> None:
    # AssertionError: unknown status keyword 'DOCTYPE' in marked section (_markupbase).
    TARGETS["html"](data)
    result = extract_with_limits(data, sources.HTML, LIMITS)
    assert result.method == "html-tags-stripped"
    assert result.warnings == [
        "网页结构异常，已去掉标记按纯文本读取（可能含有导航等页面文字），请核对原件。"
    ]


def test_model_archive_with_a_member_not_in_npy_format() -> None:
    # AttributeError: 'bytes' object has no attribute 'dtype' in _checked_arrays: numpy hands
    # back raw bytes for such a member (found by benchmarks/fuzz.py, model target).
    from screening.errors import ModelLoadError
    from screening.model.classifier import ScreeningModel

    TARGETS["model"]((FUZZ / "model-member-not-in-npy-format.npz").read_bytes())
    with pytest.raises(ModelLoadError, match="文件不完整或已损坏"):
        ScreeningModel.load(FUZZ / "model-member-not-in-npy-format.npz")
