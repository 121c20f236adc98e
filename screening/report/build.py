"""Reports on a batch: what the model said, what the advisors decided, and on what evidence.

:func:`build_report` gathers everything from the ledger into one plain, JSON-serialisable dict;
the writers turn it into report.json, report.csv, report.md (here), report.html
(:mod:`screening.report.html`), report.xlsx (:mod:`screening.report.xlsx`) and the catalogue
attachment catalogue.docx (:mod:`screening.report.docx`). The final label of a file is the
advisor's current decision where one exists, the model's label otherwise.
"""

from __future__ import annotations

import csv
import importlib
import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from contextlib import suppress
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from ..config import Limits
from ..errors import ReportWriteError, UsageError
from ..labels import LABEL_NAMES, LABELS, NON_NORMATIVE, NORMATIVE, REPEAL
from ..ledger import Store
from ..ledger import decisions as ledger
from ..model import Evidence, KindScore, ScreeningModel, evidence_phrase
from ..model.metrics import confusion
from ..pipeline.screen import FAILED, NEEDS_OCR, OK, STATUS_NAMES, visible_findings

FORMATS = ("html", "xlsx", "csv", "json", "md", "docx")
#: Where a file's final label comes from: an advisor's decision, or the model alone. A label no
#: advisor decided is never presented as reviewed (经审查…) nor a flagged file as lawful.
SOURCE_ADVISOR, SOURCE_MODEL = "法律顾问已审核", "模型初判（待审核）"
#: Formats `screening screen` writes next to its summary.
SCREEN_FORMATS = ("json", "csv", "md")

CSV_COLUMNS = (
    ("seq", "序号"), ("path", "文件"), ("sha256", "SHA-256"), ("title", "标题"), ("doc_number", "文号"),
    ("issuer", "发文机关"), ("date", "成文日期"), ("label_name", "最终结论"), ("final_source", "结论来源"),
    ("model_label_name", "模型结论"), ("model_probability", "模型概率"), ("evidence", "模型依据"),
    ("decision_label_name", "顾问决定"), ("reviewer", "审查人"), ("reason", "顾问理由"),
    ("repeal_reasons", "废止理由"), ("flags", "风险提示"), ("status_name", "状态"), ("error", "错误信息"),
    ("warnings", "读取提示"), ("label", "标签"),
)  # fmt: skip


def summary_sentence(counts: dict[str, int]) -> str:
    """The summary paragraph in the form a rule-of-law report quotes."""
    text = (
        f"共审查文件{counts['screened']}份，其中不属于规范性文件的{counts[NON_NORMATIVE]}份，"
        f"属于规范性文件{counts[NORMATIVE]}份，建议废止规范性文件{counts[REPEAL]}份。"
    )
    if counts["screened"]:
        if counts["unreviewed"] == 0:
            text += "以上结论均已经法律顾问审核确认。"
        elif counts["reviewed"] == 0:
            text += f"以上结论均为模型初判，{counts['unreviewed']}份尚待法律顾问审核。"
        else:
            text += f"其中{counts['reviewed']}份已经法律顾问审核确认，{counts['unreviewed']}份为模型初判、尚待审核。"
    unread = counts["failed"] + counts["needs_ocr"]
    if unread:
        text += f"另有{unread}份文件无法读取，未作审查，需人工处理（见状态为“失败”"
        if counts["needs_ocr"]:
            text += f"或“需要OCR”的行；其中{counts['needs_ocr']}份为扫描件，需要文字识别）。"
        else:
            text += "的行）。"
    return text


def _finding_text(f: dict[str, Any]) -> str:
    return f"{f['title']}：{f.get('detail') or f.get('excerpt') or ''}"


def _reassess(model: ScreeningModel, files: list[dict[str, Any]], as_of: str) -> None:
    """Judge the files again at another as-of date (stored genre scores, fresh rules)."""
    from ..law import Metadata, batch_context
    from ..model import analyze_text, assess

    day = date.fromisoformat(as_of)
    analyses = {}
    kinds = {}
    for f in files:
        if f["status"] != OK or f["prediction"] is None:
            continue
        p = f["prediction"]
        analyses[f["path"]] = analyze_text(f["text"], Metadata(**f["metadata"]), day)
        kinds[f["path"]] = KindScore(
            p.kind_probability or 0.0, [Evidence(e, w) for e, w in p.evidence]
        )
    context = batch_context(
        [(f["sha256"], analyses[f["path"]].structure) for f in files if f["path"] in analyses], day
    )
    for f in files:
        if f["path"] in analyses:
            a = assess(model, kinds[f["path"]], analyses[f["path"]], context, f["sha256"])
            f["label"], f["probabilities"] = a.label, a.prediction.probabilities
            f["all_findings"] = [x.to_dict() for x in a.findings_all]
            f["findings"] = visible_findings(f["all_findings"], a.label)
            f["structure"] = {
                **a.analysis.structure.to_dict(),
                "legal_facts": [x.to_dict(model.fact_weights) for x in a.prediction.facts],
            }


