"""OFD (GB/T 33190-2016), China's fixed-layout e-document format: a zip of XML.

``OFD.xml`` names the document root (``DocBody/DocRoot``); its ``Document.xml`` lists the pages
(``Pages/Page@BaseLoc``), page templates, resource files and annotations. Text lives in
``TextObject`` elements: each has a ``Boundary`` box and ``TextCode`` runs with X/Y offsets (mm,
Y is the baseline). Text is also drawn where the producer put it:

* in a ``CompositeObject`` on the page, which draws a ``CompositeGraphicUnit`` of the resource
  files (``PublicRes``, ``DocumentRes``, ``PageRes``) inside its boundary, transformed by its
  ``CTM``; units may draw other units (cycles and blow-ups are cut off);
* on the template pages a page uses (``Template@TemplateID``);
* in the appearance of annotations (``Annotations`` → per page ``PageAnnot``), except
  watermarks, which are marks on the page and not its text.

We place every run on its page, group runs sharing a baseline into lines, order lines top to
bottom and hand them to :mod:`.layout`, which joins lines into paragraphs as for PDF. A page
that has no text but images (``ImageObject`` → ``MultiMedia``) is a scan: its images go to OCR
as scanned PDF pages do, and without an OCR engine a file with no text at all is a
:class:`NoTextLayerError` (status 需要OCR). Zip and XML go through :mod:`.container` (size
checks, no DTD/entities).
"""

from __future__ import annotations

import itertools
import posixpath
from dataclasses import dataclass, field
from xml.etree import ElementTree

from ..config import Limits
from ..errors import ExtractionError, NoTextLayerError
from . import Extraction, request_time
from . import ocr as ocr_engines
from .container import Container, open_zip, parse_xml
from .layout import Line, Page, drop_furniture, page_ranges, paragraphs

_KIND = "OFD"
#: A run: (baseline y, x0, x1, font size, text), in mm on the page.
Run = tuple[float, float, float, float, str]
#: An affine transform (a, b, c, d, e, f): x' = a·x + c·y + e, y' = b·x + d·y + f.
Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
#: Composite units drawing units: deeper than this is an attack.
_MAX_COMPOSITE_DEPTH = 16
#: Text runs one file may produce (composite units can multiply them).
_MAX_RUNS = 500_000


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
        numbers = [float(v) for v in (value or "").split()]
    except ValueError:
        return []
    # -- nan and inf are damage: a position made of them cannot be placed on a page
    return numbers if all(abs(n) < 1e9 for n in numbers) else []


def _advance(delta: str | None, count: int, size: float) -> float:
    """Width of ``count`` glyphs from a DeltaX list ("g N v" repeats v N times)."""
    tokens = (delta or "").split()
    steps: list[float] = []
    i = 0
    try:
        while i < len(tokens) and len(steps) < count:
            if tokens[i] == "g" and i + 2 < len(tokens):
                # -- a repeat count past the glyphs there are is damage: use only what is needed
                steps += [float(tokens[i + 2])] * min(int(tokens[i + 1]), count)
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


def _matrix(value: str | None) -> Matrix:
    numbers = _numbers(value)
    if len(numbers) != 6:
        return _IDENTITY
    return (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5])


