"""OFD (GB/T 33190-2016), China's fixed-layout e-document format: a zip of XML.

``OFD.xml`` names the document root (``DocBody/DocRoot``); its ``Document.xml`` lists the pages
(``Pages/Page@BaseLoc``) and page templates. Text lives in ``TextObject`` elements: each has a
``Boundary`` box and ``TextCode`` runs with X/Y offsets (mm, Y is the baseline). We place every
run on its page, group runs sharing a baseline into lines, order lines top to bottom and hand
them to :mod:`.layout`, which joins lines into paragraphs as for PDF. Zip and XML go through
:mod:`.container` (size checks, no DTD/entities).
"""

from __future__ import annotations

import itertools
import posixpath
from xml.etree import ElementTree

from ..config import Limits
from ..errors import ExtractionError
from . import Extraction
from .container import Container, open_zip, parse_xml
from .layout import Line, Page, drop_furniture, paragraphs

_KIND = "OFD"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(node: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in node.iter() if _local(child.tag) == name]


def _first_text(node: ElementTree.Element, name: str) -> str | None:
    for child in node.iter():
        if _local(child.tag) == name and child.text and child.text.strip():
            return child.text.strip()
    return None


def _numbers(value: str | None) -> list[float]:
    try:
        return [float(v) for v in (value or "").split()]
    except ValueError:
        return []


def _advance(delta: str | None, count: int, size: float) -> float:
    """Width of ``count`` glyphs from a DeltaX list ("g N v" repeats v N times)."""
    tokens = (delta or "").split()
    steps: list[float] = []
    i = 0
    try:
        while i < len(tokens):
            if tokens[i] == "g" and i + 2 < len(tokens):
                steps += [float(tokens[i + 2])] * int(tokens[i + 1])
                i += 3
            else:
                steps.append(float(tokens[i]))
                i += 1
    except ValueError:
        steps = []
    steps = steps[: max(0, count - 1)]
    return sum(steps) + size if steps else count * size


def _resolve(base_dir: str, loc: str) -> str:
    loc = loc.strip()
    path = loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc)
    return posixpath.normpath(path)


def _runs(root: ElementTree.Element) -> list[tuple[float, float, float, float, str]]:
    """(baseline y, x0, x1, size, text) of every text run in a page or template."""
    runs = []
    for obj in _children(root, "TextObject"):
        box = _numbers(obj.get("Boundary"))
        if len(box) != 4:
            continue
        size = (_numbers(obj.get("Size")) or [box[3] or 3.5])[0]
        for code in obj:
            if _local(code.tag) != "TextCode" or not code.text:
                continue
            x = box[0] + (_numbers(code.get("X")) or [0.0])[0]
            y = box[1] + (_numbers(code.get("Y")) or [size])[0]
            runs.append(
                (y, x, x + _advance(code.get("DeltaX"), len(code.text), size), size, code.text)
            )
    return runs


def _lines(runs: list[tuple[float, float, float, float, str]]) -> list[Line]:
    runs.sort(key=lambda r: (r[0], r[1]))
    rows: list[list[tuple[float, float, float, float, str]]] = []
    for run in runs:
        if rows and abs(run[0] - rows[-1][0][0]) <= 0.3 * run[3]:
            rows[-1].append(run)
        else:
            rows.append([run])
    lines = []
    for row in rows:
        row.sort(key=lambda r: r[1])
        text = row[0][4]
        for prev, run in itertools.pairwise(row):
            text += (" " if run[1] - prev[2] > prev[3] else "") + run[4]
        size = max(r[3] for r in row)
        baseline = row[0][0]
        lines.append(Line(text, row[0][1], row[-1][2], baseline - size, baseline))
    return lines


def _page_height(node: ElementTree.Element | None) -> float:
    if node is None:
        return 0.0
    box = _numbers(_first_text(node, "PhysicalBox"))
    return box[3] if len(box) == 4 else 0.0


def _document(container: Container) -> tuple[str, ElementTree.Element]:
    root = parse_xml(container.read("OFD.xml"), _KIND)
    doc_root = _first_text(root, "DocRoot")
    if doc_root is None:
        raise ExtractionError("OFD 文件缺少文档入口（DocRoot），可能已损坏。请重新获取原文件。")
    path = _resolve("", doc_root)
    return path, parse_xml(container.read(path), _KIND)


def extract(data: bytes, limits: Limits) -> Extraction:
    container = open_zip(data, limits, _KIND)
    doc_path, document = _document(container)
    base = posixpath.dirname(doc_path)
    default_height = _page_height(document)
    templates = {
        t.get("ID"): _resolve(base, t.get("BaseLoc", ""))
        for t in _children(document, "TemplatePage")
        if t.get("BaseLoc")
    }
    page_refs = [p for p in _children(document, "Page") if p.get("BaseLoc")]
    if not page_refs:
        raise ExtractionError("OFD 文件中没有页面，请确认文件是否完整。")
    if len(page_refs) > limits.max_pdf_pages:
        raise ExtractionError(
            f"OFD 共 {len(page_refs)} 页，超过上限 {limits.max_pdf_pages} 页，已跳过。"
        )
    pages: list[Page] = []
    for ref in page_refs:
        content = parse_xml(container.read(_resolve(base, ref.get("BaseLoc", ""))), _KIND)
        runs = _runs(content)
        for use in _children(content, "Template"):
            loc = templates.get(use.get("TemplateID"))
            if loc and container.find(loc):
                runs += _runs(parse_xml(container.read(loc), _KIND))
        height = _page_height(content) or default_height
        pages.append(Page(_lines(runs), height))
    drop_furniture(pages)
    return Extraction(text=paragraphs(pages), format="ofd", method="ofd-xml", pages=len(pages))