def resolve_batch(store: Store, batch_id: str | None) -> dict[str, Any]:
    """The batch ``batch_id`` (default: the latest one) as stored."""
    batch_id = batch_id or store.latest_batch_id()
    if batch_id is None:
        raise UsageError("台账中还没有任何批次。请先运行 screening screen 审查一批文件。")
    batch = store.batch(batch_id)
    if batch is None:
        raise UsageError(f"找不到批次 {batch_id}。")
    return batch


def judged_files(
    store: Store,
    batch: dict[str, Any],
    as_of: str,
    model: ScreeningModel | None = None,
    with_text: bool = True,
    with_structure: bool = True,
) -> list[dict[str, Any]]:
    """The files of ``batch`` as judged at ``as_of`` (:meth:`Store.batch_files` rows).

    Each screened file gets ``label`` and ``probabilities`` (the model's, batch rules included),
    ``findings`` (those shown for that label), ``all_findings`` (every finding of the text plus
    the batch-wide ones) and ``structure``. At an as-of date other than the batch's, the files are
    judged again with the batch's own model (else ``model``). ``with_text``: keep each file's
    text in its row (``text``); it is read anyway when the files are judged again.
    """
    again = as_of != batch["as_of"]
    files = store.batch_files(
        batch["id"], with_text=with_text or again, with_structure=with_structure or again
    )
    if as_of != batch["as_of"]:
        batch_model = _model_of(batch["model_version"]) or model
        if batch_model is None:
            raise UsageError("按新的评估基准日重新判断需要模型。")
        _reassess(batch_model, files, as_of)
        return files
    for f in files:
        prediction = f["prediction"]
        batch_wide = [x for x in f["findings"] if x.get("source")]
        f["all_findings"] = (prediction.findings if prediction else []) + batch_wide
        f["structure"] = prediction.structure if prediction else {}
    return files