def _then(inner: Matrix, outer: Matrix) -> Matrix:
    """``inner`` applied first, then ``outer``."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)  # fmt: skip


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _moved(run: Run, m: Matrix) -> Run:
    """A run of a composite unit placed by ``m``."""
    y, x0, x1, size, text = run
    px, py = _apply(m, x0, y)
    return (py, px, px + (x1 - x0) * (abs(m[0]) or 1.0), size * (abs(m[3]) or 1.0), text)


def _is_mark(obj: ElementTree.Element) -> bool:
    """Text rotated or mostly transparent: a pattern laid over the page, not its text."""
    m = _matrix(obj.get("CTM"))
    alpha = _numbers(obj.get("Alpha"))
    return abs(m[1]) > 1e-6 or abs(m[2]) > 1e-6 or (bool(alpha) and alpha[0] < 128)


@dataclass
class _Resources:
    """The composite units and the image files of a document (and of one page)."""

    units: dict[str, ElementTree.Element] = field(default_factory=dict)
    media: dict[str, str] = field(default_factory=dict)


@dataclass
class _Image:
    """An image drawn on a page: where, and the zip member holding it."""

    top: float
    left: float
    member: str


class _Reader:
    def __init__(self, container: Container) -> None:
        self.container = container
        self.runs_left = _MAX_RUNS
        self._units: dict[tuple[int, bool], list[Run]] = {}

    def xml(self, path: str) -> ElementTree.Element:
        return parse_xml(self.container.read(path), _KIND)

    def resources(self, owner: ElementTree.Element, owner_dir: str, into: _Resources) -> None:
        """Read the resource files that ``owner`` (a document or a page) names into ``into``."""
        for node in owner.iter():
            if _local(node.tag) not in ("PublicRes", "DocumentRes", "PageRes") or not node.text:
                continue
            path = _resolve(owner_dir, node.text)
            if not self.container.find(path):
                continue
            res = self.xml(path)
            res_dir = _resolve(posixpath.dirname(path), res.get("BaseLoc", ""))
            for unit in _children(res, "CompositeGraphicUnit"):
                if unit.get("ID"):
                    into.units[unit.get("ID", "")] = unit
            for media in _children(res, "MultiMedia"):
                name = _first_text(media, "MediaFile")
                if media.get("ID") and name:
                    into.media[media.get("ID", "")] = _resolve(res_dir, name)

    def runs(
        self,
        root: ElementTree.Element,
        resources: _Resources,
        matrix: Matrix = _IDENTITY,
        images: list[_Image] | None = None,
        active: frozenset[str] = frozenset(),
        marks: bool = True,
    ) -> list[Run]:
        """Every text run drawn by ``root`` (a page, template, unit or annotation appearance),
        in page coordinates; images drawn directly on it are added to ``images``. With
        ``marks=False`` text set askew or see-through (a "保密资料" pattern laid over a page)
        is left out."""
        runs: list[Run] = []
        for node in root.iter():
            name = _local(node.tag)
            if name == "TextObject":
                if marks or not _is_mark(node):
                    runs += self._text_runs(node, matrix)
            elif name == "CompositeObject" and len(active) < _MAX_COMPOSITE_DEPTH:
                unit_id = node.get("ResourceID", "")
                unit = resources.units.get(unit_id)
                box = _numbers(node.get("Boundary"))
                # -- a unit that draws itself, directly or not, is drawn once
                if unit is not None and len(box) == 4 and unit_id not in active:
                    own = self._unit_runs(unit_id, unit, resources, active, marks)
                    self._spend(len(own))
                    # -- the unit's space → the object's box (its CTM) → the page
                    placed = _then(_matrix(node.get("CTM")), (1, 0, 0, 1, box[0], box[1]))
                    runs += [_moved(run, _then(placed, matrix)) for run in own]
            elif name == "ImageObject" and images is not None:
                box = _numbers(node.get("Boundary"))
                member = resources.media.get(node.get("ResourceID", ""))
                if member and len(box) == 4:
                    top, left = _apply(matrix, box[0], box[1])[::-1]
                    images.append(_Image(top, left, member))
        return runs

    def _unit_runs(
        self,
        unit_id: str,
        unit: ElementTree.Element,
        resources: _Resources,
        active: frozenset[str],
        marks: bool,
    ) -> list[Run]:
        """A composite unit's runs in its own space, computed once however often it is drawn."""
        key = (id(unit), marks)
        if key not in self._units:
            self._units[key] = self.runs(
                unit, resources, _IDENTITY, None, active | {unit_id}, marks
            )
        return self._units[key]

    def _spend(self, count: int) -> None:
        self.runs_left -= count
        if self.runs_left < 0:
            raise ExtractionError(
                "OFD 文件的复合对象嵌套或重复异常，文字数量超过上限，疑似恶意文件，已跳过。"
            )

    def _text_runs(self, obj: ElementTree.Element, matrix: Matrix) -> list[Run]:
        box = _numbers(obj.get("Boundary"))
        if len(box) != 4:
            return []
        size = (_numbers(obj.get("Size")) or [box[3] or 3.5])[0]
        scale = abs(matrix[3]) or 1.0
        runs = []
        for code in obj:
            if _local(code.tag) != "TextCode" or not code.text:
                continue
            self._spend(1)
            x = box[0] + (_numbers(code.get("X")) or [0.0])[0]
            y = box[1] + (_numbers(code.get("Y")) or [size])[0]
            px, py = _apply(matrix, x, y)
            width = _advance(code.get("DeltaX"), len(code.text), size) * (abs(matrix[0]) or 1.0)
            runs.append((py, px, px + width, size * scale, code.text))
        return runs


