"""The decision ledger: what advisors decided, append-only and hash-chained.

Every decision is a new row; an undo is a new row that retracts an earlier one; the current label
of a document is derived from the rows, never updated in place. Each row's ``hash`` is the sha256
of its fields (``prev_hash`` included, ``hash`` excluded) as canonical JSON, so editing, deleting
or reordering any row breaks the chain from that row on, and :func:`verify` names it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AlreadyDecidedError, DocumentBusyError, UsageError
from ..labels import LABEL_NAMES, LABELS
from .store import DECISION_COLUMNS, GENESIS_HASH, Store, utc_now

DECISION, UNDO = "decision", "undo"
_HASHED = tuple(c for c in DECISION_COLUMNS if c != "hash")
#: How long a review lease lasts without being renewed: a reviewer's session renews it while it
#: runs, so this is how long a crashed reviewer's document stays out of the others' queues.
LEASE_SECONDS = 60.0


def row_hash(row: dict[str, Any]) -> str:
    """The chained hash of a decision row: sha256 over every field but ``hash`` itself."""
    canonical = json.dumps(
        {k: row.get(k) for k in _HASHED}, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class Shown:
    """What the model said when the reviewer decided."""

    model_version: str | None
    label: str | None
    probabilities: dict[str, float] | None


def record(
    store: Store,
    sha256: str,
    label: str,
    reviewer: str,
    reason: str | None = None,
    batch_id: str | None = None,
    shown: Shown | None = None,
    corrects_uid: str | None = None,
    if_undecided: bool = False,
) -> dict[str, Any]:
    """Append a decision; commit before returning.

    With ``if_undecided`` the decision is recorded only if the document has no current decision
    (by anyone), checked under the chain's lock: of two reviewers deciding the same document at
    once, the second is refused with :class:`AlreadyDecidedError`.
    """
    if label not in LABELS:
        raise UsageError(f"标签 {label!r} 无效（可选：{', '.join(LABELS)}）。")
    if not reviewer.strip():
        raise UsageError("请用 --reviewer 写明审查人姓名。")
    shown = shown or Shown(None, None, None)
    return store.append_decision(
        {
            "uid": uuid.uuid4().hex,
            "sha256": sha256,
            "batch_id": batch_id,
            "kind": DECISION,
            "label": label,
            "reason": reason or None,
            "reviewer": reviewer.strip(),
            "decided_at": utc_now(),
            "model_version": shown.model_version,
            "model_label": shown.label,
            "model_probabilities": json.dumps(shown.probabilities) if shown.probabilities else None,
            "corrects_uid": corrects_uid,
            "source": "local",
        },
        row_hash,
        _refuse_if_decided if if_undecided else None,
    )


def _refuse_if_decided(rows: list[dict[str, Any]]) -> None:
    current = effective(rows)
    if current:
        last = current[-1]
        raise AlreadyDecidedError(
            f"该文件已由 {last['reviewer']} 于 {last['decided_at']} 决定为"
            f"{LABEL_NAMES[last['label']]}，未重复记录。"
        )


def record_leased(
    store: Store,
    sha256: str,
    label: str,
    reviewer: str,
    reason: str | None = None,
    batch_id: str | None = None,
    shown: Shown | None = None,
    if_undecided: bool = False,
) -> dict[str, Any]:
    """:func:`record` a decision outside the review screen, unless another reviewer has the
    document open there (holds its lease): then :class:`DocumentBusyError`."""
    session = uuid.uuid4().hex
    holder = store.acquire_lease(sha256, reviewer.strip() or "?", session, LEASE_SECONDS)
    if holder is not None:
        raise DocumentBusyError(
            f"该文件正由 {holder[0]} 在审查界面中打开（租约约 {holder[1]:.0f} 秒后到期）。"
            "请稍后再记录，或先与其商量。"
        )
    try:
        return record(
            store, sha256, label, reviewer, reason, batch_id, shown, if_undecided=if_undecided
        )
    finally:
        store.release_leases(session, sha256)


def effective(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Decision rows not retracted by an undo row (in ledger order)."""
    retracted = {r["corrects_uid"] for r in rows if r["kind"] == UNDO}
    return [r for r in rows if r["kind"] == DECISION and r["uid"] not in retracted]


