"""Build corpus/examples/ (the sample batch of the README) from corpus/examples-src/.

Each source document (header + text, as in corpus/docs) is written in one of the formats a legal
advisor receives, so the sample batch exercises every reader: PDF with a text layer, DOCX, HTML
and text in UTF-8, UTF-8 with BOM, GBK and UTF-16. Needs the test extras (reportlab, python-docx).

Usage: python corpus/tools/make_examples.py
"""

from __future__ import annotations

import io
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "examples-src"
OUT = ROOT / "examples"

# Format per example, in file order; cycles if there are more examples.
FORMATS = [
    "pdf",
    "docx",
    "gbk",
    "html",
    "utf16",
    "bom",
    "pdf",
    "docx",
    "utf8",
    "gbk",
    "html",
    "docx",
    "pdf",
    "md",
]


def parse(path: Path) -> tuple[dict[str, str], str]:
    head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    meta = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
    return meta, body.strip() + "\n"


def wrap(line: str, width: int) -> list[str]:
    return [line[i : i + width] for i in range(0, len(line), width)] or [""]


def write_pdf(text: str, path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    lines = [w for line in text.splitlines() for w in wrap(line, 34)]
    per_page = 36
    for page_no, start in enumerate(range(0, len(lines), per_page), start=1):
        pdf.setFont("STSong-Light", 12)
        y = 780
        for line in lines[start : start + per_page]:
            pdf.drawString(72, y, line)
            y -= 19
        pdf.drawCentredString(297, 40, f"— {page_no} —")
        pdf.showPage()
    pdf.save()


def write_docx(text: str, path: Path) -> None:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())


def write_html(text: str, title: str, path: Path) -> None:
    body = "\n".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())
    path.write_text(
        "<!DOCTYPE html>\n<html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{title}</title><script>var visits = 0;</script></head><body>"
        "<nav>首页 &gt; 政务公开 &gt; 政策文件</nav>"
        f"<div class='article'>{body}</div><footer>主办单位：示例区人民政府办公室</footer></body></html>\n",
        encoding="utf-8",
    )


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():
        if old.name != "README.md":
            old.unlink()
    labels = {}
    for i, src in enumerate(sorted(SRC.glob("*.txt"))):
        meta, text = parse(src)
        fmt = FORMATS[i % len(FORMATS)]
        stem = f"{src.stem}-{meta['title'][:18]}"
        name = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "md": ".md"}.get(fmt, ".txt")
        path = OUT / (stem + name)
        if fmt == "pdf":
            write_pdf(text, path)
        elif fmt == "docx":
            write_docx(text, path)
        elif fmt == "html":
            write_html(text, meta["title"], path)
        else:
            encoding = {"gbk": "gbk", "utf16": "utf-16", "bom": "utf-8-sig"}.get(fmt, "utf-8")
            path.write_bytes(text.encode(encoding))
        labels[path.name] = {"label": meta["label"], "format": fmt, "title": meta["title"]}
    (ROOT / "examples-src" / "labels.json").write_text(
        json.dumps(labels, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(labels)} files to {OUT}")


if __name__ == "__main__":
    main()
