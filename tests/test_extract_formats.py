"""Every format behind the registry, on fixtures built here or kept in tests/fixtures/."""

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from screening.config import Limits
from screening.errors import ExtractionError, NoTextLayerError, UnsupportedFormatError
from screening.read import doc, extract_bytes, ocr, sources
from screening.read.layout import Line, Page, drop_furniture, paragraphs
from screening.read.quality import char_error_rate

from .conftest import pdf_bytes

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_TEXT = (
    "关于加强城镇燃气安全管理的通知\n各街道办事处、区政府各部门：\n"
    "为加强城镇燃气安全管理，现将有关事项通知如下。\n单位 联系电话\n应急办 0580-1234567\n"
    "一、落实企业主体责任。燃气经营企业应当每月开展一次安全检查。\n"
    "二、本通知自2025年3月1日起施行。\n东港街道办事处\n"
)
_OFD_NS = "http://www.ofdspec.org/2016"


def ofd_bytes(pages: list[list[tuple[float, float, str]]], template: str | None = None) -> bytes:
    """A minimal OFD: each page a list of (x, y, text) runs in mm; runs are shuffled in the XML
    (last first) so that reading order must come from positions."""
    buffer = io.BytesIO()
    ns = f'xmlns:ofd="{_OFD_NS}"'
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "OFD.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.0"><ofd:DocBody>'
            "<ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        refs = "".join(
            f'<ofd:Page ID="{i + 10}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
            for i in range(len(pages))
        )
        tpl = '<ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/>' if template else ""
        archive.writestr(
            "Doc_0/Document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}><ofd:CommonData>'
            "<ofd:MaxUnitID>99</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297"
            f"</ofd:PhysicalBox></ofd:PageArea>{tpl}</ofd:CommonData><ofd:Pages>{refs}</ofd:Pages>"
            "</ofd:Document>",
        )

        def content(runs: list[tuple[float, float, str]], use_template: bool) -> str:
            objects = "".join(
                f'<ofd:TextObject ID="{n}" Boundary="{x} {y - 5} 170 7" Font="1" Size="5">'
                f'<ofd:TextCode X="0" Y="5" DeltaX="g {len(t) - 1} 5">{t}</ofd:TextCode>'
                "</ofd:TextObject>"
                for n, (x, y, t) in reversed(list(enumerate(runs, start=20)))
            )
            use = '<ofd:Template TemplateID="2"/>' if use_template else ""
            return (
                f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}>{use}<ofd:Content>'
                f'<ofd:Layer ID="3">{objects}</ofd:Layer></ofd:Content></ofd:Page>'
            )

        for i, runs in enumerate(pages):
            archive.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", content(runs, bool(template)))
        if template:
            archive.writestr("Doc_0/Tpls/Tpl_0/Content.xml", content([(95, 285, template)], False))
    return buffer.getvalue()


def test_ofd_text_in_reading_order_with_lines_joined() -> None:
    body = "为加强城镇燃气安全管理，现将有关事项通知如下，燃气经营企业单位"  # 31 chars: 30–185 mm
    data = ofd_bytes(
        [
            [(40, 40, "关于加强燃气安全管理的通知"), (20, 60, "各街道办事处："), (30, 70, body)],
            [(20, 40, "应当每月开展一次安全检查。"), (150, 60, "东港街道办事处")],
        ],
        template="- 1 -",
    )
    assert sources.sniff(data) == sources.OFD
    result = extract_bytes(data, sources.OFD)
    assert (result.format, result.method, result.pages) == ("ofd", "ofd-xml", 2)
    assert result.text == (
        "关于加强燃气安全管理的通知\n各街道办事处：\n"
        + body
        + "应当每月开展一次安全检查。\n东港街道办事处\n"
    )


