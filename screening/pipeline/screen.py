"""Screen a batch: walk, identify, extract, read, classify, apply the legal rules, record.

Two halves: :func:`analyze_file` does the per-file work (read, extract, parse, classify, apply
the rules) and touches no ledger, so it can run in worker processes or on a Dask cluster;
:func:`record_analysis` records one result in the ledger in one transaction. The client walks
the batch, reads and hashes each file, reuses what the ledger holds, and records the results in
file order, each file committed before the next, so an interrupted batch loses nothing finished;
a rerun reuses the stored extraction of every file already read and the stored prediction of
every file already screened with the same model at the same as-of date. Once every file is in,
batch-wide rules run (a newer file that repeals an older one by 文号 or title) and each file's
final label is recorded in the batch.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..config import Limits
from ..errorlog import internal_error_message, log_exception
from ..errors import ExtractionError, NoTextLayerError, ReaderBugError, ScreeningError
from ..labels import LABEL_NAMES
from ..law import (
    ANY,
    RULES,
    Metadata,
    Structure,
    analyze,
    batch_context,
    parse_metadata,
    read_document,
)
from ..law import REPEAL as REPEAL_GROUP
from ..ledger import Store, StoredExtraction, StoredPrediction
from ..model import Evidence, KindScore, ScreeningModel, assess, evidence_phrase
from ..read import EXTRACTOR_VERSION, extract_with_limits
from ..read.sources import SourceFile, display_path, identify, iter_paths, sha256_bytes
from .parallel import Executor, InProcess

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
    #: The legal facts on the genre, with their weights and spans (screening.law.evidence).
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


@dataclass
class Job:
    """One file to analyse, as a worker receives it.

    The worker reads ``path`` itself unless ``data`` holds the file's bytes; with ``extraction``
    (the ledger's reading of the same bytes) it does not read the file at all, only classifies.
    """

    seq: int
    path: str
    sha256: str | None = None
    size: int | None = None
    data: bytes | None = None
    extraction: StoredExtraction | None = None


@dataclass
class Analysis:
    """Everything a worker found about one file, for the client to record (picklable)."""

    seq: int
    path: str
    status: str
    error: str | None = None
    sha256: str | None = None
    size: int | None = None
    format: str | None = None
    extraction: StoredExtraction | None = None
    #: The extraction was made now (and is to be stored), not taken from the ledger.
    fresh: bool = False
    label: str | None = None
    probabilities: dict[str, float] = field(default_factory=dict)
    kind_probability: float | None = None
    evidence: list[tuple[str, float]] = field(default_factory=list)
    #: The legal facts on the genre, with their weights and spans (screening.law.evidence).
    facts: list[dict[str, Any]] = field(default_factory=list)
    #: Every finding of the rules (stored with the prediction), and those the row shows.
    findings: list[dict[str, Any]] = field(default_factory=list)
    shown_findings: list[dict[str, Any]] = field(default_factory=list)
    structure: Structure | None = None


def analyze_file(job: Job, model: ScreeningModel, limits: Limits, as_of: str) -> Analysis:
    """Read, extract, parse and classify one file: the work a worker process does.

    Touches no ledger and raises nothing for a bad file: its problem becomes the status.
    """
    out = Analysis(job.seq, job.path, OK, sha256=job.sha256, size=job.size)
    if job.extraction is not None:
        out.extraction = job.extraction
    else:
        data = job.data
        if data is None:
            try:
                data = _read(Path(job.path), limits)
            except ExtractionError as exc:
                out.status, out.error = FAILED, str(exc)
                return out
            except FileNotFoundError:
                out.status = FAILED
                out.error = (
                    "文件在审查过程中被移动或删除，已跳过：请确认文件仍在原处后重新审查"
                    "（在集群上审查时，工作节点须能按同一路径读取文件，否则请加 --send-files）。"
                )
                return out
            except OSError as exc:
                out.status = FAILED
                out.error = (
                    f"无法读取文件：{exc.strerror or exc}。请检查文件权限"
                    "（在集群上审查时，工作节点须能按同一路径读取文件，否则请加 --send-files）。"
                )
                return out
        try:
            source = _identify(Path(job.path), data)
        except ExtractionError as exc:
            out.status, out.error = FAILED, str(exc)
            return out
        out.sha256, out.size, out.format = source.sha256, source.size, source.format
        try:
            out.extraction, out.fresh = _extract(data, source.format, limits), True
        except NoTextLayerError as exc:
            out.status, out.error = NEEDS_OCR, str(exc)
        except ReaderBugError as exc:
            out.status, out.error = FAILED, _internal("读取文件", Path(job.path), exc)
        except ExtractionError as exc:
            out.status, out.error = FAILED, str(exc)
        except Exception as exc:  # a reader's bug must not end the batch
            out.status, out.error = FAILED, _internal("读取文件", Path(job.path), exc)
    if out.extraction is not None:
        try:
            _judge(out, model, as_of)
        except Exception as exc:  # a bug in judging one file ends only that file
            out.status, out.error = FAILED, _internal("审查文件", Path(job.path), exc)
            out.label = None
    return out


def _judge(out: Analysis, model: ScreeningModel, as_of: str) -> None:
    """Classify ``out``'s extraction and apply the rules, filling ``out``."""
    if out.extraction is not None:
        # -- an extraction made just now holds what this code's parse_metadata read from its text
        document = read_document(
            out.extraction.text, Metadata(**out.extraction.metadata), complete=out.fresh
        )
        kind = model.kind_of(document)
        analysis = analyze(document, date.fromisoformat(as_of))
        assessed = assess(model, kind, analysis)
        pred = assessed.prediction
        out.label, out.probabilities = pred.label, pred.probabilities
        out.kind_probability = pred.kind_probability
        out.evidence = [(e.feature, e.weight) for e in pred.evidence]
        out.facts = [f.to_dict(model.fact_weights) for f in pred.facts]
        # Stored: every finding (a later batch rule may change the label and so which findings
        # are shown); the row shows those that fit its label.
        out.findings = [f.to_dict() for f in analysis.findings]
        out.shown_findings = [f.to_dict() for f in assessed.findings]
        out.structure = analysis.structure


def record_analysis(
    store: Store,
    batch_id: str,
    model_version: str,
    as_of: str,
    analysis: Analysis,
    structures: dict[str, Structure] | None = None,
) -> ScreenRow:
    """Record one analysed file in ``store``, in one transaction (the client's part)."""
    a = analysis
    row = ScreenRow(a.seq, a.path, a.sha256, a.format, a.status, error=a.error)
    with store.transaction():
        if a.sha256 is not None and a.format is not None and a.size is not None:
            store.record_document(a.sha256, a.size, a.format, a.path)
        if a.fresh and a.extraction is not None and a.sha256 is not None:
            store.record_extraction(a.sha256, a.extraction, EXTRACTOR_VERSION)
        prediction_id = None
        if a.extraction is not None and a.sha256 is not None and a.label is not None:
            _describe(row, a.extraction)
            row.label, row.probabilities = a.label, a.probabilities
            row.kind_probability = a.kind_probability
            row.evidence = [evidence_phrase(f) for f, _ in a.evidence]
            row.findings = a.shown_findings
            row.facts = a.facts
            # -- the facts travel with the stored structure, so a rerun that reuses the
            # prediction shows them too
            row.structure = {
                **(a.structure.to_dict() if a.structure else {}),
                "legal_facts": a.facts,
            }
            prediction_id = store.record_prediction(
                a.sha256,
                batch_id,
                model_version,
                a.label,
                a.probabilities,
                [[f, w] for f, w in a.evidence],
                as_of,
                a.kind_probability,
                a.findings,
                row.structure,
            )
            if structures is not None and a.structure is not None:
                structures[a.sha256] = a.structure
        store.record_batch_file(
            batch_id, a.seq, row.path, a.sha256, row.status, row.error, prediction_id
        )
    return row


def _describe(row: ScreenRow, extraction: StoredExtraction) -> None:
    meta = extraction.metadata
    row.format = extraction.format
    row.title, row.doc_number = meta.get("title"), meta.get("doc_number")
    row.issuer, row.date = meta.get("issuer"), meta.get("date")
    row.warnings = extraction.warnings


def _record_reused(
    store: Store,
    batch_id: str,
    seq: int,
    path: str,
    sha256: str,
    extraction: StoredExtraction,
    stored: StoredPrediction,
    structures: dict[str, Structure] | None,
) -> ScreenRow:
    """Record a file screened before with the same model at the same as-of date."""
    row = ScreenRow(seq, path, sha256, extraction.format, OK, reused=True)
    _describe(row, extraction)
    row.label, row.probabilities = stored.label, stored.probabilities
    row.kind_probability = stored.kind_probability
    row.evidence = [evidence_phrase(f) for f, _ in stored.evidence]
    row.findings = visible_findings(stored.findings, row.label)
    row.structure = stored.structure
    row.facts = stored.structure.get("legal_facts", [])
    if structures is not None:
        # -- the stored prediction keeps the structure as data; the batch rules need the object
        structures[sha256] = read_document(
            extraction.text, Metadata(**extraction.metadata)
        ).structure
    with store.transaction():
        store.record_batch_file(batch_id, seq, path, sha256, OK, None, stored.id)
    return row


@dataclass
class _Planned:
    """A file of the batch on its way: reused from the ledger, failed, or analysed (``future``)."""

    seq: int
    path: Path
    reused: tuple[str, StoredExtraction, StoredPrediction] | None = None
    failed: Analysis | None = None
    future: Any = None
    #: The same bytes are being analysed for an earlier file: look in the ledger when recording.
    duplicate_of: str | None = None
    sha256: str | None = None


def _plan(
    seq: int,
    path: Path,
    store: Store,
    model: ScreeningModel,
    limits: Limits,
    as_of: str,
    ship_bytes: bool,
    in_flight: set[str],
) -> _Planned | Job:
    """Read and hash a file; reuse what the ledger holds, else make the worker's job."""
    try:
        data = _read(path, limits)
    except ExtractionError as exc:
        return _Planned(seq, path, failed=Analysis(seq, display_path(path), FAILED, str(exc)))
    except OSError as exc:
        message = f"无法读取文件：{exc.strerror or exc}。请检查文件权限。"
        return _Planned(seq, path, failed=Analysis(seq, display_path(path), FAILED, message))
    sha256 = sha256_bytes(data)
    if sha256 in in_flight:
        return _Planned(seq, path, duplicate_of=sha256)
    job = Job(seq, display_path(path), sha256, len(data), data if ship_bytes else None)
    # A file read anew (first time, or by a newer reader) is classified anew.
    extraction = store.extraction(sha256, EXTRACTOR_VERSION)
    if extraction is not None:
        stored = store.latest_prediction(sha256, model.version, as_of)
        if stored is not None:
            return _Planned(seq, path, reused=(sha256, extraction, stored))
        job.data, job.extraction = None, extraction
    return job


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
    """Screen one file in this process and record it in ``store`` (one transaction).

    ``structures`` collects the parsed structure of each screened document for the batch rules.
    """
    planned = _plan(seq, path, store, model, limits, as_of, True, set())
    if isinstance(planned, Job):
        # Read (and OCR) before taking the ledger's write lock: a slow file must not block
        # reviewers recording decisions in the same ledger meanwhile.
        analysis = analyze_file(planned, model, limits, as_of)
        return record_analysis(store, batch_id, model.version, as_of, analysis, structures)
    return _record_planned(planned, store, batch_id, model, limits, as_of, structures)


def _record_planned(
    planned: _Planned,
    store: Store,
    batch_id: str,
    model: ScreeningModel,
    limits: Limits,
    as_of: str,
    structures: dict[str, Structure] | None,
) -> ScreenRow:
    if planned.reused is not None:
        sha256, extraction, stored = planned.reused
        return _record_reused(
            store,
            batch_id,
            planned.seq,
            display_path(planned.path),
            sha256,
            extraction,
            stored,
            structures,
        )
    if planned.failed is not None:
        return record_analysis(store, batch_id, model.version, as_of, planned.failed)
    if planned.duplicate_of is not None:
        # Its twin was recorded just before: screen it here, reusing what the twin left.
        return screen_file(
            planned.path, planned.seq, batch_id, store, model, limits, as_of, structures
        )
    try:
        analysis = planned.future.result()
    except Exception as exc:  # a worker that died (killed, out of memory) fails one file
        # -- a worker's own account (it died, or could not start) says what happened
        happened = (
            str(exc).rstrip("。")
            if isinstance(exc, ScreeningError)
            else f"工作进程在处理此文件时异常退出（{type(exc).__name__}）"
        )
        analysis = Analysis(
            planned.seq,
            display_path(planned.path),
            FAILED,
            f"{happened}，已跳过；请重新审查本批次，或单独用 screening extract 检查此文件。",
        )
    return record_analysis(store, batch_id, model.version, as_of, analysis, structures)


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
    executor: Executor | None = None,
) -> BatchResult:
    """Screen every file under ``paths`` as one batch recorded in ``store``.

    The analysis of each file runs on ``executor`` (default: in this process; see
    :mod:`screening.pipeline.parallel`); this process reads and hashes the files, reuses what the ledger
    holds, and records each result in file order, one transaction per file.
    """
    limits = limits or Limits()
    paths = list(paths)
    files = list(iter_paths(paths))
    runner = (executor or InProcess()).fitting(len(files))
    runner.start(model, limits, as_of)  # -- before the batch exists: a cluster may be unreachable
    try:
        batch_id = store.create_batch(as_of, model.version, [str(p) for p in paths])
    except BaseException:
        runner.close()
        raise
    result = BatchResult(batch_id, as_of, model.version, [])
    structures: dict[str, Structure] = {}
    if progress:
        progress(0, len(files), None)
    queue: deque[_Planned] = deque()
    in_flight: set[str] = set()

    def record_head() -> None:
        planned = queue.popleft()
        try:
            row = _record_planned(planned, store, batch_id, model, limits, as_of, structures)
        except Exception as exc:
            failure = store.failure(exc)
            if failure is exc:
                raise
            if failure is not None:  # the ledger fails: no later file could be recorded
                raise failure from exc
            # a bug in reading or judging this file ends only this file
            message = _internal("审查文件", planned.path, exc)
            failed = Analysis(planned.seq, display_path(planned.path), FAILED, message)
            row = record_analysis(store, batch_id, model.version, as_of, failed)
        in_flight.discard(planned.sha256 or "")
        result.rows.append(row)
        if progress:
            progress(len(result.rows), len(files), planned.path)

    try:
        for seq, path in enumerate(files, start=1):
            try:
                planned = _plan(
                    seq, path, store, model, limits, as_of, runner.ships_bytes, in_flight
                )
            except Exception as exc:
                failure = store.failure(exc)
                if failure is exc:
                    raise
                if failure is not None:
                    raise failure from exc
                message = _internal("审查文件", path, exc)
                planned = _Planned(
                    seq, path, failed=Analysis(seq, display_path(path), FAILED, message)
                )
            if isinstance(planned, Job):
                job = planned
                planned = _Planned(seq, path, future=runner.submit(job), sha256=job.sha256)
                in_flight.add(job.sha256 or "")
            queue.append(planned)
            while len(queue) >= runner.window:
                record_head()
        while queue:
            record_head()
        finish_batch(store, model, batch_id, as_of, result.rows, structures)
    except KeyboardInterrupt:
        result.interrupted = True
        store.finish_batch(batch_id, "interrupted")
        raise
    finally:
        runner.close()
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
    document = read_document(extraction.text, Metadata(**extraction.metadata))
    analysis = analyze(document, date.fromisoformat(as_of))
    assessed = assess(model, model.kind_of(document, n_evidence=10), analysis)
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
