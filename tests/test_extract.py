import io
import zipfile
from pathlib import Path

import pytest

from screening.config import Limits
from screening.errors import (
    EmptyDocumentError,
    EncryptedDocumentError,
    ExtractionError,
    NoTextLayerError,
    UnsupportedFormatError,
)
from screening.read import extract_bytes, normalize, sources

from .conftest import docx_bytes, pdf_bytes

GOLDEN = Path(__file__).parent / "golden"


def test_gbk_text() -> None:
    data = "关于做好防汛工作的通知\r\n\r\n各村（社区）：\r\n请做好准备。\r\n".encode("gbk")
    result = extract_bytes(data, sources.TEXT)
    assert result.text == "关于做好防汛工作的通知\n\n各村（社区）：\n请做好准备。\n"
    assert result.method == "text:gb18030"


def test_html_visible_text_only() -> None:
    html = (
        "<html><head><meta charset='gbk'><title>通知</title><style>p{color:red}</style>"
        "<script>var a='不应出现';</script></head><body><nav>首页 | 政务公开</nav>"
        "<div><p>关于做好防汛工作的通知</p><p>各村（社区）：</p>"
        "<table><tr><td>姓名</td><td>电话</td></tr></table></div><footer>版权所有</footer></body></html>"
    ).encode("gbk")
    result = extract_bytes(html, sources.HTML)
    assert result.text == "通知\n\n关于做好防汛工作的通知\n\n各村（社区）：\n\n姓名 电话\n"


def test_docx_paragraphs_and_tables_in_order() -> None:
    data = docx_bytes(
        ["第一段", "第二段", "第三段"], table=[["甲", "乙"], ["丙", "丁"]], table_after=2
    )
    result = extract_bytes(data, sources.DOCX)
    assert result.text == "第一段\n第二段\n甲 乙\n丙 丁\n第三段\n"


def test_pdf_text_layer_matches_golden() -> None:
    data = pdf_bytes(
        [["关于进一步加强安全生产工作的通知", "各街道办事处：", "— 1 —"], ["特此通知。", "2"]]
    )
    result = extract_bytes(data, sources.PDF)
    assert result.pages == 2
    assert result.text == (GOLDEN / "pdf-two-pages.txt").read_text(encoding="utf-8")


def test_pdf_without_text_layer_needs_ocr() -> None:
    scan = (Path(__file__).parent / "fixtures" / "scan-image-only-page.pdf").read_bytes()
    with pytest.raises(NoTextLayerError, match="OCR"):
        extract_bytes(scan, sources.PDF, Limits(ocr="off"))


def test_blank_pdf_is_empty_not_a_scan() -> None:
    # Regression: a PDF of blank pages (no text, no image) was sent to OCR / reported 需要OCR.
    with pytest.raises(EmptyDocumentError, match="没有可读取的文字"):
        extract_bytes(pdf_bytes([[], []]), sources.PDF)


def test_encrypted_pdf() -> None:
    with pytest.raises(EncryptedDocumentError, match="加密"):
        extract_bytes(pdf_bytes([["机密通知"]], encrypt="secret"), sources.PDF)


def test_truncated_pdf() -> None:
    data = pdf_bytes([["关于进一步加强安全生产工作的通知"]])
    with pytest.raises(ExtractionError, match="PDF"):
        extract_bytes(data[: len(data) // 3], sources.PDF)


def test_docx_zip_bomb_is_refused() -> None:
    data = docx_bytes(["正文"])
    with pytest.raises(ExtractionError, match="压缩炸弹"):
        extract_bytes(data, sources.DOCX, Limits(max_zip_uncompressed=100))


def test_docx_with_entity_declaration_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>",
        )
    with pytest.raises(ExtractionError, match="不安全"):
        extract_bytes(buffer.getvalue(), sources.DOCX)


@pytest.mark.parametrize(
    ("fmt", "error"),
    [
        (sources.EMPTY, EmptyDocumentError),
        (sources.UNKNOWN, UnsupportedFormatError),
        (sources.ZIP, UnsupportedFormatError),
    ],
)
def test_unsupported_formats_say_what_to_do(fmt: str, error: type) -> None:
    with pytest.raises(error) as info:
        extract_bytes(b"x", fmt)
    assert "。" in str(info.value)


def test_normalize_keeps_paragraphs_and_punctuation() -> None:
    assert (
        normalize("\ufeff  标题\r\n\r\n\r\n\r\n　　正文，（一）\t内容  \n")
        == "标题\n\n正文，（一） 内容\n"
    )


def test_normalize_matches_the_line_by_line_definition_on_random_blank_space() -> None:
    """normalize works on the whole text with str.replace; it must give what the definition
    gives line by line: every run of blank space one space, each line stripped (str.strip:
    every Unicode space), at most one blank line, surrogate pairs joined, NULs dropped."""
    import random
    import re

    spaces = re.compile(r"[ \t\u3000\xa0]+")

    def by_lines(text: str) -> str:
        if re.search(r"[\ud800-\udfff]", text):
            text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
        lines = [spaces.sub(" ", line).strip() for line in text.replace("\ufeff", "").split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"

    blanks = [chr(c) for c in range(0x3001) if chr(c).isspace()]
    alphabet = [*blanks, "\ufeff", "\x00", "\r\n", "\ud83d", "\ude00", "文", "件", "a", "。"]
    rng = random.Random(7)
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert normalize(text) == by_lines(text), repr(text)