def undo_last(store: Store, reviewer: str, batch_id: str | None = None) -> dict[str, Any] | None:
    """Retract the reviewer's latest effective decision (in ``batch_id`` if given) by appending an
    undo row. Returns the retracted decision, or ``None`` when there is nothing to undo."""
    candidates = [
        r
        for r in effective(store.decision_rows())
        if r["reviewer"] == reviewer and (batch_id is None or r["batch_id"] == batch_id)
    ]
    if not candidates:
        return None
    target = candidates[-1]
    store.append_decision(
        {
            "uid": uuid.uuid4().hex,
            "sha256": target["sha256"],
            "batch_id": target["batch_id"],
            "kind": UNDO,
            "label": None,
            "reason": None,
            "reviewer": reviewer,
            "decided_at": utc_now(),
            "model_version": None,
            "model_label": None,
            "model_probabilities": None,
            "corrects_uid": target["uid"],
            "source": "local",
        },
        row_hash,
    )
    return target


def current_decisions(store: Store, reviewer: str | None = None) -> dict[str, dict[str, Any]]:
    """The current decision per document sha256 (the latest effective one), optionally of one reviewer."""
    current: dict[str, dict[str, Any]] = {}
    for row in effective(store.decision_rows()):
        if reviewer is None or row["reviewer"] == reviewer:
            current[row["sha256"]] = row
    return current


@dataclass
class Verification:
    rows: int
    ok: bool
    first_bad_id: int | None = None
    problem: str | None = None


def verify(store: Store) -> Verification:
    """Recompute the hash chain; name the first row that does not match."""
    rows = store.decision_rows()
    prev = GENESIS_HASH
    for position, row in enumerate(rows, start=1):
        if row["id"] != position:
            return Verification(
                len(rows),
                False,
                row["id"],
                f"第 {position} 行的序号为 {row['id']}：有记录被删除或调换了顺序。",
            )
        if row["prev_hash"] != prev:
            return Verification(
                len(rows),
                False,
                row["id"],
                f"第 {row['id']} 条记录与上一条记录的链接不符：前面的记录被删除、修改或调换了顺序。",
            )
        if row_hash(row) != row["hash"]:
            return Verification(
                len(rows),
                False,
                row["id"],
                f"第 {row['id']} 条记录的内容与其哈希不符：该记录被修改过。",
            )
        prev = row["hash"]
    return Verification(len(rows), True)


# -- export / import
#: Export columns: the stored ones (chain fields last) plus every path the document was seen at.
EXPORT_FIELDS = (
    "uid",
    "sha256",
    "paths",
    *(c for c in DECISION_COLUMNS if c not in ("uid", "sha256", "prev_hash", "id", "hash")),
    "id",
    "hash",
)
#: What makes two rows with the same uid the same decision (ledger position and chain excluded).
_CONTENT = tuple(
    c for c in DECISION_COLUMNS if c not in ("id", "uid", "batch_id", "source", "prev_hash", "hash")
)


def export_rows(store: Store) -> list[dict[str, Any]]:
    """Every decision row (not only the latest), with the document's paths."""
    out = []
    for row in store.decision_rows():
        item = {k: row.get(k) for k in EXPORT_FIELDS if k != "paths"}
        item["paths"] = store.document_paths(row["sha256"])
        out.append({k: item[k] for k in EXPORT_FIELDS})
    return out


def export_text(store: Store, fmt: str) -> str:
    rows = export_rows(store)
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "paths": json.dumps(row["paths"], ensure_ascii=False)})
        return buffer.getvalue()
    raise UsageError(f"不支持的导出格式：{fmt}（可选：jsonl、csv）。")


@dataclass
class ImportResult:
    added: int
    already_present: int
    conflicts: list[str]


