"""Screen a batch: walk, identify, extract, read metadata, classify, record — one file at a time.

Each file's rows are committed before the next file starts, so an interrupted batch loses
nothing finished; a rerun reuses the stored prediction of every file (by sha256) already screened
with the same model, and the stored extraction of every file already read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Limits
from .errors import ExtractionError
from .extract import extract_bytes
from .labels import LABEL_NAMES
from .metadata import Metadata, parse_metadata
from .model import ScreeningModel, evidence_phrase
from .sources import identify, iter_paths
from .store import Store, StoredExtraction

OK, FAILED = "ok", "failed"
STATUS_NAMES = {OK: "已审查", FAILED: "失败"}

#: progress(done, total, path) is called once before the first file (done=0, path None) and
#: after each file.
Progress = Callable[[int, int, "Path | None"], None]


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
    evidence: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reused: bool = False

    @property
    def label_name(self) -> str:
        return LABEL_NAMES.get(self.label or "", "")

    @property
    def probability(self) -> float | None:
        return self.probabilities.get(self.label or "") if self.label else None

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
        return sum(1 for r in self.rows if r.status == FAILED)


def _read(path: Path, limits: Limits) -> bytes:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise ExtractionError(
            f"文件大小 {size // (1024 * 1024)} MB 超过上限 {limits.max_file_bytes // (1024 * 1024)} MB，已跳过。"
        )
    return path.read_bytes()


def _extract(data: bytes, fmt: str, limits: Limits) -> StoredExtraction:
    result = extract_bytes(data, fmt, limits)
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


def screen_file(
    path: Path, seq: int, batch_id: str, store: Store, model: ScreeningModel, limits: Limits
) -> ScreenRow:
    """Screen one file and record it in ``store`` (one transaction)."""
    try:
        data = _read(path, limits)
    except ExtractionError as exc:
        row = ScreenRow(seq, str(path), None, None, FAILED, error=str(exc))
        with store.transaction():
            store.record_batch_file(batch_id, seq, row.path, None, FAILED, row.error, None)
        return row
    except OSError as exc:
        row = ScreenRow(
            seq,
            str(path),
            None,
            None,
            FAILED,
            error=f"无法读取文件：{exc.strerror or exc}。请检查文件权限。",
        )
        with store.transaction():
            store.record_batch_file(batch_id, seq, row.path, None, FAILED, row.error, None)
        return row
    source = identify(path, data)
    row = ScreenRow(seq, str(path), source.sha256, source.format, OK)
    with store.transaction():
        store.record_document(source.sha256, source.size, source.format, str(path))
        extraction = store.extraction(source.sha256)
        if extraction is None:
            try:
                extraction = _extract(data, source.format, limits)
            except ExtractionError as exc:
                row.status, row.error = FAILED, str(exc)
            except Exception as exc:  # a reader's bug must not end the batch
                row.status = FAILED
                row.error = (
                    f"读取文件时发生内部错误（{type(exc).__name__}），请将此文件反馈给开发者。"
                )
            else:
                store.record_extraction(source.sha256, extraction)
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
            stored = store.latest_prediction(source.sha256, model.version)
            if stored is not None:
                row.reused = True
                prediction_id = stored.id
                row.label, row.probabilities = stored.label, stored.probabilities
                row.evidence = [evidence_phrase(f) for f, _ in stored.evidence]
            else:
                pred = model.predict(extraction.text, meta)
                row.label, row.probabilities = pred.label, pred.probabilities
                row.evidence = [e.phrase for e in pred.evidence]
                prediction_id = store.record_prediction(
                    source.sha256,
                    batch_id,
                    model.version,
                    pred.label,
                    pred.probabilities,
                    [[e.feature, e.weight] for e in pred.evidence],
                )
        store.record_batch_file(
            batch_id, seq, row.path, source.sha256, row.status, row.error, prediction_id
        )
    return row


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
    files = list(iter_paths(paths))
    batch_id = store.create_batch(as_of, model.version, [str(p) for p in paths])
    result = BatchResult(batch_id, as_of, model.version, [])
    if progress:
        progress(0, len(files), None)
    try:
        for seq, path in enumerate(files, start=1):
            result.rows.append(screen_file(path, seq, batch_id, store, model, limits))
            if progress:
                progress(seq, len(files), path)
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
    source = identify(path, data)
    return source.sha256, _extract(data, source.format, limits)
