"""Score a model on a labelled JSONL dataset of the dev-set shape.

Each line is a JSON object with at least ``id``, ``text`` and ``label``; ``title``,
``doc_number``, ``issuer``, ``date`` and ``source`` are used when present. Catalogue records often
carry the title and 文号 beside the text rather than in it; such a record is read as a file whose
first lines are its title and 文号, which is what the paper or PDF would show.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..labels import LABEL_NAMES, LABELS, NORMATIVE, REPEAL
from ..law import DOC_NUMBER, MASKED_DOC_NUMBER, Metadata, batch_context, parse_metadata
from .assess import Assessment, analyze_text, assess
from .classifier import KindScore, ScreeningModel
from .metrics import summarize

MASK = MASKED_DOC_NUMBER
Progress = Callable[[int, int], None]


@dataclass
class Record:
    id: str
    text: str
    label: str
    title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    date: str | None = None
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_LABEL_ALIASES = {name: key for key, name in LABEL_NAMES.items()}
_EXAMPLE = '{"id": "a1", "text": "……全文……", "label": "normative"}'


def load_dataset(path: Path) -> list[Record]:
    """Read and check a labelled JSONL file; errors name the line.

    Labels are the keys (normative, non_normative, repeal) or the names users see
    (规范性文件, 不属于规范性文件, 建议废止). A UTF-8 byte-order mark is accepted.
    """
    if not path.is_file():
        raise UsageError(f"找不到数据集文件：{path}。")
    records: list[Record] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(
                    f"数据集 {path} 第 {number} 行不是合法的 JSON：{exc.msg}。"
                    f"每行应是一个 JSON 对象，例如 {_EXAMPLE}"
                ) from exc
            if not isinstance(obj, dict):
                raise UsageError(f"数据集 {path} 第 {number} 行不是 JSON 对象，例如应为 {_EXAMPLE}")
            missing = [k for k in ("id", "text", "label") if not obj.get(k)]
            if missing:
                raise UsageError(
                    f"数据集 {path} 第 {number} 行缺少字段：{', '.join(missing)}"
                    f"（每行须有 id、text、label）。"
                )
            if not isinstance(obj["text"], str):
                raise UsageError(f"数据集 {path} 第 {number} 行的 text 须为字符串（文件全文）。")
            obj["label"] = _LABEL_ALIASES.get(str(obj["label"]).strip(), str(obj["label"]).strip())
            if obj["label"] not in LABELS:
                raise UsageError(
                    f"数据集 {path} 第 {number} 行的标签 {obj['label']!r} 无效"
                    f"（可选：{', '.join(LABELS)}，或 {'、'.join(LABEL_NAMES.values())}）。"
                )
            key = str(obj["id"])
            if key in seen:
                raise UsageError(
                    f"数据集 {path} 第 {number} 行的 id {key!r} 与第 {seen[key]} 行重复；"
                    "同一批次中每份文件的 id 须唯一。"
                )
            seen[key] = number
            known = {"id", "text", "label", "title", "doc_number", "issuer", "date", "source"}
            records.append(
                Record(
                    id=str(obj["id"]),
                    text=obj["text"],
                    label=obj["label"],
                    title=obj.get("title") or None,
                    doc_number=obj.get("doc_number") or None,
                    issuer=obj.get("issuer") or None,
                    date=obj.get("date") or None,
                    source=(obj.get("source") or "").split(":")[0] or None,
                    extra={k: v for k, v in obj.items() if k not in known},
                )
            )
    if not records:
        raise UsageError(f"数据集 {path} 中没有任何记录。")
    return records


def document_text(record: Record) -> str:
    """The text of ``record`` as the file would show it: a catalogue record whose text lacks its
    title or 文号 gets them as first lines."""
    head = re.sub(r"\s+", "", record.text[:600])
    lines = []
    if record.title and re.sub(r"\s+", "", record.title) not in head:
        lines.append(record.title)
    if record.doc_number and re.sub(r"\s+", "", record.doc_number) not in head:
        lines.append(record.doc_number)
    return "\n".join([*lines, record.text])


def document_of(record: Record, mask_doc_numbers: bool = False) -> tuple[str, Metadata]:
    """The text and metadata the model sees for ``record``."""
    text = document_text(record)
    meta = parse_metadata(text)
    meta.title = meta.title or record.title
    meta.doc_number = meta.doc_number or record.doc_number
    meta.issuer = meta.issuer or record.issuer
    if record.date and len(record.date) == 10:
        meta.date = meta.date or record.date
    if mask_doc_numbers:

        def mask(s: str) -> str:
            s = DOC_NUMBER.sub(MASK, s)
            return s.replace(record.doc_number, MASK) if record.doc_number else s

        text = mask(text)
        meta.doc_number = MASK
        meta.title = mask(meta.title) if meta.title else meta.title
    return text, meta


def assess_records(
    model: ScreeningModel,
    records: list[Record],
    as_of: str,
    mask_doc_numbers: bool = False,
    progress: Progress | None = None,
) -> tuple[list[Assessment], list[KindScore]]:
    """Every record assessed as the file it stands for, the records read as one batch (a newer
    record can end or extend an older one by its 文号 or title); and the text part's score of
    each, for the scores without the legal rules."""
    as_of_date = date.fromisoformat(as_of)
    documents = [document_of(r, mask_doc_numbers) for r in records]
    kinds, analyses = [], []
    for i, (text, meta) in enumerate(documents):
        kinds.append(model.kind(text, meta))
        analyses.append(analyze_text(text, meta, as_of_date))
        if progress:
            progress(i + 1, len(records))
    context = batch_context(
        [(r.id, a.structure) for r, a in zip(records, analyses, strict=True)], as_of_date
    )
    assessed = [
        assess(model, k, a, context, r.id) for r, k, a in zip(records, kinds, analyses, strict=True)
    ]
    return assessed, kinds


#: Sources with fewer documents are left out of the macro over sources (too few to score).
MIN_SOURCE = 10
#: A wrong label given with at least this probability is a confident error.
CONFIDENT = 0.9


def _source_scores(
    y_true: list[str], y_pred: list[str], conf: list[float], idx: list[int]
) -> dict[str, Any]:
    scores = summarize(
        [y_true[i] for i in idx], [y_pred[i] for i in idx], [conf[i] for i in idx], LABELS
    )
    repeal = [i for i in idx if y_true[i] == REPEAL]
    return {
        "n": len(idx),
        "accuracy": scores["accuracy"],
        "macro_f1": scores["macro_f1"],
        "ece": scores["ece"],
        "repeal_recall": (
            sum(y_pred[i] == REPEAL for i in repeal) / len(repeal) if repeal else None
        ),
        "confident_errors": sum(y_pred[i] != y_true[i] and conf[i] >= CONFIDENT for i in idx),
    }


def review_effort(
    assessed: list[Assessment], y_true: list[str], weights: dict[str, float], share: float = 0.95
) -> float | None:
    """The share of the batch an advisor working down the review queue (its default order) has
    read when they have met ``share`` of the model's mistakes; ``None`` without mistakes."""
    from ..review import priority_key

    order = sorted(
        range(len(assessed)),
        key=lambda i: priority_key(
            assessed[i].label,
            assessed[i].prediction.probabilities,
            [f.to_dict(weights) for f in assessed[i].prediction.facts],
            len(assessed[i].flags),
            i,
            [f.to_dict() for f in assessed[i].repeal_reasons],
        ),
    )
    wrong = [i for i in order if assessed[i].label != y_true[i]]
    if not wrong:
        return None
    needed = math.ceil(share * len(wrong))
    position = order.index(wrong[needed - 1]) + 1
    return position / len(assessed)