def build_report(
    store: Store,
    batch_id: str | None = None,
    as_of: str | None = None,
    model: ScreeningModel | None = None,
) -> dict[str, Any]:
    """Everything a report shows about a batch (default: the latest), as plain data."""
    batch = resolve_batch(store, batch_id)
    as_of = as_of or batch["as_of"]
    files = judged_files(store, batch, as_of, model, with_text=False, with_structure=False)
    decisions = ledger.current_decisions(store)
    shas = {f["sha256"] for f in files if f["sha256"]}
    rows = []
    for f in files:
        meta = f["metadata"]
        decision = decisions.get(f["sha256"]) if f["sha256"] else None
        model_label = f["label"] if f["status"] == OK else None
        final = decision["label"] if decision and f["status"] == OK else model_label
        probabilities = f["probabilities"] or {}
        findings = f["findings"] or []
        if final and f["prediction"] is not None:
            # Show the findings that fit the final label (the advisor's, when decided): every
            # finding of the text plus the batch-wide ones, filtered for that label.
            findings = visible_findings(f["all_findings"], final)
        rows.append(
            {
                "seq": f["seq"],
                "path": f["path"],
                "file": Path(f["path"]).name,
                "sha256": f["sha256"],
                "format": f["format"],
                "status": f["status"],
                "status_name": STATUS_NAMES.get(f["status"], f["status"]),
                "error": f["error"],
                "warnings": f["warnings"],
                "title": meta.get("title"),
                "doc_number": meta.get("doc_number"),
                "issuer": meta.get("issuer"),
                "date": meta.get("date"),
                "label": final,
                "label_name": LABEL_NAMES.get(final or "", ""),
                "final_source": (SOURCE_ADVISOR if decision else SOURCE_MODEL) if final else "",
                "model_label": model_label,
                "model_label_name": LABEL_NAMES.get(model_label or "", ""),
                "model_probability": probabilities.get(model_label) if model_label else None,
                "probabilities": probabilities,
                "evidence": [evidence_phrase(e) for e, _ in f["prediction"].evidence]
                if f["prediction"]
                else [],
                "repeal_reasons": [x for x in findings if x["group"] == "repeal"],
                "flags": [x for x in findings if x["group"] != "repeal"],
                "decision_label": decision["label"] if decision else None,
                "decision_label_name": LABEL_NAMES.get(decision["label"], "") if decision else "",
                "reviewer": decision["reviewer"] if decision else None,
                "reason": decision["reason"] if decision else None,
                "decided_at": decision["decided_at"] if decision else None,
            }
        )
    ok_rows = [r for r in rows if r["status"] == OK]
    label_counts = Counter(r["label"] for r in ok_rows)
    counts = {
        "files": len(rows),
        "screened": len(ok_rows),
        "failed": sum(r["status"] == FAILED for r in rows),
        "needs_ocr": sum(r["status"] == NEEDS_OCR for r in rows),
        **{lab: label_counts[lab] for lab in LABELS},
        "reviewed": sum(r["decision_label"] is not None for r in ok_rows),
        "unreviewed": sum(r["decision_label"] is None for r in ok_rows),
    }
    decided = [r for r in ok_rows if r["decision_label"]]
    history = [d for d in store.decision_rows() if d["sha256"] in shas]
    reviewers: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"decisions": 0, "undos": 0, "overrides": 0, "first": None, "last": None}
    )
    for d in history:
        stats = reviewers[d["reviewer"]]
        stats["decisions" if d["kind"] == "decision" else "undos"] += 1
        if d["kind"] == "decision" and d["model_label"] and d["model_label"] != d["label"]:
            stats["overrides"] += 1
        stats["first"] = stats["first"] or d["decided_at"]
        stats["last"] = d["decided_at"]
    verification = ledger.verify(store)
    listed = catalogues(rows)
    card = (
        model.card
        if model is not None and model.version == batch["model_version"]
        else _card_of(batch["model_version"])
    )
    return {
        "title": "行政规范性文件审查报告",
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "batch": {
            k: batch[k]
            for k in ("id", "created_at", "finished_at", "status", "as_of", "model_version")
        },
        "as_of": as_of,
        "summary": summary_sentence(counts),
        "counts": counts,
        "files": rows,
        "agreement": {
            "labels": list(LABELS),
            "confusion": confusion(
                [r["model_label"] for r in decided], [r["decision_label"] for r in decided], LABELS
            ),
            "documents": len(decided),
            "agreement": (
                sum(r["model_label"] == r["decision_label"] for r in decided) / len(decided)
            )
            if decided
            else None,
        },
        "overrides": [
            {
                "seq": r["seq"],
                "file": r["file"],
                "title": r["title"],
                "model": r["model_label_name"],
                "advisor": r["decision_label_name"],
                "reviewer": r["reviewer"],
                "reason": r["reason"],
            }
            for r in decided
            if r["model_label"] != r["decision_label"]
        ],
        "reviewers": [{"reviewer": name, **stats} for name, stats in sorted(reviewers.items())],
        "decisions": history,
        "ledger": {
            "ok": verification.ok,
            "rows": verification.rows,
            "problem": verification.problem,
            "first_bad_id": verification.first_bad_id,
        },
        "model": {"version": batch["model_version"], "card": card},
        "catalogues": listed,
        "catalogue_notes": {key: catalogue_note(items) for key, items in listed.items()},
    }


def _model_of(version: str) -> ScreeningModel | None:
    from ..model.registry import find_model

    try:
        return ScreeningModel.load(find_model(version).path)
    except Exception:  # removed or never installed here
        return None


def _card_of(version: str) -> dict[str, Any]:
    from ..model.registry import find_model

    try:
        return find_model(version).card
    except Exception:  # the model may have been removed; the report still stands
        return {"version": version}


def catalogue_reason(row: dict[str, Any]) -> str:
    """The 理由 of a catalogue entry, saying exactly what was reviewed: the advisor's reason, or
    模型初判（待审核） with the rules' repeal reasons; open red flags are named, never called lawful."""
    decided = row["decision_label"] is not None
    if row["label"] == REPEAL:
        grounds = "；".join(_finding_text(f).rstrip("。") for f in row["repeal_reasons"])
        if decided:
            return row["reason"] or "法律顾问审核决定建议废止" + (
                f"；筛查发现的废止理由：{grounds}" if grounds else ""
            )
        return f"{SOURCE_MODEL}；{grounds or '模型判断建议废止'}"
    text = (row["reason"] or "法律顾问审核决定继续有效") if decided else SOURCE_MODEL
    titles = "、".join(dict.fromkeys(f["title"] for f in row["flags"]))
    if row["flags"]:
        text += (
            f"；{'筛查' if decided else '初步筛查发现'}风险提示{len(row['flags'])}项（{titles}）"
        )
        text += "" if decided else "，待法律顾问核实"
    elif not decided:
        text += "；初步筛查未发现风险提示"
    return text


