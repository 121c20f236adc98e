"""OFD text wherever the producer drew it: composite units, templates, annotations, scans.

Every file here is built by the test (no other producer's file is copied into the project);
tests/test_peer_files.py reads real files from other projects when they are present.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from screening.config import Limits
from screening.errors import ExtractionError, NoTextLayerError
from screening.read import extract_bytes, extract_with_limits, sources
from screening.read import ocr as ocr_engines
from screening.read.layout import Line

NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'
LIMITS = Limits(time_limit_s=20, ocr="off")


def text_object(x: float, y: float, text: str, extra: str = "") -> str:
    return (
        f'<ofd:TextObject ID="1" Boundary="{x} {y} 170 6" Size="5" {extra}>'
        f'<ofd:TextCode X="0" Y="5">{text}</ofd:TextCode></ofd:TextObject>'
    )


def build(
    pages: list[str],
    res: str = "",
    templates: dict[str, str] | None = None,
    annotations: dict[int, str] | None = None,
    media: dict[str, bytes] | None = None,
) -> bytes:
    """An OFD file: ``pages`` are the Layer contents; ``res`` goes into DocumentRes.xml (whose
    files live under Doc_0/Res/); ``templates`` maps a template ID to its Layer content and every
    page uses them; ``annotations`` maps a page index to its PageAnnot content."""
    templates = templates or {}
    annotations = annotations or {}
    members: dict[str, bytes | str] = {
        "OFD.xml": f"<ofd:OFD {NS}><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
        "</ofd:DocBody></ofd:OFD>",
        "Doc_0/DocumentRes.xml": f'<ofd:Res {NS} BaseLoc="Res">{res}</ofd:Res>',
    }
    tpl_decl = "".join(
        f'<ofd:TemplatePage ID="{tid}" BaseLoc="Tpls/{tid}.xml"/>' for tid in templates
    )
    annots = "<ofd:Annotations>Annots/Annotations.xml</ofd:Annotations>" if annotations else ""
    members["Doc_0/Document.xml"] = (
        f"<ofd:Document {NS}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297"
        f"</ofd:PhysicalBox></ofd:PageArea><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>"
        f"{tpl_decl}</ofd:CommonData><ofd:Pages>"
        + "".join(
            f'<ofd:Page ID="{i + 10}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
            for i in range(len(pages))
        )
        + f"</ofd:Pages>{annots}</ofd:Document>"
    )
    uses = "".join(f'<ofd:Template TemplateID="{tid}"/>' for tid in templates)
    for i, layer in enumerate(pages):
        members[f"Doc_0/Pages/Page_{i}/Content.xml"] = (
            f'<ofd:Page {NS}>{uses}<ofd:Content><ofd:Layer ID="2">{layer}</ofd:Layer>'
            "</ofd:Content></ofd:Page>"
        )
    for tid, layer in templates.items():
        members[f"Doc_0/Tpls/{tid}.xml"] = (
            f'<ofd:Page {NS}><ofd:Content><ofd:Layer ID="3">{layer}</ofd:Layer></ofd:Content>'
            "</ofd:Page>"
        )
    if annotations:
        members["Doc_0/Annots/Annotations.xml"] = (
            f"<ofd:Annotations {NS}>"
            + "".join(
                f'<ofd:Page PageID="{i + 10}"><ofd:FileLoc>Page_{i}.xml</ofd:FileLoc></ofd:Page>'
                for i in annotations
            )
            + "</ofd:Annotations>"
        )
        for i, content in annotations.items():
            members[f"Doc_0/Annots/Page_{i}.xml"] = f"<ofd:PageAnnot {NS}>{content}</ofd:PageAnnot>"
    for name, body in (media or {}).items():
        members[f"Doc_0/Res/{name}"] = body
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def unit(uid: str, content: str) -> str:
    return (
        f'<ofd:CompositeGraphicUnits><ofd:CompositeGraphicUnit ID="{uid}" Width="170" '
        f'Height="100"><ofd:Content>{content}</ofd:Content></ofd:CompositeGraphicUnit>'
        "</ofd:CompositeGraphicUnits>"
    )


def composite(uid: str, x: float, y: float, ctm: str = "1 0 0 1 0 0") -> str:
    return (
        f'<ofd:CompositeObject ID="9" ResourceID="{uid}" Boundary="{x} {y} 170 100" CTM="{ctm}"/>'
    )


def read(data: bytes) -> str:
    return extract_with_limits(data, sources.OFD, LIMITS).text


def test_ofd_whose_whole_text_is_drawn_through_composite_objects() -> None:
    # The text lives only in CompositeGraphicUnit resources, drawn by CompositeObjects: this
    # gave "文件中没有可读取的文字内容" before.
    res = unit(
        "50", text_object(0, 0, "关于加强安全生产工作的通知。") + text_object(0, 10, "各街道：")
    )
    res += unit("51", text_object(0, 0, "特此通知。"))
    data = build([composite("50", 20, 30) + composite("51", 20, 80)], res=res)
    assert read(data) == "关于加强安全生产工作的通知。\n各街道：\n特此通知。\n"


def test_ofd_composite_objects_are_placed_by_boundary_and_ctm() -> None:
    # The unit drawn lower on the page comes later, whatever the order of the objects; a CTM
    # that scales the unit keeps its lines apart in the right order.
    res = unit("50", text_object(0, 0, "第二段。")) + unit("51", text_object(0, 0, "第一段。"))
    res += unit("52", text_object(0, 0, "第三段上行。") + text_object(0, 40, "第三段下行。"))
    layer = (
        composite("50", 20, 60)
        + composite("51", 20, 30)
        + composite("52", 20, 100, "0.5 0 0 0.5 0 0")
    )
    assert read(build([layer], res=res)) == "第一段。\n第二段。\n第三段上行。\n第三段下行。\n"


def test_ofd_composite_unit_drawing_another_unit_and_itself() -> None:
    inner = unit("60", text_object(0, 0, "内层文字。"))
    outer = unit(
        "61", text_object(0, 0, "外层文字。") + composite("60", 0, 20) + composite("61", 0, 40)
    )
    assert read(build([composite("61", 20, 30)], res=inner + outer)) == "外层文字。\n内层文字。\n"


def test_ofd_composite_units_multiplying_past_the_limit_are_refused() -> None:
    # Each unit draws the next one 30 times: 30^6 text runs if nothing stopped it.
    res = unit("70", text_object(0, 0, "字"))
    for level in range(71, 77):
        res += unit(str(level), "".join(composite(str(level - 1), 0, y) for y in range(30)))
    with pytest.raises(ExtractionError, match="文字数量超过上限"):
        read(build([composite("76", 0, 0)], res=res))


def test_ofd_template_page_content_including_composites_is_read() -> None:
    res = unit("80", text_object(0, 0, "模板中的复合对象文字。"))
    data = build(
        [text_object(20, 60, "正文第一行。")],
        res=res,
        templates={"2": text_object(20, 20, "某某市人民政府文件：") + composite("80", 20, 200)},
    )
    assert read(data) == "某某市人民政府文件：\n正文第一行。\n模板中的复合对象文字。\n"


def test_ofd_text_bearing_annotations_are_read_but_not_watermarks_or_marks() -> None:
    annots = {
        0: '<ofd:Annot Type="Stamp" ID="1"><ofd:Appearance Boundary="20 100 100 20">'
        + text_object(0, 0, "批注：同意印发")
        + "</ofd:Appearance></ofd:Annot>"
        '<ofd:Annot Type="Watermark" ID="2"><ofd:Appearance Boundary="0 0 210 297">'
        + text_object(20, 150, "内部资料")
        + "</ofd:Appearance></ofd:Annot>"
        '<ofd:Annot Type="Stamp" ID="3"><ofd:Appearance Boundary="0 0 210 297">'
        + text_object(20, 160, "保密", 'CTM="0.707 0.707 -0.707 0.707 0 0" Alpha="51"')
        + "</ofd:Appearance></ofd:Annot>"
        '<ofd:Annot Type="Link" ID="4" Visible="false"><ofd:Appearance Boundary="0 0 210 297">'
        + text_object(20, 170, "隐藏")
        + "</ofd:Appearance></ofd:Annot>"
    }
    data = build([text_object(20, 30, "关于同意的批复。")], annotations=annots)
    assert read(data) == "关于同意的批复。\n批注：同意印发\n"


def image_only_ofd() -> bytes:
    image = (
        '<ofd:ImageObject ID="5" ResourceID="90" Boundary="20 20 170 250" CTM="170 0 0 250 0 0"/>'
    )
    res = (
        '<ofd:MultiMedias><ofd:MultiMedia ID="90" Type="Image" Format="PNG">'
        "<ofd:MediaFile>scan.png</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias>"
    )
    return build([image, image], res=res, media={"scan.png": b"\x89PNG\r\n\x1a\nfake"})


def test_image_only_ofd_without_ocr_needs_ocr() -> None:
    with pytest.raises(NoTextLayerError) as caught:
        read(image_only_ofd())
    assert str(caught.value) == (
        "OFD 共 2 页，均没有文字（扫描件），需要文字识别（OCR）后才能审查。"
        "请安装文字识别组件（pip install 'screening[ocr]'）后重新审查。"
    )


def test_image_only_ofd_pages_go_through_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bytes] = []

    def fake_engine(image: bytes) -> list[Line]:
        seen.append(image)
        return [Line("扫描页上的文字。", 10, 300, 10, 40)]

    monkeypatch.setattr(ocr_engines, "engine", lambda choice: ("fake", fake_engine))
    result = extract_bytes(image_only_ofd(), sources.OFD, Limits(time_limit_s=0))
    assert seen == [b"\x89PNG\r\n\x1a\nfake"] * 2
    assert (result.text, result.method, result.warnings) == (
        "扫描页上的文字。\n扫描页上的文字。\n",
        "ofd-xml+ocr:fake",
        ["第 1–2 页只有图片（扫描页），已用文字识别（OCR）读取，可能有识别错误，请核对原件。"],
    )


def test_ofd_with_text_in_private_use_codes_warns() -> None:
    data = build([text_object(20, 30, "\ue11e\ue236\ue28a浏览器")])
    result = extract_with_limits(data, sources.OFD, LIMITS)
    assert result.warnings == [
        "部分文字使用了字体私有编码（内嵌字体自定义的字符），无法还原为正常文字，"
        "读取结果中会出现无法显示的字符，请核对原件。"
    ]


def test_image_only_ofd_page_whose_image_cannot_be_decoded_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def engine(image: bytes) -> list[Line]:
        raise ExtractionError(
            "图片无法解码（格式不受支持或文件已损坏），请另存为 PNG 或 PDF 后重试。"
        )

    monkeypatch.setattr(ocr_engines, "engine", lambda choice: ("fake", engine))
    with pytest.raises(ExtractionError, match="没有可读取的文字内容"):
        extract_bytes(image_only_ofd(), sources.OFD, Limits(time_limit_s=0))
    data = build(
        [
            text_object(20, 30, "第一页有文字。"),
            '<ofd:ImageObject ID="5" ResourceID="90" Boundary="0 0 210 297"/>',
        ],
        res='<ofd:MultiMedias><ofd:MultiMedia ID="90" Type="Image" Format="JB2">'
        "<ofd:MediaFile>scan.jb2</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias>",
        media={"scan.jb2": b"\x97JB2"},
    )
    result = extract_bytes(data, sources.OFD, Limits(time_limit_s=0))
    assert (result.text, result.warnings) == (
        "第一页有文字。\n",
        [
            "第 2 页只有图片（扫描页），已用文字识别（OCR）读取，可能有识别错误，请核对原件。",
            "第 2 页的图片缺失或格式无法识别，其内容未读取，请核对原件。",
        ],
    )