def test_ofd_with_entity_declaration_is_refused() -> None:
    data = ofd_bytes([[(20, 40, "通知")]])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buffer, "w") as dst:
        for info in src.infolist():
            raw = src.read(info)
            if info.filename == "OFD.xml":
                raw = raw.replace(b"<ofd:OFD", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><ofd:OFD', 1)
            dst.writestr(info, raw)
    with pytest.raises(ExtractionError, match="不安全"):
        extract_bytes(buffer.getvalue(), sources.OFD)


def test_ofd_missing_document_root_says_damaged() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", f'<ofd:OFD xmlns:ofd="{_OFD_NS}"><ofd:DocBody/></ofd:OFD>')
    with pytest.raises(ExtractionError, match="DocRoot"):
        extract_bytes(buffer.getvalue(), sources.OFD)


def test_rtf_made_by_libreoffice() -> None:
    data = (FIXTURES / "doc-word97-chinese-table.rtf").read_bytes()
    assert sources.sniff(data) == sources.RTF
    assert extract_bytes(data, sources.RTF).text == FIXTURE_TEXT


def test_rtf_gbk_bytes_and_skipped_groups() -> None:
    data = (
        b"{\\rtf1\\ansi\\ansicpg936{\\fonttbl{\\f0\\fnil\\fcharset134 \\'cb\\'ce\\'cc\\'e5;}}"
        b"{\\*\\generator x;}{\\header \\'d2\\'b3\\'c3\\'bc\\par}"
        b"\\'cd\\'a8\\'d6\\'aa\\par \\uc1\\u31532?\\u19968?\\u26465? \\'b9\\'e6\\'b6\\'a8\\par}"
    )
    assert extract_bytes(data, sources.RTF).text == "通知\n第一条 规定\n"


@pytest.mark.parametrize("tool", doc.CONVERTERS)
def test_doc_each_converter(tool: str) -> None:
    if not shutil.which(tool):
        pytest.skip(f"{tool} is not installed")
    data = (FIXTURES / "doc-word97-chinese-table.doc").read_bytes()
    assert sources.sniff(data) == sources.OLE
    result = doc.extract(data, Limits(), tools=[tool])
    assert result.method == tool
    expected = FIXTURE_TEXT if tool != "soffice" else FIXTURE_TEXT.replace(" ", "\n")
    from screening.read import normalize

    assert normalize(result.text) == expected


def test_doc_without_converter_says_what_to_install() -> None:
    data = (FIXTURES / "doc-word97-chinese-table.doc").read_bytes()
    with pytest.raises(UnsupportedFormatError, match="catdoc、antiword 或 LibreOffice"):
        doc.extract(data, Limits(), tools=[])


def test_xls_in_ole_container_is_named() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "Workbook".encode("utf-16-le")
    with pytest.raises(UnsupportedFormatError, match="Excel"):
        extract_bytes(data + b"\x00\x00", sources.OLE)


def _line(text: str, x0: float, x1: float, top: float) -> Line:
    return Line(text, x0, x1, top, top + 12)


def test_layout_joins_wrapped_lines_and_keeps_paragraphs() -> None:
    page = Page(
        [
            _line("关于加强管理的通知", 200, 320, 100),
            _line("第一条 为规范临时救助工作，保障困难群众基本", 72, 520, 140),
            _line("生活，制定本办法。", 72, 180, 160),
            _line("第二条 本办法适用于本区户籍居民和持有本区", 72, 520, 180),
            _line("居住证的常住人员。", 72, 180, 200),
            _line("  各街道应当每月开展一次检查并将检查结果报", 96, 520, 220),
        ],
        height=842,
    )
    nxt = Page([_line("送区政府。", 72, 130, 80), _line("— 2 —", 280, 320, 800)], height=842)
    drop_furniture([page, nxt])
    assert paragraphs([page, nxt]) == (
        "关于加强管理的通知\n第一条 为规范临时救助工作，保障困难群众基本生活，制定本办法。\n"
        "第二条 本办法适用于本区户籍居民和持有本区居住证的常住人员。\n"
        "各街道应当每月开展一次检查并将检查结果报送区政府。"
    )


def test_layout_drops_running_headers_and_bare_page_numbers_only_in_margins() -> None:
    pages = [
        Page(
            [
                _line("某某区人民政府公报", 250, 350, 20),
                _line(f"正文第{i}页内容", 72, 200, 300),
                _line("12", 72, 90, 320),
                _line(str(i), 290, 300, 810),
            ],
            height=842,
        )
        for i in range(1, 4)
    ]
    assert drop_furniture(pages) == 6
    assert [ln.text for ln in pages[0].lines] == ["正文第1页内容", "12"]


@pytest.mark.skipif(ocr.engine("auto") is None, reason="no OCR engine installed")
def test_scanned_pdf_is_read_by_ocr() -> None:
    # An image-only page (our own text drawn as a slightly skewed 1-bit scan).
    data = (FIXTURES / "scan-image-only-page.pdf").read_bytes()
    result = extract_bytes(data, sources.PDF)
    assert result.method.startswith("pypdfium2+ocr:")
    assert result.warnings == [
        "第 1 页没有文字层（扫描页），已用文字识别（OCR）读取，可能有识别错误，请核对原件。"
    ]
    expected = (
        "关于进一步加强安全生产工作的通知各街道办事处：为加强安全生产管理，现将有关事项通知如下。"
        "一、各单位应当每月开展一次安全检查。二、本通知自2025年3月1日起施行。东港街道办事处"
    )
    assert char_error_rate(expected, result.text) <= 0.05


def test_scanned_pdf_without_ocr_needs_ocr() -> None:
    with pytest.raises(NoTextLayerError, match="pip install 'screening\\[ocr\\]'"):
        extract_bytes(
            (FIXTURES / "scan-image-only-page.pdf").read_bytes(), sources.PDF, Limits(ocr="off")
        )


def test_image_without_ocr_needs_ocr() -> None:
    with pytest.raises(NoTextLayerError, match="图片文件"):
        extract_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, sources.IMAGE, Limits(ocr="off"))