def _lines(runs: list[Run]) -> list[Line]:
    runs.sort(key=lambda r: (r[0], r[1]))
    rows: list[list[Run]] = []
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


def _document(reader: _Reader) -> tuple[str, ElementTree.Element]:
    root = reader.xml("OFD.xml")
    doc_root = _first_text(root, "DocRoot")
    if doc_root is None:
        raise ExtractionError("OFD 文件缺少文档入口（DocRoot），可能已损坏。请重新获取原文件。")
    path = _resolve("", doc_root)
    return path, reader.xml(path)


def _annotations(reader: _Reader, document: ElementTree.Element, base: str) -> dict[str, list[str]]:
    """The annotation files of each page, by page ID."""
    loc = _first_text(document, "Annotations")
    if loc is None:
        return {}
    path = _resolve(base, loc)
    if not reader.container.find(path):
        return {}
    found: dict[str, list[str]] = {}
    here = posixpath.dirname(path)
    for page in _children(reader.xml(path), "Page"):
        for file_loc in _children(page, "FileLoc"):
            if file_loc.text and file_loc.text.strip():
                found.setdefault(page.get("PageID", ""), []).append(_resolve(here, file_loc.text))
    return found


def _annotation_runs(reader: _Reader, path: str, resources: _Resources) -> list[Run]:
    """Text in the appearance of a page's annotations: a note, a form field, a stamp's words.
    Watermarks, hidden annotations and text laid askew over the page are left out."""
    if not reader.container.find(path):
        return []
    runs: list[Run] = []
    for annot in _children(reader.xml(path), "Annot"):
        if annot.get("Type") == "Watermark" or annot.get("Visible") == "false":
            continue
        for appearance in _children(annot, "Appearance"):
            box = _numbers(appearance.get("Boundary")) or [0.0, 0.0, 0.0, 0.0]
            runs += reader.runs(appearance, resources, (1, 0, 0, 1, box[0], box[1]), marks=False)
    return runs