def _read_import(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"无法读取 {path}：{exc}。应为 screening decisions export 导出的 UTF-8 文件。"
        ) from exc
    if text.lstrip().startswith("{"):
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
                    raise UsageError(f"{path} 第 {number} 行不是合法的 JSON。") from exc
        return rows
    try:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "uid" not in reader.fieldnames:
            raise UsageError(f"{path} 不是 screening decisions export 导出的文件（缺少 uid 列）。")
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in reader]
    except csv.Error as exc:  # a field past the size limit, a stray NUL …
        raise UsageError(
            f"{path} 第 {reader.line_num} 行不是合法的 CSV（{exc}）。应为 screening decisions export 导出的文件。"
        ) from exc


def import_file(store: Store, path: Path) -> ImportResult:
    """Append the decisions of an export file that this ledger does not hold yet (by uid).

    Importing the same file twice adds nothing; a row whose uid exists with different content is
    a conflict: it is reported and not imported.
    """
    added = present = 0
    conflicts: list[str] = []
    for row in _read_import(path):
        if not _well_typed(row):
            uid = row.get("uid") if isinstance(row, dict) else None
            shown = uid if isinstance(uid, str) and _storable(uid) else "（无 uid）"
            conflicts.append(f"{shown[:64]}：记录格式无效（不是对象，或字段类型不对），未导入。")
            continue
        missing = [k for k in ("uid", "sha256", "kind", "reviewer", "decided_at") if not row.get(k)]
        if (
            missing
            or row.get("kind") not in (DECISION, UNDO)
            or (row["kind"] == DECISION and row.get("label") not in LABELS)
        ):
            conflicts.append(f"{row.get('uid') or '（无 uid）'}：记录不完整或标签无效，未导入。")
            continue
        mine = store.decision_by_uid(row["uid"])
        if mine is not None:
            if all(_norm(mine.get(k)) == _norm(row.get(k)) for k in _CONTENT):
                present += 1
            else:
                different = [k for k in _CONTENT if _norm(mine.get(k)) != _norm(row.get(k))]
                conflicts.append(
                    f"{row['uid']}：与台账中同一记录的 {', '.join(different)} 不同，未导入。"
                )
            continue
        store.append_decision(
            {
                "uid": row["uid"],
                "sha256": row["sha256"],
                "batch_id": row.get("batch_id"),
                "kind": row["kind"],
                "label": row.get("label"),
                "reason": row.get("reason"),
                "reviewer": row["reviewer"],
                "decided_at": row["decided_at"],
                "model_version": row.get("model_version"),
                "model_label": row.get("model_label"),
                "model_probabilities": _norm(row.get("model_probabilities")),
                "corrects_uid": row.get("corrects_uid"),
                "source": f"import:{path.name}",
            },
            row_hash,
        )
        added += 1
    return ImportResult(added, present, conflicts)


#: Imported fields stored as text; model_probabilities may also be a JSON object.
_TEXT_FIELDS = (
    "uid", "sha256", "batch_id", "kind", "label", "reason", "reviewer", "decided_at",
    "model_version", "model_label", "corrects_uid",
)  # fmt: skip


def _storable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a JSON "\ud800" escape
        return False
    return True


def _well_typed(row: Any) -> bool:
    """True when ``row`` is an object whose stored fields are text (or absent)."""
    if not isinstance(row, dict):
        return False
    for key in _TEXT_FIELDS:
        value = row.get(key)
        if value is not None and not (isinstance(value, str) and _storable(value)):
            return False
    probabilities = row.get("model_probabilities")
    if isinstance(probabilities, dict):
        try:
            json.dumps(probabilities, ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError):
            return False
        return True
    return probabilities is None or (isinstance(probabilities, str) and _storable(probabilities))


def _norm(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value)
    return value


# -- agreement
def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    """Cohen's kappa of two raters over the same items (None when undefined)."""
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    if expected == 1:
        return 1.0 if observed == 1 else None
    return (observed - expected) / (1 - expected)


