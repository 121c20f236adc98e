"""report.xlsx: summary, per-file results, decision history and the two catalogues, one sheet
each. The only module that imports openpyxl."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..labels import LABEL_NAMES, LABELS

HEADER = PatternFill("solid", fgColor="DDE6F0")
BOLD = Font(bold=True)

FILE_COLUMNS = (
    ("seq", "序号", 6), ("file", "文件", 28), ("sha256", "SHA-256", 20), ("title", "标题", 40), ("doc_number", "文号", 20),
    ("issuer", "发文机关", 22), ("date", "成文日期", 12), ("label_name", "最终结论", 14), ("final_source", "结论来源", 8),
    ("model_label_name", "模型结论", 14), ("model_probability", "模型概率", 9), ("evidence", "模型依据", 30),
    ("decision_label_name", "顾问决定", 14), ("reviewer", "审查人", 10), ("reason", "顾问理由", 30), ("decided_at", "决定时间", 20),
    ("repeal_reasons", "废止理由", 40), ("flags", "风险提示", 40), ("status_name", "状态", 8), ("error", "错误信息", 30),
    ("warnings", "读取提示", 30),
)  # fmt: skip
DECISION_COLUMNS = (
    ("id", "序号"), ("decided_at", "时间（UTC）"), ("reviewer", "审查人"), ("sha256", "文件 SHA-256"), ("kind", "类型"),
    ("label", "结论"), ("reason", "理由"), ("model_version", "模型版本"), ("model_label", "模型当时结论"),
    ("model_probabilities", "模型当时概率"), ("corrects_uid", "更正的记录"), ("uid", "记录编号"), ("hash", "哈希"),
)  # fmt: skip


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "；".join(
            f"{v['title']}：{v.get('detail') or v.get('excerpt') or ''}"
            if isinstance(v, dict)
            else str(v)
            for v in value
        )
    if isinstance(value, float):
        return round(value, 4)
    return value


def _header(ws: Any, titles: list[str], widths: list[int] | None = None) -> None:
    ws.append(titles)
    for i, cell in enumerate(ws[ws.max_row], start=1):
        cell.font, cell.fill = BOLD, HEADER
        if widths:
            ws.column_dimensions[get_column_letter(i)].width = widths[i - 1]
    ws.freeze_panes = f"A{ws.max_row + 1}"  # a string: creating the cell would add an empty row


def write_xlsx(report: dict[str, Any], path: Path) -> None:
    wb = Workbook()
    summary = wb.active
    summary.title = "摘要"
    summary.column_dimensions["A"].width = 22
    summary.column_dimensions["B"].width = 90
    summary.append([report["title"]])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["摘要", report["summary"]])
    summary["B2"].alignment = Alignment(wrap_text=True)
    batch, ledger = report["batch"], report["ledger"]
    for key, value in (
        ("批次", batch["id"]), ("评估基准日", report["as_of"]), ("模型版本", batch["model_version"]),
        ("生成时间", report["generated_at"]),
        ("审查台账", "哈希链完整" if ledger["ok"] else f"哈希链校验失败：{ledger['problem']}"), ("决定记录数", ledger["rows"]),
    ):  # fmt: skip
        summary.append([key, value])
    summary.append([])
    summary.append(["统计"])
    counts = report["counts"]
    for key, name in (("files", "文件总数"), ("screened", "已筛查"), ("failed", "读取失败"), ("needs_ocr", "需要OCR"),
                      ("normative", "规范性文件"), ("non_normative", "不属于规范性文件"), ("repeal", "建议废止"),
                      ("reviewed", "顾问已审核"), ("unreviewed", "待审核")):  # fmt: skip
        summary.append([name, counts[key]])
    agreement = report["agreement"]
    summary.append([])
    summary.append(["模型＼顾问（一致性）", *[LABEL_NAMES[lab] for lab in LABELS]])
    for lab, row in zip(LABELS, agreement["confusion"], strict=True):
        summary.append([LABEL_NAMES[lab], *row])
    if agreement["documents"]:
        summary.append(["一致率", f"{agreement['agreement']:.1%}（{agreement['documents']} 份）"])
    summary.append([])
    summary.append(["审查人", "决定 / 撤销 / 改判模型"])
    for r in report["reviewers"]:
        summary.append(
            [
                r["reviewer"],
                f"{r['decisions']} / {r['undos']} / {r['overrides']}（{r['first']} 至 {r['last']}）",
            ]
        )
    summary.append([])
    summary.append(["模型卡", json.dumps(report["model"]["card"], ensure_ascii=False)[:30000]])

    files = wb.create_sheet("逐件结果")
    _header(files, [t for _, t, _ in FILE_COLUMNS], [w for _, _, w in FILE_COLUMNS])
    for row in report["files"]:
        files.append([_text(row.get(key)) for key, _, _ in FILE_COLUMNS])
    files.auto_filter.ref = files.dimensions

    history = wb.create_sheet("决定历史")
    _header(
        history,
        [t for _, t in DECISION_COLUMNS],
        [8, 22, 10, 20, 8, 14, 30, 14, 14, 30, 20, 20, 20],
    )
    for d in report["decisions"]:
        values = {
            **d,
            "label": LABEL_NAMES.get(d["label"] or "", "（撤销）"),
            "model_label": LABEL_NAMES.get(d["model_label"] or "", ""),
        }
        history.append([_text(values.get(key)) for key, _ in DECISION_COLUMNS])

    for key, title in (("continuing", "继续有效目录"), ("repeal", "建议废止目录")):
        ws = wb.create_sheet(title)
        _header(
            ws,
            ["序号", "文件名称", "文号", "制定机关", "发布日期", "理由"],
            [6, 50, 22, 26, 12, 60],
        )
        for item in report["catalogues"][key]:
            ws.append(
                [item[c] for c in ("序号", "文件名称", "文号", "制定机关", "发布日期", "理由")]
            )
        if report["catalogue_notes"][key]:
            ws.append([])
            ws.append([report["catalogue_notes"][key]])
    wb.save(path)
