"""Real files from other projects' test suites (../shared/peer-files/, see its README): every
file is read as its producer meant. Skipped when ../shared is absent.

No text of these files is copied here: what the producer meant is checked against the files
themselves (for OFD, every character its pages, templates and annotations draw must be in what
we read; for PDF, every character pdfium finds on its pages), and the few files that cannot be
read are named with the reason they must be refused.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections import Counter
from pathlib import Path

import pypdfium2
import pytest

from screening.config import Limits
from screening.errors import (
    EmptyDocumentError,
    EncryptedDocumentError,
    ExtractionError,
    NoTextLayerError,
)
from screening.read import extract_with_limits, sources

from .conftest import SHARED

PEER = SHARED / "peer-files"
LIMITS = Limits(time_limit_s=60, ocr="off")

pytestmark = pytest.mark.skipif(not PEER.is_dir(), reason="../shared/peer-files is absent")


def _files(kind: str) -> list[Path]:
    return sorted((PEER / kind).glob(f"*.{kind}")) if PEER.is_dir() else []


#: Files that hold no text to read, and the error that says so.
REFUSED: dict[str, type[ExtractionError]] = {
    # OFD pages drawn only with vector paths: no text, no images.
    "converter-V4RideRight.ofd": EmptyDocumentError,
    "converter-h.ofd": EmptyDocumentError,
    "layout-Page5.ofd": EmptyDocumentError,
    "sign-VPage7.ofd": EmptyDocumentError,
    # Pages that are only images: a scan, which needs OCR (not installed in this test).
    "converter-containsJPEG.ofd": NoTextLayerError,
    "issue-203-decimalize.pdf": NoTextLayerError,
    # A page with no text and nothing to recognise.
    "issue-297-example.pdf": EmptyDocumentError,
    "password-example.pdf": EncryptedDocumentError,
}

_TEXT_CODE = re.compile(r"<(?:\w+:)?TextCode\b[^>]*>([^<]*)</(?:\w+:)?TextCode>")


def _drawn_characters(path: Path) -> Counter[str]:
    """Characters of every TextCode drawn on the OFD's pages: the page files Document.xml
    lists, the templates they use, the resource files (composite units) and the page
    annotations, outside watermarks and askew or see-through marks. Found with regular
    expressions, independently of the reader."""
    with zipfile.ZipFile(path) as archive:
        names = {n.lower().lstrip("/"): n for n in archive.namelist()}

        def read(name: str) -> str:
            stored = names.get(posixpath.normpath(name).lower().lstrip("/"))
            return archive.read(stored).decode("utf-8", "replace") if stored else ""

        def resolve(base: str, loc: str) -> str:
            loc = loc.strip()
            return loc.lstrip("/") if loc.startswith("/") else posixpath.join(base, loc)

        root = re.search(r"<(?:\w+:)?DocRoot>([^<]+)<", read("OFD.xml"))
        doc_path = resolve("", root.group(1)) if root else ""
        base = posixpath.dirname(doc_path)
        document = read(doc_path)
        pages = re.findall(r'<(?:\w+:)?Page\b[^>]*BaseLoc="([^"]+)"', document)
        templates = dict(
            re.findall(r'<(?:\w+:)?TemplatePage\b[^>]*ID="([^"]+)"[^>]*BaseLoc="([^"]+)"', document)
        )
        drawn = []
        for loc in pages:
            page = read(resolve(base, loc))
            drawn.append(page)
            for tid in re.findall(r'<(?:\w+:)?Template\b[^>]*TemplateID="([^"]+)"', page):
                if tid in templates:
                    drawn.append(read(resolve(base, templates[tid])))
        for tag in ("PublicRes", "DocumentRes"):
            for loc in re.findall(rf"<(?:\w+:)?{tag}>([^<]+)<", document):
                drawn.append(read(resolve(base, loc)))
        annotations = re.search(r"<(?:\w+:)?Annotations>([^<]+)<", document)
        if annotations:
            index_path = resolve(base, annotations.group(1))
            for loc in re.findall(r"<(?:\w+:)?FileLoc>([^<]+)<", read(index_path)):
                xml = read(resolve(posixpath.dirname(index_path), loc))
                drawn.append(
                    re.sub(
                        r'<(?:\w+:)?Annot\b[^>]*Type="Watermark".*?</(?:\w+:)?Annot>',
                        "",
                        xml,
                        flags=re.S,
                    )
                )
    chars: Counter[str] = Counter()
    for xml in drawn:
        for obj in re.findall(r"<(?:\w+:)?TextObject\b[^>]*>.*?</(?:\w+:)?TextObject>", xml, re.S):
            head = obj.split(">", 1)[0]
            ctm = re.search(r'CTM="([^"]*)"', head)
            askew = ctm is not None and any(float(v) != 0 for v in ctm.group(1).split()[1:3])
            alpha = re.search(r'Alpha="(\d+)"', head)
            if askew or (alpha is not None and int(alpha.group(1)) < 128):
                continue
            for text in _TEXT_CODE.findall(obj):
                chars.update(c for c in _unescape(text) if not c.isspace())
    return chars


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def _read_characters(text: str) -> Counter[str]:
    return Counter(c for c in text if not c.isspace())


def _read_recording_furniture(
    data: bytes, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, int | None, Counter[str]]:
    """Read in this process; return the text, the page count and the characters of the lines
    that layout.drop_furniture removed on purpose (page numbers, running headers and footers
    that repeat on most pages)."""
    from screening.read import extract_bytes, layout, ofd, pdf

    dropped: Counter[str] = Counter()

    def recording(pages: list[layout.Page]) -> int:
        before = Counter(ln.text for page in pages for ln in page.lines)
        count = layout.drop_furniture(pages)
        after = Counter(ln.text for page in pages for ln in page.lines)
        for text, n in (before - after).items():
            dropped.update({c: n * k for c, k in Counter(text).items() if not c.isspace()})
        return count

    monkeypatch.setattr(ofd, "drop_furniture", recording)
    monkeypatch.setattr(pdf, "drop_furniture", recording)
    result = extract_bytes(data, fmt, Limits(time_limit_s=0, ocr="off"))
    return result.text, result.pages, dropped


@pytest.mark.parametrize("path", _files("ofd"), ids=lambda p: p.name)
def test_peer_ofd_file_is_read_as_its_producer_meant(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = path.read_bytes()
    assert sources.sniff(data) == sources.OFD
    if path.name in REFUSED:
        with pytest.raises(REFUSED[path.name]):
            extract_with_limits(data, sources.OFD, LIMITS)
        return
    extract_with_limits(data, sources.OFD, LIMITS)  # as a batch reads it: in the worker
    text, _, dropped = _read_recording_furniture(data, sources.OFD, monkeypatch)
    missing = _drawn_characters(path) - _read_characters(text) - dropped
    assert not missing, f"characters drawn but not read: {dict(missing)}"


def _pdfium_characters(data: bytes) -> tuple[int, Counter[str]]:
    document = pypdfium2.PdfDocument(data)
    chars: Counter[str] = Counter()
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            chars.update(c for c in textpage.get_text_range() if not c.isspace())
            textpage.close()
            page.close()
        return len(document), chars
    finally:
        document.close()


@pytest.mark.parametrize("path", _files("pdf"), ids=lambda p: p.name)
def test_peer_pdf_file_is_read_as_its_producer_meant(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = path.read_bytes()
    assert sources.sniff(data) == sources.PDF
    if path.name in REFUSED:
        with pytest.raises(REFUSED[path.name]):
            extract_with_limits(data, sources.PDF, LIMITS)
        return
    extract_with_limits(data, sources.PDF, LIMITS)  # as a batch reads it: in the worker
    text, pages, dropped = _read_recording_furniture(data, sources.PDF, monkeypatch)
    count, drawn = _pdfium_characters(data)
    assert pages == count
    # layout turns a soft hyphen into "-"
    missing = drawn - _read_characters(text) - dropped - Counter({"\xad": 10**6})
    assert not missing, f"characters on the pages but not read: {dict(missing)}"
