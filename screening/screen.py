"""Screen a batch: walk, identify, extract, read, classify, apply the legal rules, record.

Each file's rows are committed before the next file starts, so an interrupted batch loses
nothing finished; a rerun reuses the stored extraction of every file already read and the stored
prediction of every file already screened with the same model at the same as-of date. Once every
file is in, batch-wide rules run (a newer file that repeals an older one by 文号 or title) and
each file's final label is recorded in the batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .assess import analyze_text, assess, batch_context
from .config import Limits
from .errorlog import internal_error_message, log_exception
from .errors import ExtractionError, NoTextLayerError, ReaderBugError
from .extract import EXTRACTOR_VERSION, extract_with_limits
from .labels import LABEL_NAMES
from .metadata import Metadata, parse_metadata
from .model import Evidence, KindScore, ScreeningModel, evidence_phrase
from .rules import ANY, RULES
from .rules import REPEAL as REPEAL_GROUP
from .sources import SourceFile, display_path, identify, iter_paths
from .store import Store, StoredExtraction
from .structure import Structure, parse_structure

OK, FAILED, NEEDS_OCR = "ok", "failed", "needs_ocr"
#: "已筛查", not "已审查": a file read and screened has not been reviewed by an advisor.
STATUS_NAMES = {OK: "已筛查", FAILED: "失败", NEEDS_OCR: "需要OCR"}

#: progress(done, total, path) is called once before the first file (done=0, path None) and
#: after each file.
Progress = Callable[[int, int, "Path | None"], None]

#: Structure fields shown in rows and reports.
STRUCTURE_FIELDS = (
    "issuers",
    "issuer_level",
    "addressees",
    "specific_addressee",
    "effective_date",
    "valid_until",
    "validity_years",
    "provisional",
    "chapters",
    "articles",
)


@dataclass
class ScreenRow:
    """One file of a batch as the report shows it."""

    seq: int
    path: str
    sha256: str | None
    format: str | None
    status: str
    error: str | None = None
    title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    date: str | None = None
    label: str | None = None
    probabilities: dict[str, float] = field(default_factory=dict)
    kind_probability: float | None = None
    evidence: list[str] = field(default_factory=list)
    #: The legal facts on the genre, with their weights and spans (screening.evidence).
    facts: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    structure: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    reused: bool = False

    @property
    def label_name(self) -> str:
        return LABEL_NAMES.get(self.label or "", "")

    @property
    def probability(self) -> float | None:
        return self.probabilities.get(self.label or "") if self.label else None

    @property
    def repeal_reasons(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["group"] == REPEAL_GROUP]

    @property
    def flags(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["group"] != REPEAL_GROUP]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "path": self.path,
            "sha256": self.sha256,
            "format": self.format,
            "status": self.status,
            "status_name": STATUS_NAMES[self.status],
            "error": self.error,
            "title": self.title,
            "doc_number": self.doc_number,
            "issuer": self.issuer,
            "date": self.date,
            "label": self.label,
            "label_name": self.label_name or None,
            "probability": self.probability,
            "probabilities": self.probabilities,
            "evidence": self.evidence,
            "legal_facts": self.facts,
            "repeal_reasons": self.repeal_reasons,
            "flags": self.flags,
            "structure": {k: self.structure.get(k) for k in STRUCTURE_FIELDS}
            if self.structure
            else {},
            "warnings": self.warnings,
        }


@dataclass
class BatchResult:
    batch_id: str
    as_of: str
    model_version: str
    rows: list[ScreenRow]
    interrupted: bool = False

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if r.status in (FAILED, NEEDS_OCR))


def _read(path: Path, limits: Limits) -> bytes:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise ExtractionError(
            f"文件大小 {size / 1048576:.1f} MB 超过上限 {limits.max_file_bytes / 1048576:.0f} MB，已跳过。"
            "如确需读取，请用 --max-size 调高上限。"
        )
    return path.read_bytes()


def _extract(data: bytes, fmt: str, limits: Limits) -> StoredExtraction:
    result = extract_with_limits(data, fmt, limits)
    meta = parse_metadata(result.text)
    return StoredExtraction(
        format=result.format,
        method=result.method,
        pages=result.pages,
        text=result.text,
        text_sha256=hashlib.sha256(result.text.encode("utf-8")).hexdigest(),
        warnings=result.warnings,
        metadata=meta.to_dict(),
    )


def _internal(action: str, path: Path, exc: BaseException, details: str | None = None) -> str:
    """Log a bug met while ``action`` the file at ``path``; the advisor's sentence about it."""
    kind = exc.kind if isinstance(exc, ReaderBugError) else type(exc).__name__
    if isinstance(exc, ReaderBugError):
        details = exc.details
    logged = log_exception(f"{action}：{display_path(path)}", exc, details)
    return internal_error_message(action, kind, logged)


def _identify(path: Path, data: bytes) -> SourceFile:
    """:func:`identify`, with any failure (a sniffing bug on damaged bytes) as ExtractionError."""
    try:
        return identify(path, data)
    except Exception as exc:
        raise ExtractionError(_internal("识别文件格式", path, exc)) from exc


