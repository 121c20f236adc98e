"""Batch reports: report.json, report.csv and report.md, one row per file, plus the summary
paragraph in the form a rule-of-law report quotes ("共审查文件34份，其中……")."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from .labels import NON_NORMATIVE, NORMATIVE, REPEAL
from .screen import FAILED, OK, STATUS_NAMES, BatchResult

CSV_COLUMNS = (
    ("seq", "序号"),
    ("path", "文件"),
    ("sha256", "SHA-256"),
    ("title", "标题"),
    ("doc_number", "文号"),
    ("issuer", "发文机关"),
    ("date", "成文日期"),
    ("label", "标签"),
    ("label_name", "审查结论"),
    ("probability", "概率"),
    ("evidence", "主要依据"),
    ("status_name", "状态"),
    ("error", "错误信息"),
    ("warnings", "提示"),
)


def summary(result: BatchResult) -> str:
    """The summary paragraph, e.g. 共审查文件34份，其中不属于规范性文件的21份，…"""
    counts = Counter(r.label for r in result.rows if r.status == OK)
    screened = sum(counts.values())
    text = (
        f"共审查文件{screened}份，其中不属于规范性文件的{counts[NON_NORMATIVE]}份，"
        f"属于规范性文件{counts[NORMATIVE]}份，建议废止规范性文件{counts[REPEAL]}份。"
    )
    if result.failed:
        text += f"另有{result.failed}份文件无法读取，未作审查，需人工处理（见状态为“失败”的行）。"
    return text


def _cell(row: dict[str, object], key: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def write_reports(result: BatchResult, out_dir: Path) -> list[Path]:
    """Write the three report files into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = [r.to_dict() for r in result.rows]
    head = {
        "batch_id": result.batch_id,
        "as_of": result.as_of,
        "model_version": result.model_version,
        "summary": summary(result),
        "counts": {
            "files": len(rows),
            "screened": sum(1 for r in result.rows if r.status == OK),
            "failed": result.failed,
            **{
                lab: sum(1 for r in result.rows if r.status == OK and r.label == lab)
                for lab in (NORMATIVE, NON_NORMATIVE, REPEAL)
            },
        },
    }
    json_path = out_dir / "report.json"
    json_path.write_text(
        json.dumps({**head, "files": rows}, ensure_ascii=False, indent=2) + "\n", "utf-8"
    )

    csv_path = out_dir / "report.csv"
    # UTF-8 with BOM so that Excel opens the Chinese text correctly.
    with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([title for _, title in CSV_COLUMNS])
        for row in rows:
            writer.writerow([_cell(row, key) for key, _ in CSV_COLUMNS])

    md_path = out_dir / "report.md"
    md_path.write_text(_markdown(head, rows), encoding="utf-8")
    return [json_path, csv_path, md_path]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(head: dict[str, object], rows: list[dict[str, object]]) -> str:
    lines = [
        "# 行政规范性文件审查报告",
        "",
        str(head["summary"]),
        "",
        f"- 批次：{head['batch_id']}",
        f"- 评估基准日：{head['as_of']}",
        f"- 模型版本：{head['model_version']}",
        "",
        "| 序号 | 文件 | 标题 | 文号 | 审查结论 | 概率 | 主要依据 | 状态 |",
        "|---:|---|---|---|---|---:|---|---|",
    ]
    for row in rows:
        status = _cell(row, "status_name")
        if row["status"] == FAILED:
            status += f"：{_cell(row, 'error')}"
        lines.append(
            "| "
            + " | ".join(
                _md(v)
                for v in (
                    _cell(row, "seq"),
                    Path(str(row["path"])).name,
                    _cell(row, "title"),
                    _cell(row, "doc_number"),
                    _cell(row, "label_name"),
                    _cell(row, "probability"),
                    "、".join(str(e) for e in row["evidence"][:3]),  # type: ignore[index]
                    status,
                )
            )
            + " |"
        )
    lines.append("")
    return "\n".join(lines)


__all__ = ["STATUS_NAMES", "summary", "write_reports"]