def agreement(store: Store) -> dict[str, Any]:
    """Model-vs-advisor agreement per label, and reviewer-pair kappa with the disagreements."""
    current = current_decisions(store)
    per_label: dict[str, dict[str, int]] = {
        lab: {"advisor": 0, "model": 0, "both": 0} for lab in LABELS
    }
    overrides = []
    for sha, row in current.items():
        model_label = row["model_label"]
        if model_label is None:
            prediction = store.latest_prediction_any(sha)
            model_label = prediction.label if prediction else None
        if model_label is None:
            continue
        per_label[row["label"]]["advisor"] += 1
        per_label[model_label]["model"] += 1
        if model_label == row["label"]:
            per_label[row["label"]]["both"] += 1
        else:
            overrides.append(
                {
                    "sha256": sha,
                    "model": model_label,
                    "advisor": row["label"],
                    "reviewer": row["reviewer"],
                    "reason": row["reason"],
                }
            )
    compared = sum(v["advisor"] for v in per_label.values())
    agreed = sum(v["both"] for v in per_label.values())
    by_reviewer: dict[str, dict[str, str]] = defaultdict(dict)
    for row in effective(store.decision_rows()):
        by_reviewer[row["reviewer"]][row["sha256"]] = row["label"]
    pairs = []
    names = sorted(by_reviewer)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            shared = sorted(set(by_reviewer[first]) & set(by_reviewer[second]))
            if not shared:
                continue
            a = [by_reviewer[first][s] for s in shared]
            b = [by_reviewer[second][s] for s in shared]
            pairs.append(
                {
                    "reviewers": [first, second],
                    "documents": len(shared),
                    "kappa": cohen_kappa(a, b),
                    "disagreements": [
                        {"sha256": s, first: x, second: y}
                        for s, x, y in zip(shared, a, b, strict=True)
                        if x != y
                    ],
                }
            )
    return {
        "documents": compared,
        "agreement": agreed / compared if compared else None,
        "per_label": {
            lab: {
                **v,
                "precision": v["both"] / v["model"] if v["model"] else None,
                "recall": v["both"] / v["advisor"] if v["advisor"] else None,
            }
            for lab, v in per_label.items()
        },
        "overrides": overrides,
        "reviewer_pairs": pairs,
    }


def resolve_document(store: Store, file_or_sha: str) -> str:
    """The sha256 of a file path, or of a stored document by its sha256 (or a unique prefix ≥ 8)."""
    path = Path(file_or_sha)
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    key = file_or_sha.strip().lower()
    if len(key) >= 8 and all(c in "0123456789abcdef" for c in key):
        found = store.find_documents(key)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise UsageError(f"SHA-256 前缀 {key} 对应多份文件，请写得更长一些。")
        raise UsageError(
            f"台账中没有 SHA-256 以 {key} 开头的文件。请先用 screening screen 审查该文件。"
        )
    raise UsageError(f"找不到文件：{file_or_sha}。请给出文件路径或其 SHA-256（至少 8 位）。")


__all__ = [
    "LABEL_NAMES",
    "Shown",
    "agreement",
    "current_decisions",
    "export_text",
    "import_file",
    "record",
    "resolve_document",
    "undo_last",
    "verify",
]


def decided_documents(store: Store) -> list[dict[str, Any]]:
    """Every document with a current decision: sha256, label, reviewer, the text as extracted and
    the as-of date of the batch it was decided in (else the decision's date)."""
    out = []
    for sha, row in sorted(current_decisions(store).items()):
        extraction = store.extraction(sha)
        if extraction is None:
            continue  # -- decided (e.g. imported) but never screened here: no text to learn from
        batch = store.batch(row["batch_id"]) if row["batch_id"] else None
        out.append(
            {
                "sha256": sha,
                "label": row["label"],
                "reviewer": row["reviewer"],
                "text": extraction.text,
                "text_sha256": extraction.text_sha256,
                "metadata": extraction.metadata,
                "as_of": batch["as_of"] if batch else row["decided_at"][:10],
            }
        )
    return out