def _failed(store: Store, batch_id: str, seq: int, path: Path, message: str) -> ScreenRow:
    row = ScreenRow(seq, display_path(path), None, None, FAILED, error=message)
    with store.transaction():
        store.record_batch_file(batch_id, seq, row.path, None, FAILED, row.error, None)
    return row


def screen_file(
    path: Path,
    seq: int,
    batch_id: str,
    store: Store,
    model: ScreeningModel,
    limits: Limits,
    as_of: str,
    structures: dict[str, Structure] | None = None,
) -> ScreenRow:
    """Screen one file and record it in ``store`` (one transaction).

    ``structures`` collects the parsed structure of each screened document for the batch rules.
    """
    try:
        data = _read(path, limits)
    except ExtractionError as exc:
        return _failed(store, batch_id, seq, path, str(exc))
    except OSError as exc:
        return _failed(
            store, batch_id, seq, path, f"无法读取文件：{exc.strerror or exc}。请检查文件权限。"
        )
    try:
        source = _identify(path, data)
    except ExtractionError as exc:
        return _failed(store, batch_id, seq, path, str(exc))
    row = ScreenRow(seq, display_path(path), source.sha256, source.format, OK)
    # Read (and OCR) before taking the ledger's write lock: a slow file must not block
    # reviewers recording decisions in the same ledger meanwhile.
    extraction = store.extraction(source.sha256, EXTRACTOR_VERSION)
    fresh = extraction is None
    if fresh:
        try:
            extraction = _extract(data, source.format, limits)
        except NoTextLayerError as exc:
            row.status, row.error = NEEDS_OCR, str(exc)
        except ReaderBugError as exc:
            row.status, row.error = FAILED, _internal("读取文件", path, exc)
        except ExtractionError as exc:
            row.status, row.error = FAILED, str(exc)
        except Exception as exc:  # a reader's bug must not end the batch
            row.status, row.error = FAILED, _internal("读取文件", path, exc)
    with store.transaction():
        store.record_document(source.sha256, source.size, source.format, row.path)
        if fresh and extraction is not None:
            store.record_extraction(source.sha256, extraction, EXTRACTOR_VERSION)
        prediction_id = None
        if extraction is not None:
            meta = Metadata(**extraction.metadata)
            row.format = extraction.format
            row.title, row.doc_number, row.issuer, row.date = (
                meta.title,
                meta.doc_number,
                meta.issuer,
                meta.date,
            )
            row.warnings = extraction.warnings
            # A file read anew (first time, or by a newer reader) is classified anew.
            stored = None if fresh else store.latest_prediction(source.sha256, model.version, as_of)
            if stored is not None:
                row.reused = True
                prediction_id = stored.id
                row.label, row.probabilities = stored.label, stored.probabilities
                row.kind_probability = stored.kind_probability
                row.evidence = [evidence_phrase(f) for f, _ in stored.evidence]
                row.findings = visible_findings(stored.findings, row.label)
                row.structure = stored.structure
                row.facts = stored.structure.get("legal_facts", [])
                if structures is not None:
                    structures[source.sha256] = parse_structure(extraction.text, meta)
            else:
                kind = model.kind(extraction.text, meta)
                analysis = analyze_text(extraction.text, meta, date.fromisoformat(as_of))
                assessed = assess(model, kind, analysis)
                pred = assessed.prediction
                row.label, row.probabilities, row.kind_probability = (
                    pred.label,
                    pred.probabilities,
                    pred.kind_probability,
                )
                row.evidence = [e.phrase for e in pred.evidence]
                # Stored: every finding (a later batch rule may change the label and so which
                # findings are shown); the row shows those that fit its label.
                row.findings = [f.to_dict() for f in assessed.findings]
                row.facts = [f.to_dict(model.fact_weights) for f in pred.facts]
                # -- the facts travel with the stored structure, so a rerun that reuses the
                # prediction shows them too
                row.structure = {**analysis.structure.to_dict(), "legal_facts": row.facts}
                prediction_id = store.record_prediction(
                    source.sha256,
                    batch_id,
                    model.version,
                    pred.label,
                    pred.probabilities,
                    [[e.feature, e.weight] for e in pred.evidence],
                    as_of,
                    pred.kind_probability,
                    [f.to_dict() for f in analysis.findings],
                    row.structure,
                )
                if structures is not None:
                    structures[source.sha256] = analysis.structure
        store.record_batch_file(
            batch_id, seq, row.path, source.sha256, row.status, row.error, prediction_id
        )
    return row


def visible_findings(findings: list[dict[str, Any]], label: str | None) -> list[dict[str, Any]]:
    """The findings shown for a file labelled ``label``: rules that only make sense for a
    normative document (缺少文号, 未载明有效期 …) are hidden for other files."""
    normative = label in ("normative", "repeal")
    return [f for f in findings if normative or RULES[f["rule_id"]].scope == ANY]