def evaluate(
    model: ScreeningModel,
    records: list[Record],
    as_of: str,
    mask_doc_numbers: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Metrics overall, per source and over sources, and every misclassified record with its
    top evidence.

    The records are read as one batch: a newer record can end an older one by its 文号 or
    title. ``without_rules`` scores the text part of the same model alone (no legal facts, no
    rules). ``macro_over_sources`` is the mean macro-F1 of the sources with at least
    :data:`MIN_SOURCE` records: a large source cannot hide a small one that fails.
    """
    assessed, kinds = assess_records(model, records, as_of, mask_doc_numbers, progress)
    y_true = [r.label for r in records]
    y_pred = [a.label for a in assessed]
    conf = [a.prediction.probabilities[a.label] for a in assessed]
    result = summarize(y_true, y_pred, conf, LABELS)
    bare = [
        model.combine(k, [], a.analysis.structure.issuer_level)
        for k, a in zip(kinds, assessed, strict=True)
    ]
    result["without_rules"] = summarize(
        y_true, [p.label for p in bare], [p.probabilities[p.label] for p in bare], LABELS
    )
    result["normative_vs_rest_accuracy"] = sum(
        (t == NORMATIVE) == (p == NORMATIVE) for t, p in zip(y_true, y_pred, strict=True)
    ) / len(y_true)
    result["confident_errors"] = sum(
        p != t and c >= CONFIDENT for t, p, c in zip(y_true, y_pred, conf, strict=True)
    )
    result["review_effort_95"] = review_effort(assessed, y_true, model.fact_weights)
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        by_source[record.source or "—"].append(i)
    result["per_source"] = {
        source: _source_scores(y_true, y_pred, conf, idx)
        for source, idx in sorted(by_source.items())
    }
    scored = [s["macro_f1"] for s in result["per_source"].values() if s["n"] >= MIN_SOURCE]
    result["macro_over_sources"] = sum(scored) / len(scored) if scored else None
    result["misclassified"] = [
        {
            "id": record.id,
            "source": record.source,
            "title": a.analysis.structure.title,
            "label": record.label,
            "predicted": a.label,
            "probability": a.prediction.probabilities[a.label],
            "evidence": [e.phrase for e in a.prediction.evidence],
            "legal_facts": [f.kind.title for f in a.prediction.facts],
            "repeal_reasons": [f.rule.title for f in a.repeal_reasons],
        }
        for record, a in zip(records, assessed, strict=True)
        if a.label != record.label
    ]
    result["as_of"] = as_of
    result["mask_doc_numbers"] = mask_doc_numbers
    result["model_version"] = model.version
    return result