def test_fast_and_layout_readers_agree() -> None:
    data = pdf_bytes(
        [["关于进一步加强安全生产工作的通知", "各街道办事处：", "— 1 —"], ["特此通知。"]]
    )
    fast = extract_bytes(data, sources.PDF)
    layout = extract_bytes(data, sources.PDF, Limits(pdf_reader="layout"))
    assert (fast.method, layout.method) == ("pypdfium2", "pdfplumber")
    assert (
        fast.text == layout.text == "关于进一步加强安全生产工作的通知\n各街道办事处：\n特此通知。\n"
    )


def test_html_drops_page_chrome_by_class_and_id() -> None:
    html = (
        "<html><body><div class='top-nav'><ul><li>首页</li><li><div>政务公开</div></li></ul></div>"
        "<div id='breadcrumb'>当前位置：首页 &gt; 通知公告</div>"
        "<div class='TRS_Editor'><p>关于做好防汛工作的通知</p><br><p>各村（社区）：</p></div>"
        "<div class='share'>分享到：<script>x()</script></div>"
        "<div class='footer bottom'>主办单位：某某街道办事处</div></body></html>"
    ).encode()
    assert extract_bytes(html, sources.HTML).text == "关于做好防汛工作的通知\n\n各村（社区）：\n"


@pytest.mark.skipif(ocr.engine("auto") is None, reason="no OCR engine installed")
def test_ocr_in_worker_gets_time_per_page_beyond_the_file_limit() -> None:
    from screening.read import extract_with_limits

    # a warm worker with the PDF module loaded
    extract_with_limits(pdf_bytes([["特此通知。"]]), sources.PDF)
    data = (FIXTURES / "scan-image-only-page.pdf").read_bytes()
    # OCR (engine start-up included) takes longer than 0.5 s; it asks for 30 s per page first.
    result = extract_with_limits(data, sources.PDF, Limits(time_limit_s=0.5))
    assert result.method.startswith("pypdfium2+ocr:")
    assert "东港街道办事处" in result.text


def test_centred_title_is_not_joined_to_the_salutation() -> None:
    # Regression: on a short page two lines ending together made the centred title's right end
    # look like the right margin, and the title swallowed the next line.
    page = Page(
        [
            _line("关于进一步加强安全生产工作的通知", 150, 374, 100),
            _line("各街道办事处", 70, 154, 130),
            _line("为加强安全生产管理，现将有关事项通知如下", 98, 378, 160),
        ]
    )
    assert paragraphs([page]) == (
        "关于进一步加强安全生产工作的通知\n各街道办事处\n为加强安全生产管理，现将有关事项通知如下"
    )


def test_tesseract_words_are_joined_without_spaces_between_chinese() -> None:
    """Regression: tesseract's word boxes gave '东港 街道办事处' and '安全 检查 。'."""
    from screening.read.ocr import join_words

    assert join_words(["东港", "街道办事处"]) == "东港街道办事处"
    assert join_words(["安全", "检查", "。"]) == "安全检查。"
    assert join_words(["2025", "年", "3", "月"]) == "2025 年 3 月"
    assert join_words(["GB/T", "9704"]) == "GB/T 9704"