def finish_batch(
    store: Store,
    model: ScreeningModel,
    batch_id: str,
    as_of: str,
    rows: list[ScreenRow],
    structures: dict[str, Structure],
) -> None:
    """Run the batch-wide rules and record every screened file's final label in the batch: a newer
    file that ends or extends another, and the issuers' registration practice."""
    context = batch_context(list(structures.items()), date.fromisoformat(as_of))
    with store.transaction():
        for row in rows:
            if row.status != OK or row.sha256 is None:
                continue
            added = context.findings_for(row.sha256)
            renewal = context.renewals.get(row.sha256)
            if renewal is not None and renewal.until.isoformat() < as_of:
                renewal = None
            facts = context.facts.get(row.sha256, [])
            if added or renewal or facts:
                stored = store.latest_prediction(row.sha256, model.version, as_of)
                own = [
                    f
                    for f in (stored.findings if stored else [])
                    if not (renewal and f["rule_id"] == "repeal.validity_expired")
                ]
                kind = model.shift(
                    KindScore(
                        row.kind_probability or 0.0, [Evidence(e, 0.0) for e in row.evidence]
                    ),
                    facts,
                )
                pred = model.combine(
                    kind,
                    [f["rule_id"] for f in own] + [f.rule_id for f in added],
                    row.structure.get("issuer_level", "unknown"),
                )
                row.label, row.probabilities = pred.label, pred.probabilities
                row.kind_probability = pred.kind_probability
                row.facts = row.facts + [f.to_dict(model.fact_weights) for f in facts]
                row.findings = visible_findings(own + [f.to_dict() for f in added], row.label)
            store.set_assessment(
                batch_id, row.path, row.label or "", row.probabilities, row.findings
            )


def screen_paths(
    paths: Iterable[str | Path],
    store: Store,
    model: ScreeningModel,
    as_of: str,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    """Screen every file under ``paths`` as one batch recorded in ``store``."""
    limits = limits or Limits()
    paths = list(paths)
    files = list(iter_paths(paths))
    batch_id = store.create_batch(as_of, model.version, [str(p) for p in paths])
    result = BatchResult(batch_id, as_of, model.version, [])
    structures: dict[str, Structure] = {}
    if progress:
        progress(0, len(files), None)
    try:
        for seq, path in enumerate(files, start=1):
            try:
                row = screen_file(path, seq, batch_id, store, model, limits, as_of, structures)
            except Exception as exc:
                failure = store.failure(exc)
                if failure is exc:
                    raise
                if failure is not None:  # the ledger fails: no later file could be recorded
                    raise failure from exc
                # a bug in reading or judging this file ends only this file
                row = _failed(store, batch_id, seq, path, _internal("审查文件", path, exc))
            result.rows.append(row)
            if progress:
                progress(seq, len(files), path)
        finish_batch(store, model, batch_id, as_of, result.rows, structures)
    except KeyboardInterrupt:
        result.interrupted = True
        store.finish_batch(batch_id, "interrupted")
        raise
    store.finish_batch(batch_id, "finished")
    return result


def extract_file(path: Path, limits: Limits | None = None) -> tuple[str, StoredExtraction]:
    """Read one file: its sha256 and its extraction with metadata (nothing is recorded)."""
    limits = limits or Limits()
    if not path.is_file():
        raise ExtractionError(f"找不到文件：{path}。请检查路径是否正确。")
    data = _read(path, limits)
    source = _identify(path, data)
    try:
        return source.sha256, _extract(data, source.format, limits)
    except ReaderBugError as exc:
        raise ExtractionError(_internal("读取文件", path, exc)) from exc


def explain_path(
    path: Path, model: ScreeningModel, as_of: str, limits: Limits | None = None
) -> dict[str, Any]:
    """One file's full analysis: metadata, structure, the model's evidence, every finding and the
    label they give (read alone, so batch-wide rules do not apply)."""
    sha256, extraction = extract_file(path, limits)
    meta = Metadata(**extraction.metadata)
    analysis = analyze_text(extraction.text, meta, date.fromisoformat(as_of))
    assessed = assess(model, model.kind(extraction.text, meta, n_evidence=10), analysis)
    pred = assessed.prediction
    return {
        "path": str(path),
        "sha256": sha256,
        "format": extraction.format,
        "method": extraction.method,
        "warnings": extraction.warnings,
        "as_of": as_of,
        "model_version": model.version,
        "metadata": extraction.metadata,
        "structure": analysis.structure.to_dict(),
        "label": pred.label,
        "label_name": LABEL_NAMES[pred.label],
        "probabilities": pred.probabilities,
        "kind_probability": pred.kind_probability,
        "repeal_category": pred.repeal_category,
        "legal_facts": [f.to_dict(model.fact_weights) for f in pred.facts],
        "evidence": [{"phrase": e.phrase, "weight": e.weight} for e in pred.evidence],
        "findings": [f.to_dict() for f in analysis.findings],
        "text": extraction.text,
    }
