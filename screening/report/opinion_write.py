"""Writing draft opinions: :func:`opinion_blocks` lays an :class:`~screening.report.opinion.Opinion` out
as a list of :class:`Block` in reading order; :func:`render_markdown` renders them here,
:func:`screening.report.docx.write_blocks_docx` as DOCX. :func:`draft_opinions` is the job of
``screening opinion``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..law import GROUP_NAMES, SEVERITY_NAMES, normalize_title
from ..ledger import Store
from ..model import ScreeningModel
from .opinion import (
    CONCLUSION_HEADING,
    NOTICE,
    REPEAL_OPTION,
    Opinion,
    OpinionBatch,
    Point,
    build_opinions,
    decision_text,
)

FORMATS = ("docx", "md")


@dataclass
class Block:
    """One piece of a laid-out opinion: kind is title, subtitle, notice, table, heading,
    paragraph, point (``text`` its head, ``rows`` its labelled lines) or signature."""

    kind: str
    text: str = ""
    rows: list[tuple[str, str]] = field(default_factory=list)


def _point_rows(p: Point) -> list[tuple[str, str]]:
    where = f"第{p.span[0]}–{p.span[1]}字" if p.span else "位置未记录"
    if p.located_in:
        where = f"见本批次文件《{p.located_in}》{where}"
    rows = [("原文", f"“{p.excerpt}”（{where}）"), ("筛查说明", p.detail), ("依据", p.basis)]
    if p.standard:
        rows.append(("审查标准", p.standard))
    rows.append(("修改建议", p.advice))
    rows.append(("核实结果", "□ 属实　□ 不属实（由审查人勾选）"))
    return rows


def _point_head(p: Point) -> str:
    return f"问题{p.number}：{p.title}（{GROUP_NAMES[p.group]}·{SEVERITY_NAMES[p.severity]}）"


def opinion_blocks(op: Opinion) -> list[Block]:
    """The opinion laid out for the writers, in reading order."""
    blocks = [Block("title", op.document_title), Block("subtitle", op.title)]
    if op.kind == "note":
        return [*blocks, Block("table", rows=op.heading), Block("paragraph", op.note or "")]
    blocks += [Block("notice", NOTICE), Block("table", rows=op.heading)]
    for section in op.sections:
        blocks.append(Block("heading", section.heading))
        blocks += [Block("paragraph", text) for text in section.paragraphs]
        blocks += [Block("point", _point_head(p), _point_rows(p)) for p in section.points]
    c = op.conclusion
    assert c is not None
    blocks.append(Block("heading", CONCLUSION_HEADING))
    blocks.append(
        Block("paragraph", "可选结论（由审查人勾选）：" + "　".join(f"□ {o}" for o in c.options))
    )
    proposed = c.proposed or "不适用（法律顾问已决定不属于规范性文件）"
    blocks.append(Block("paragraph", f"初稿建议：{proposed}"))
    blocks.append(Block("paragraph", "理由：" + "".join(c.reasons)))
    if c.grounds:
        kind = "废止理由" if c.proposed == REPEAL_OPTION else "废止信号"
        blocks.append(Block("paragraph", f"{kind}（评估基准日 {dict(c.dates)['评估基准日']}）："))
        for p in c.grounds:
            rows = [("筛查说明", p.detail)]
            if p.excerpt:
                rows.insert(0, _point_rows(p)[0])
            rows.append(("依据", p.basis))
            blocks.append(Block("point", f"{kind}{p.number}：{p.title}", rows))
    blocks.append(
        Block("paragraph", "审查所用日期：" + "；".join(f"{k} {v}" for k, v in c.dates) + "。")
    )
    blocks.append(
        Block(
            "paragraph",
            "法律顾问决定：" + (decision_text(c.decision) if c.decision else "台账中尚无记录。"),
        )
    )
    blocks.append(Block("signature", "审查人（签名）：＿＿＿＿＿＿＿＿"))
    blocks.append(Block("signature", "审查日期：＿＿＿＿年＿＿月＿＿日"))
    return blocks


def render_markdown(blocks: Sequence[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if block.kind == "title":
            lines += [f"# {block.text}", ""]
        elif block.kind == "subtitle":
            lines += [f"**{block.text}**", ""]
        elif block.kind == "notice":
            lines += [f"> {block.text}", ""]
        elif block.kind == "table":
            lines += ["| 项目 | 内容 |", "|---|---|"]
            lines += [f"| {k} | {_cell(v)} |" for k, v in block.rows]
            lines.append("")
        elif block.kind == "heading":
            lines += [f"## {block.text}", ""]
        elif block.kind == "point":
            lines.append(f"**{block.text}**")
            lines.append("")
            lines += [f"- {k}：{v}" for k, v in block.rows]
            lines.append("")
        else:  # paragraph, signature
            lines += [block.text, ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_UNSAFE = re.compile(r"[\\/:*?\"<>|\s]+")


def file_stem(op: Opinion) -> str:
    """``003-海澄区临时救助规定-合法性审查意见书``: file order, short title, kind."""
    short = _UNSAFE.sub("", normalize_title(op.title))[:30] or (op.sha256 or "")[:12]
    kind = "合法性审查意见书" if op.kind == "opinion" else "不出具意见书的说明"
    return f"{op.seq:03d}-{short}-{kind}"


def write_opinions(
    opinions: Sequence[Opinion], out_dir: Path, formats: Sequence[str]
) -> list[Path]:
    """Write each opinion into ``out_dir`` in ``formats``; return the paths written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"无法创建输出目录 {out_dir}：{exc.strerror}。") from exc
    written = []
    for op in opinions:
        blocks = opinion_blocks(op)
        for fmt in formats:
            path = out_dir / f"{file_stem(op)}.{fmt}"
            if fmt == "md":
                path.write_text(render_markdown(blocks), encoding="utf-8")
            else:
                from .docx import write_blocks_docx

                write_blocks_docx(blocks, path)
            written.append(path)
    return written


def check_formats(formats: Sequence[str]) -> list[str]:
    formats = [f for f in formats if f]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(
            f"不支持的意见书格式：{', '.join(unknown) or '（空）'}（可选：{', '.join(FORMATS)}）。"
        )
    return formats


def draft_opinions(
    store: Store,
    targets: Sequence[str],
    out_dir: Path,
    batch_id: str | None = None,
    as_of: str | None = None,
    formats: Sequence[str] = FORMATS,
    model: ScreeningModel | None = None,
) -> tuple[OpinionBatch, list[Path]]:
    """The job of ``screening opinion``: build the drafts, then write them into ``out_dir``."""
    formats = check_formats(formats)
    result = build_opinions(store, targets, batch_id, as_of, model)
    return result, write_opinions(result.opinions, out_dir, formats)


__all__ = [
    "FORMATS",
    "Block",
    "draft_opinions",
    "opinion_blocks",
    "render_markdown",
    "write_opinions",
]
