"""Extraction speed and accuracy, side by side in one run (run by hand, never in the tests).

    python benchmarks/bench_extract.py [--runs 5] [--no-ocr]

1. PDF text: pages/s of plain pdfplumber ``extract_text`` (the old reader), our layout reader
   (pdfplumber lines + layout), the pypdfium2 fast path in-process, and the fast path as the
   pipeline runs it (:func:`extract_with_limits`, worker process) — on the same PDFs: the real
   ones in ../shared/realdata/files (when present) and a 50-page typeset PDF made with reportlab.
   With the real files, also the character error rate against their known text.
   A last column times bare pypdfium2 ``get_text_range`` (no layout): the fast path's ceiling.
2. OCR: the real PDFs' pages rendered to image-only PDFs, read by each installed engine:
   seconds per page and character error rate.
3. DOC/WPS/OFD/DOCX: milliseconds per file for each installed converter.

Prints medians of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from screening.config import Limits  # noqa: E402
from screening.read import (  # noqa: E402
    doc,
    extract_bytes,
    extract_with_limits,
    ocr,
    sources,
)
from screening.read.quality import char_error_rate  # noqa: E402
from tests.conftest import NORMATIVE_TEXT, REALDATA, docx_bytes, pdf_bytes  # noqa: E402
from tests.test_extract_formats import ofd_bytes  # noqa: E402


def median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def known_texts() -> dict[str, str]:
    path = REALDATA / "dev.jsonl"
    if not path.is_file():
        return {}
    texts = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if (REALDATA / "files" / f"{record['id']}.pdf").is_file():
            texts[record["id"]] = record["text"]
    return texts


def pdfium_ceiling(data: bytes) -> str:
    """pypdfium2 text with nothing else: the most the fast path could reach."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    texts = []
    for page in document:
        textpage = page.get_textpage()
        texts.append(textpage.get_text_range())
        textpage.close()
        page.close()
    document.close()
    return "\n".join(texts)


