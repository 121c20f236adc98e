"""Word .docx: paragraphs and tables in document order, read with the standard library.

A .docx is a zip of XML; :mod:`.container` checks the archive (zip bombs) and parses the XML
safely (no DTD, no entities). We walk ``word/document.xml`` body children in order, so tables stay
where they were.
"""

from __future__ import annotations

from xml.etree import ElementTree

from ..config import Limits
from ..errors import ExtractionError
from . import Extraction
from .container import open_zip, parse_xml

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


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


_WRAPPERS = (_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "ins")


def _blocks(parent: ElementTree.Element, lines: list[str]) -> None:
    # A stack rather than recursion: a hostile file can nest wrappers 60,000 deep.
    stack = [iter(parent)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif child.tag == _W + "p":
            lines.append(_paragraph_text(child))
        elif child.tag == _W + "tbl":
            lines.extend(_table_text(child))
        elif child.tag in _WRAPPERS:
            # Content controls and tracked insertions wrap ordinary paragraphs and tables.
            stack.append(iter(child))


def extract(data: bytes, limits: Limits) -> Extraction:
    root = parse_xml(open_zip(data, limits, "Word").read("word/document.xml"), "Word")
    body = root.find(_W + "body")
    if body is None:
        raise ExtractionError("Word 文件没有正文，请确认文件是否完整。")
    lines: list[str] = []
    _blocks(body, lines)
    return Extraction(text="\n".join(lines), format="docx", method="docx-xml")