def catalogues(rows: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """继续有效 and 建议废止 catalogues (序号, 文件名称, 文号, 制定机关, 发布日期, 理由), each entry
    with its 审核状态 (法律顾问已审核 or 模型初判（待审核）)."""
    out: dict[str, list[dict[str, Any]]] = {"continuing": [], "repeal": []}
    for row in rows:
        if row["status"] != OK or row["label"] not in (NORMATIVE, REPEAL):
            continue
        key = "continuing" if row["label"] == NORMATIVE else "repeal"
        out[key].append(
            {
                "序号": len(out[key]) + 1,
                "文件名称": row["title"] or row["file"],
                "文号": row["doc_number"] or "",
                "制定机关": row["issuer"] or "",
                "发布日期": row["date"] or "",
                "理由": catalogue_reason(row),
                "审核状态": row["final_source"],
            }
        )
    return out


def catalogue_note(items: Sequence[dict[str, Any]]) -> str:
    """The line under a catalogue saying how many of its entries no advisor has reviewed."""
    unreviewed = sum(item["审核状态"] == SOURCE_MODEL for item in items)
    if not unreviewed:
        return ""
    return (
        f"注：本目录中{unreviewed}份文件的结论为模型初判（待审核），尚未经法律顾问审核，"
        "不能作为清理结论公布。"
    )


CATALOGUE_TITLES = {"continuing": "继续有效的规范性文件目录", "repeal": "建议废止的规范性文件目录"}
CATALOGUE_COLUMNS = ("序号", "文件名称", "文号", "制定机关", "发布日期", "理由")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "；".join(_finding_text(v) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


_compact = json.JSONEncoder(ensure_ascii=False, default=str).encode


def _json_text(value: Any, depth: int = 0) -> str:
    """``value`` as indented JSON, except that a list of objects (the files, a catalogue's rows)
    puts each object on one line: a batch's report reads, greps and diffs file by file, and
    each row is encoded by json's C encoder (indented output takes the pure-Python one)."""
    pad = "  " * depth
    if isinstance(value, dict) and value:
        items = [
            f"{pad}  {_compact(str(key))}: {_json_text(item, depth + 1)}"
            for key, item in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return "[\n" + ",\n".join(f"{pad}  {_compact(item)}" for item in value) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False, indent=2, default=str).replace("\n", "\n" + pad)


def write_json(report: dict[str, Any], path: Path) -> None:
    path.write_text(_json_text(report) + "\n", encoding="utf-8")


def write_csv(report: dict[str, Any], path: Path) -> None:
    # UTF-8 with BOM so that Excel opens the Chinese text correctly.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([title for _, title in CSV_COLUMNS])
        for row in report["files"]:
            writer.writerow([_cell(row.get(key)) for key, _ in CSV_COLUMNS])


def _md(text: Any) -> str:
    return _cell(text).replace("|", "\\|").replace("\n", " ")


def write_md(report: dict[str, Any], path: Path) -> None:
    batch = report["batch"]
    lines = [
        f"# {report['title']}", "", report["summary"], "",
        f"- 批次：{batch['id']}", f"- 评估基准日：{report['as_of']}", f"- 模型版本：{batch['model_version']}",
        f"- 审查台账：{'哈希链完整' if report['ledger']['ok'] else '哈希链校验失败：' + str(report['ledger']['problem'])}"
        f"（决定记录 {report['ledger']['rows']} 条）",
        "", "## 逐件结果", "",
        "| 序号 | 文件 | 标题 | 文号 | 结论 | 来源 | 模型结论（概率） | 理由与风险提示 | 状态 |",
        "|---:|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for row in report["files"]:
        status = row["status_name"] + (f"：{row['error']}" if row["error"] else "")
        model = (
            f"{row['model_label_name']}（{row['model_probability']:.2f}）"
            if row["model_label"]
            else ""
        )
        notes = [_finding_text(f) for f in row["repeal_reasons"] + row["flags"]]
        if row["reason"]:
            notes.insert(0, f"顾问理由：{row['reason']}")
        lines.append(
            "| "
            + " | ".join(
                _md(v)
                for v in (
                    row["seq"],
                    row["file"],
                    row["title"],
                    row["doc_number"],
                    row["label_name"],
                    row["final_source"],
                    model,
                    "；".join(notes),
                    status,
                )
            )
            + " |"
        )
    for key, title in CATALOGUE_TITLES.items():
        lines += ["", f"## {title}", ""]
        items = report["catalogues"][key]
        if not items:
            lines.append("（无）")
            continue
        lines.append("| " + " | ".join(CATALOGUE_COLUMNS) + " |")
        lines.append("|" + "---|" * len(CATALOGUE_COLUMNS))
        lines += [
            "| " + " | ".join(_md(item[c]) for c in CATALOGUE_COLUMNS) + " |" for item in items
        ]
        if report["catalogue_notes"][key]:
            lines += ["", report["catalogue_notes"][key]]
    agreement = report["agreement"]
    if agreement["documents"]:
        lines += ["", "## 模型与法律顾问的一致性", "", f"已审核 {agreement['documents']} 份，一致率 {agreement['agreement']:.1%}。", "",
                  "| 模型＼顾问 | " + " | ".join(LABEL_NAMES[lab] for lab in LABELS) + " |", "|---|---:|---:|---:|"]  # fmt: skip
        # confusion() rows are the first argument (model), columns the second (advisor).
        for lab, counts_row in zip(LABELS, agreement["confusion"], strict=True):
            lines.append(f"| {LABEL_NAMES[lab]} | " + " | ".join(str(n) for n in counts_row) + " |")
    lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


#: format -> (file name, module of its writer or "" for this one, writer function)
WRITERS = {
    "json": ("report.json", "", "write_json"),
    "csv": ("report.csv", "", "write_csv"),
    "md": ("report.md", "", "write_md"),
    "html": ("report.html", "screening.report.html", "write_html"),
    "xlsx": ("report.xlsx", "screening.report.xlsx", "write_xlsx"),
    "docx": ("catalogue.docx", "screening.report.docx", "write_docx"),
}


def write_reports(
    report: dict[str, Any], out_dir: Path, formats: Sequence[str] = SCREEN_FORMATS
) -> list[Path]:
    """Write ``formats`` of ``report`` into ``out_dir``; return the paths written."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"不支持的报告格式：{', '.join(unknown)}（可选：{', '.join(FORMATS)}）。")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"无法创建报告目录 {out_dir}：{exc.strerror}。") from exc
    _remove_stale_temporaries(out_dir)
    written = []
    for fmt in formats:
        name, module, function = WRITERS[fmt]
        path = out_dir / name
        # Writers of heavy formats live in their own modules, imported only when asked for.
        writer = (
            getattr(importlib.import_module(module), function) if module else globals()[function]
        )
        _write_atomically(writer, report, path)
        written.append(path)
    return written


#: A temporary report file older than this was left by a killed process, not being written.
_STALE_S = 3600


def _remove_stale_temporaries(out_dir: Path) -> None:
    now = time.time()
    for name, _, _ in WRITERS.values():
        for temporary in out_dir.glob(f".{name}.*.tmp"):
            with suppress(OSError):
                if now - temporary.lstat().st_mtime > _STALE_S:
                    temporary.unlink()


def _write_atomically(writer: Any, report: dict[str, Any], path: Path) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, then rename it over ``path``.

    A process killed half-way, or a disk that fills up, leaves the previous report (or none)
    under the final name, never a half-written one.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        writer(report, temporary)
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        raise ReportWriteError(
            f"无法写入报告 {path}：{exc.strerror or exc}。审查结果已保存在台账中；"
            "请检查磁盘空间和目录权限后，用 screening report 重新生成报告。"
        ) from exc
    finally:
        with suppress(OSError):
            temporary.unlink(missing_ok=True)


def screen_and_report(
    store: Store,
    paths: Sequence[str | Path],
    model: ScreeningModel,
    as_of: str,
    out_dir: Path,
    formats: Sequence[str] = SCREEN_FORMATS,
    progress: Any = None,
    limits: Limits | None = None,
    executor: Any = None,
) -> tuple[dict[str, Any], list[Path]]:
    """The main job: screen ``paths`` as one batch, then write its report into ``out_dir``.

    ``executor`` (see :mod:`screening.pipeline.parallel`) says where the files are analysed."""
    from ..pipeline import screen_paths

    # Only the batch id is kept: the report is read back from the ledger, and the rows of a
    # batch of tens of thousands of files need not stay in memory while it is built.
    batch_id = screen_paths(
        paths, store, model, as_of, limits=limits, progress=progress, executor=executor
    ).batch_id
    report = build_report(store, batch_id, as_of, model)
    return report, write_reports(report, out_dir, formats)
