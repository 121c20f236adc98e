"""Word .docx: paragraphs and tables in document order, read with the standard library.

A .docx is a zip of XML. We check the archive's member count and uncompressed size before
reading (zip bombs), refuse XML that declares a DTD (entity expansion, external entities) and
walk ``word/document.xml`` body children in order, so tables stay where they were.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

from ..config import Limits
from ..errors import ExtractionError
from . import Extraction

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_zip_member(data: bytes, member: str, limits: Limits, kind: str) -> bytes:
    """Return one member of a zip container after checking the archive against ``limits``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExtractionError(f"{kind} 文件已损坏（不是完整的压缩包），请重新获取原文件。") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_zip_members:
            raise ExtractionError(
                f"{kind} 文件包含 {len(infos)} 个部件，超过上限，疑似恶意文件，已跳过。"
            )
        total = sum(info.file_size for info in infos)
        if total > limits.max_zip_uncompressed:
            raise ExtractionError(
                f"{kind} 文件解压后达 {total // (1024 * 1024)} MB，超过上限，疑似压缩炸弹，已跳过。"
            )
        try:
            return archive.read(member)
        except KeyError as exc:
            raise ExtractionError(f"{kind} 文件缺少正文部件 {member}，请重新获取原文件。") from exc
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise ExtractionError(f"{kind} 文件已损坏，无法解压正文，请重新获取原文件。") from exc


def parse_xml(raw: bytes, kind: str) -> ElementTree.Element:
    """Parse XML that must not declare a DTD (no entities of any kind)."""
    if b"<!DOCTYPE" in raw[:4096].upper() or b"<!ENTITY" in raw.upper():
        raise ExtractionError(f"{kind} 文件含有不安全的 XML 声明（DTD/实体），已拒绝读取。")
    try:
        return ElementTree.fromstring(raw)
    except ElementTree.ParseError as exc:
        raise ExtractionError(f"{kind} 文件的 XML 内容已损坏，请重新获取原文件。") from exc


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    parts: list[str] = []
    for node in paragraph.iter():
        if node.tag == _W + "t" and node.text:
            parts.append(node.text)
        elif node.tag == _W + "tab":
            parts.append("\t")
        elif node.tag in (_W + "br", _W + "cr"):
            parts.append("\n")
    return "".join(parts)


def _table_text(table: ElementTree.Element) -> list[str]:
    rows: list[str] = []
    for row in table.iter(_W + "tr"):
        cells = []
        for cell in row.findall(_W + "tc"):
            cells.append(" ".join(_paragraph_text(p) for p in cell.iter(_W + "p")).strip())
        rows.append("\t".join(cells))
    return rows


def extract(data: bytes, limits: Limits) -> Extraction:
    root = parse_xml(read_zip_member(data, "word/document.xml", limits, "Word"), "Word")
    body = root.find(_W + "body")
    if body is None:
        raise ExtractionError("Word 文件没有正文，请确认文件是否完整。")
    lines: list[str] = []
    for child in body:
        if child.tag == _W + "p":
            lines.append(_paragraph_text(child))
        elif child.tag == _W + "tbl":
            lines.extend(_table_text(child))
    return Extraction(text="\n".join(lines), format="docx", method="docx-xml")