def plain_pdfplumber(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def bench_pdf(runs: int, known: dict[str, str]) -> None:
    lines = [line for line in NORMATIVE_TEXT.splitlines() if line] * 3
    synthetic = pdf_bytes([lines[:36]] * 50)
    inputs = [(f"real:{k}", (REALDATA / "files" / f"{k}.pdf").read_bytes(), 5) for k in known]
    inputs.append(("synthetic 50 p", synthetic, 50))
    readers: dict[str, Callable[[bytes], str]] = {
        "pdfplumber extract_text": plain_pdfplumber,
        "layout reader (pdfplumber)": lambda d: (
            extract_bytes(d, sources.PDF, Limits(pdf_reader="layout")).text
        ),
        "fast path (pypdfium2)": lambda d: extract_bytes(d, sources.PDF).text,
        "fast path in worker": lambda d: extract_with_limits(d, sources.PDF).text,
        "pypdfium2 text only (ceiling)": pdfium_ceiling,
    }
    extract_with_limits(synthetic, sources.PDF)  # start the worker outside the timings
    print(f"\n## PDF text: pages/s (median of {runs} runs)")
    print("| file | " + " | ".join(readers) + " |")
    print("|---|" + "---:|" * len(readers))
    for name, data, pages in inputs:
        cells = []
        for reader in readers.values():
            seconds = median_time(lambda r=reader, d=data: r(d), runs)
            cell = f"{pages / seconds:,.0f}"
            doc_id = name.removeprefix("real:")
            if doc_id in known:
                cell += f" (CER {char_error_rate(known[doc_id], reader(data)):.3f})"
            cells.append(cell)
        print(f"| {name} | " + " | ".join(cells) + " |")


def image_only_pdf(data: bytes, scale: float = 3.0) -> bytes:
    """Each page of ``data`` rendered at 216 dpi and put back as an image-only page."""
    import pypdfium2
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    source = pypdfium2.PdfDocument(data)
    buffer = io.BytesIO()
    out = canvas.Canvas(buffer)
    for page in source:
        width, height = page.get_size()
        image = page.render(scale=scale, grayscale=True).to_pil()
        out.setPageSize((width, height))
        out.drawImage(ImageReader(image), 0, 0, width=width, height=height)
        out.showPage()
    out.save()
    return buffer.getvalue()


def bench_ocr(known: dict[str, str]) -> None:
    print("\n## OCR on rendered real pages (one run each; OCR is slow)")
    if not known:
        print("real data not present: skipped")
        return
    # CER vs known text includes what the text layer itself differs by (table order, page
    # numbers); CER vs the text layer isolates what OCR gets wrong.
    print("| engine | file | s/page | CER vs known text | CER vs text layer |")
    print("|---|---|---:|---:|---:|")
    for engine in ("rapidocr", "tesseract"):
        if ocr.engine(engine) is None:
            print(f"| {engine} | not installed | | | |")
            continue
        for doc_id, text in known.items():
            original = (REALDATA / "files" / f"{doc_id}.pdf").read_bytes()
            layer = extract_bytes(original, sources.PDF).text
            scan = image_only_pdf(original)
            limits = Limits(ocr=engine)
            start = time.perf_counter()
            result = extract_bytes(scan, sources.PDF, limits)
            per_page = (time.perf_counter() - start) / (result.pages or 1)
            cer = char_error_rate(text, result.text)
            own = char_error_rate(layer, result.text)
            print(f"| {engine} | {doc_id} | {per_page:.2f} | {cer:.3f} | {own:.3f} |")


def bench_office(runs: int) -> None:
    print(f"\n## Office formats and OFD: ms per file (median of {runs} runs)")
    paragraphs = [line for line in NORMATIVE_TEXT.splitlines() if line] * 25  # ≈ 10 pages
    docx = docx_bytes(paragraphs, table=[["单位", "电话"], ["应急办", "0580-1234567"]])
    # the table follows the first paragraph (docx_bytes' default)
    reference = "\n".join([paragraphs[0], "单位 电话", "应急办 0580-1234567", *paragraphs[1:]])
    rows = [("docx (docx-xml)", lambda: extract_bytes(docx, sources.DOCX).text)]
    runs_ofd = [
        [(20.0, 20.0 + 7 * i, line[:30]) for i, line in enumerate(paragraphs[j : j + 35])]
        for j in range(0, len(paragraphs), 35)
    ]
    ofd = ofd_bytes(runs_ofd)
    rows.append(("ofd (ofd-xml)", lambda: extract_bytes(ofd, sources.OFD).text))
    doc_bytes = _doc_from_docx(docx)
    if doc_bytes is None:
        print("(no soffice to make a .doc: DOC/WPS rows skipped)")
    else:
        for tool in doc.CONVERTERS:
            if shutil.which(tool):
                rows.append(
                    (f"doc ({tool})", lambda t=tool: doc.extract(doc_bytes, Limits(), [t]).text)
                )
    print("| file | reader | ms/file | CER vs source text |")
    print("|---|---|---:|---:|")
    for name, fn in rows:
        seconds = median_time(fn, runs)
        text = str(fn())
        ref = reference if not name.startswith("ofd") else "\n".join(p[:30] for p in paragraphs)
        cer = char_error_rate(ref, text)
        kind, reader = name.split(" ", 1)
        print(f"| {kind} | {reader.strip('()')} | {seconds * 1000:.1f} | {cer:.4f} |")


def _doc_from_docx(docx: bytes) -> bytes | None:
    if not shutil.which("soffice"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "bench.docx"
        src.write_bytes(docx)
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{tmp}/lo",
                "--headless",
                "--convert-to",
                "doc",
                "--outdir",
                tmp,
                str(src),
            ],
            capture_output=True,
            check=False,
        )
        out = Path(tmp) / "bench.doc"
        return out.read_bytes() if out.is_file() else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-ocr", action="store_true")
    args = parser.parse_args()
    known = known_texts()
    bench_pdf(args.runs, known)
    bench_office(args.runs)
    if not args.no_ocr:
        bench_ocr(known)


if __name__ == "__main__":
    main()
