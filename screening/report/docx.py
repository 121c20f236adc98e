"""DOCX files: catalogue.docx (the two lists a government publishes after a clean-up, ready to
attach to the notice) and the draft legality-review opinions. The only module that imports
python-docx."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from .build import CATALOGUE_COLUMNS, CATALOGUE_TITLES

if TYPE_CHECKING:
    from .opinion_write import Block


def _font(document: Any) -> None:
    style = document.styles["Normal"]
    style.font.name = "仿宋"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")


def write_docx(report: dict[str, Any], path: Path) -> None:
    document = docx.Document()
    _font(document)
    for n, (key, title) in enumerate(CATALOGUE_TITLES.items(), start=1):
        if n > 1:
            document.add_page_break()
        document.add_paragraph(f"附件{n}")
        heading = document.add_paragraph()
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = heading.add_run(title)
        run.bold = True
        run.font.size = Pt(16)
        items = report["catalogues"][key]
        if not items:
            document.add_paragraph("（无）")
            continue
        if report["catalogue_notes"][key]:
            document.add_paragraph(report["catalogue_notes"][key])
        table = document.add_table(rows=1, cols=len(CATALOGUE_COLUMNS))
        table.style = "Table Grid"
        for cell, name in zip(table.rows[0].cells, CATALOGUE_COLUMNS, strict=True):
            cell.text = name
            cell.paragraphs[0].runs[0].bold = True
        for item in items:
            cells = table.add_row().cells
            for cell, name in zip(cells, CATALOGUE_COLUMNS, strict=True):
                cell.text = str(item[name])
    document.add_paragraph()
    document.add_paragraph(f"评估基准日：{report['as_of']}；批次：{report['batch']['id']}")
    document.save(str(path))


def write_blocks_docx(blocks: Sequence[Block], path: Path) -> None:
    """A laid-out legality-review opinion (:func:`screening.report.opinion.opinion_blocks`) as DOCX."""
    document = docx.Document()
    _font(document)
    for block in blocks:
        if block.kind in ("title", "subtitle"):
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(block.text)
            run.bold = True
            run.font.size = Pt(18 if block.kind == "title" else 14)
        elif block.kind == "notice":
            document.add_paragraph().add_run(block.text).italic = True
        elif block.kind == "table":
            table = document.add_table(rows=0, cols=2)
            table.style = "Table Grid"
            for key, value in block.rows:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = key, value
        elif block.kind == "heading":
            run = document.add_paragraph().add_run(block.text)
            run.bold = True
            run.font.size = Pt(14)
        elif block.kind == "point":
            document.add_paragraph().add_run(block.text).bold = True
            for key, value in block.rows:
                document.add_paragraph(f"{key}：{value}").paragraph_format.left_indent = Pt(24)
        else:  # paragraph, signature
            document.add_paragraph(block.text)
    document.save(str(path))