def extract(data: bytes, limits: Limits) -> Extraction:
    reader = _Reader(open_zip(data, limits, _KIND))
    doc_path, document = _document(reader)
    base = posixpath.dirname(doc_path)
    default_height = _page_height(document)
    shared = _Resources()
    reader.resources(document, base, shared)
    templates = {
        t.get("ID"): _resolve(base, t.get("BaseLoc", ""))
        for t in _children(document, "TemplatePage")
        if t.get("BaseLoc")
    }
    annotations = _annotations(reader, document, base)
    page_refs = [p for p in _children(document, "Page") if p.get("BaseLoc")]
    if not page_refs:
        raise ExtractionError("OFD 文件中没有页面，请确认文件是否完整。")
    if len(page_refs) > limits.max_pdf_pages:
        raise ExtractionError(
            f"OFD 共 {len(page_refs)} 页，超过上限 {limits.max_pdf_pages} 页，已跳过。"
        )
    pages: list[Page] = []
    scans: dict[int, list[_Image]] = {}
    for number, ref in enumerate(page_refs, start=1):
        page_path = _resolve(base, ref.get("BaseLoc", ""))
        content = reader.xml(page_path)
        resources = _Resources(dict(shared.units), dict(shared.media))
        reader.resources(content, posixpath.dirname(page_path), resources)
        images: list[_Image] = []
        runs = reader.runs(content, resources, images=images)
        for use in _children(content, "Template"):
            loc = templates.get(use.get("TemplateID"))
            if loc and loc != page_path and reader.container.find(loc):
                runs += reader.runs(reader.xml(loc), resources, images=images)
        for annotation in annotations.get(ref.get("ID", ""), []):
            runs += _annotation_runs(reader, annotation, resources)
        if not runs and images:
            scans[number] = sorted(images, key=lambda image: (image.top, image.left))
        height = _page_height(content) or default_height
        pages.append(Page(_lines(runs), height))
    engine, warnings = _ocr_scans(reader, pages, scans, limits) if scans else (None, [])
    if _private_use_share(pages) > 0.05:
        warnings.append(
            "部分文字使用了字体私有编码（内嵌字体自定义的字符），无法还原为正常文字，"
            "读取结果中会出现无法显示的字符，请核对原件。"
        )
    drop_furniture(pages)
    method = "ofd-xml" + (f"+ocr:{engine}" if engine else "")
    return Extraction(
        text=paragraphs(pages), format="ofd", method=method, pages=len(pages), warnings=warnings
    )


def _private_use_share(pages: list[Page]) -> float:
    """Share of characters in Unicode's private use area: glyph codes only the embedded font
    can map, which no reader can turn back into text."""
    chars = [c for page in pages for line in page.lines for c in line.text if not c.isspace()]
    private = sum(1 for c in chars if "\ue000" <= c <= "\uf8ff")
    return private / len(chars) if chars else 0.0


def _ocr_scans(
    reader: _Reader, pages: list[Page], scans: dict[int, list[_Image]], limits: Limits
) -> tuple[str | None, list[str]]:
    """OCR the images of pages that hold no text, as scanned PDF pages are; the engine that
    ran (if one did) and the warnings for the reader."""
    found = ocr_engines.engine(limits.ocr)
    numbers = sorted(scans)
    if found is None:
        if not any(line.text.strip() for page in pages for line in page.lines):
            raise NoTextLayerError(
                f"OFD 共 {len(pages)} 页，均没有文字（扫描件），需要文字识别（OCR）后才能审查。"
                + ocr_engines.INSTALL_HINT
            )
        return None, [
            f"第 {page_ranges(numbers)} 页只有图片（可能是扫描页），其内容未读取。"
            + ocr_engines.INSTALL_HINT
        ]
    name, run = found
    todo = numbers[: limits.max_ocr_pages]
    request_time(len(todo) * limits.ocr_time_per_page_s)
    unreadable: list[int] = []
    for number in todo:
        lines: list[Line] = []
        for image in scans[number]:
            try:
                lines += run(reader.container.read(image.member))
            except ExtractionError:  # -- a missing or undecodable image (JBIG2, say)
                if number not in unreadable:
                    unreadable.append(number)
        pages[number - 1] = Page(lines)
    warnings = [
        f"第 {page_ranges(todo)} 页只有图片（扫描页），已用文字识别（OCR）读取，可能有识别错误，请核对原件。"
    ]
    if unreadable:
        warnings.append(
            f"第 {page_ranges(unreadable)} 页的图片缺失或格式无法识别，其内容未读取，请核对原件。"
        )
    if len(todo) < len(numbers):
        warnings.append(
            f"扫描页超过 {limits.max_ocr_pages} 页，第 {page_ranges(numbers[len(todo) :])} 页未识别。"
        )
    return name, warnings
