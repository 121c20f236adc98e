"""The ledger: an embedded SQLite database holding every screened document and prediction.

All SQL of ``screening`` lives here and in :mod:`screening.migrations`. The database runs in WAL
mode; every document's rows are written in one short transaction, so an interrupted batch keeps
everything finished before the interruption and a rerun skips it.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .config import db_path
from .errors import StoreError
from .migrations import migrate

#: Columns of the decisions table, in the order they are hashed and exported.
DECISION_COLUMNS = (
    "id",
    "uid",
    "sha256",
    "batch_id",
    "kind",
    "label",
    "reason",
    "reviewer",
    "decided_at",
    "model_version",
    "model_label",
    "model_probabilities",
    "corrects_uid",
    "source",
    "prev_hash",
    "hash",
)
#: prev_hash of the first decision.
GENESIS_HASH = "0" * 64


def utc_now() -> str:
    """Current UTC time as ISO-8601 text (seconds)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class StoredExtraction:
    format: str
    method: str
    pages: int | None
    text: str
    text_sha256: str
    warnings: list[str]
    metadata: dict[str, Any]


@dataclass
class StoredPrediction:
    id: int
    model_version: str
    label: str
    probabilities: dict[str, float]
    evidence: list[list[Any]]
    as_of: str | None = None
    kind_probability: float | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    structure: dict[str, Any] = field(default_factory=dict)


_PREDICTION_COLUMNS = "id, model_version, label, probabilities, evidence, as_of, kind_probability, findings, structure"


def _prediction(row: tuple[Any, ...]) -> StoredPrediction:
    return StoredPrediction(
        row[0],
        row[1],
        row[2],
        json.loads(row[3]),
        json.loads(row[4]),
        row[5],
        row[6],
        json.loads(row[7]),
        json.loads(row[8]),
    )


#: How long a write waits for a lock held by another program (a reviewer, a database browser
#: left open) before giving up with a clear message. SQLite's own busy wait is shorter, so a
#: transaction retries its ``BEGIN IMMEDIATE`` until this much time has passed.
LOCK_WAIT_S = 300.0
_BUSY_TIMEOUT_S = 30.0


def explain(exc: sqlite3.Error, path: Path, waited: float | None = None) -> str:
    """What a SQLite error on the ledger at ``path`` means for the user, and what to do
    (``waited``: how long a write waited for a lock before giving up)."""
    name = getattr(exc, "sqlite_errorname", "")
    if name == "SQLITE_FULL" or "disk is full" in str(exc):
        return (
            f"磁盘空间已满，无法写入审查台账 {path}。已完成的文件均已保存；"
            "请清理磁盘空间后重新运行同一命令，已审查的文件会被跳过。"
        )
    if name.startswith("SQLITE_READONLY") or "readonly" in str(exc):
        return (
            f"审查台账 {path} 是只读文件（或所在目录不可写），无法写入。"
            "请取消该文件的只读属性，或用环境变量 SCREENING_HOME 指定可写的数据目录，然后重新运行。"
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc):
        how_long = f"（已等待 {waited:g} 秒）" if waited else ""
        return (
            f"审查台账 {path} 正被其他程序占用{how_long}。请关闭正在使用台账的程序"
            "（如数据库查看工具或另一个正在审查的窗口）后重新运行同一命令；已保存的记录不受影响。"
        )
    if name.startswith("SQLITE_IOERR") or "disk I/O" in str(exc):
        return (
            f"写入审查台账 {path} 时发生磁盘读写错误（磁盘可能已满、已拔出或已损坏）。"
            "已完成的文件均已保存；请检查磁盘后重新运行同一命令。"
        )
    return (
        f"审查台账 {path} 无法读写（{exc}）。请检查文件权限和磁盘空间，"
        "或用环境变量 SCREENING_HOME 指定其他数据目录。"
    )


class Store:
    """A connection to the ledger. Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None) -> Store:
        """Open (creating and migrating as needed) the ledger at ``path`` or in the data dir."""
        path = path or db_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                path, isolation_level=None, timeout=min(_BUSY_TIMEOUT_S, LOCK_WAIT_S)
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            migrate(conn)
        except sqlite3.DatabaseError as exc:
            raise StoreError(explain(exc, path)) from exc
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def failure(self, exc: BaseException) -> StoreError | None:
        """``exc`` as a :class:`StoreError` when it is the ledger's (a read failing on a locked
        or damaged database outside a transaction), else ``None``."""
        if isinstance(exc, StoreError):
            return exc
        if isinstance(exc, sqlite3.Error):
            return StoreError(explain(exc, self.path))
        return None

    def _begin(self) -> None:
        """Take the write lock, waiting up to LOCK_WAIT_S for another program to let go."""
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                busy = getattr(exc, "sqlite_errorname", "").startswith("SQLITE_BUSY")
                if not (busy or "locked" in str(exc)):
                    raise StoreError(explain(exc, self.path)) from exc
                if time.monotonic() >= deadline:
                    raise StoreError(explain(exc, self.path, LOCK_WAIT_S)) from exc

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; rolled back on any exception.

        A SQLite error (disk full, read-only file, lock held too long) becomes a
        :class:`StoreError` saying what to do; the transaction's rows are not written.
        """
        self._begin()
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException as exc:
            # SQLite may already have rolled back by itself (after SQLITE_FULL, say).
            if self.conn.in_transaction:
                with suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(explain(exc, self.path)) from exc
            raise

    # -- batches
    def create_batch(self, as_of: str, model_version: str, inputs: list[str]) -> str:
        batch_id = f"{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
        with self.transaction():
            self.conn.execute(
                "INSERT INTO batches (id, created_at, status, as_of, model_version, inputs)"
                " VALUES (?, ?, 'running', ?, ?, ?)",
                (batch_id, utc_now(), as_of, model_version, json.dumps(inputs, ensure_ascii=False)),
            )
        return batch_id

    def finish_batch(self, batch_id: str, status: str) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE batches SET status = ?, finished_at = ? WHERE id = ?",
                (status, utc_now(), batch_id),
            )

    def batch(self, batch_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT id, created_at, finished_at, status, as_of, model_version, inputs FROM batches WHERE id = ?",
            (batch_id,),
        ).fetchone()
        if row is None:
            return None
        keys = ("id", "created_at", "finished_at", "status", "as_of", "model_version", "inputs")
        return dict(zip(keys, row, strict=True))

    # -- documents
    def record_document(self, sha256: str, size: int, fmt: str, path: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO documents (sha256, size, format, first_path, first_seen_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (sha256, size, fmt, path, utc_now()),
        )

    def record_extraction(
        self, sha256: str, extraction: StoredExtraction, version: str | None = None
    ) -> None:
        """Store (or replace) a document's extraction, made by extractor ``version``."""
        self.conn.execute(
            "INSERT OR REPLACE INTO extractions (sha256, format, method, pages, text, text_sha256,"
            " warnings, metadata, extracted_at, extractor_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                sha256,
                extraction.format,
                extraction.method,
                extraction.pages,
                extraction.text,
                extraction.text_sha256,
                json.dumps(extraction.warnings, ensure_ascii=False),
                json.dumps(extraction.metadata, ensure_ascii=False),
                utc_now(),
                version,
            ),
        )

    def extraction(self, sha256: str, version: str | None = None) -> StoredExtraction | None:
        """A document's stored extraction (only one made by extractor ``version``, when given)."""
        sql = "SELECT format, method, pages, text, text_sha256, warnings, metadata FROM extractions WHERE sha256 = ?"
        args: tuple[Any, ...] = (sha256,)
        if version is not None:
            sql += " AND extractor_version = ?"
            args += (version,)
        row = self.conn.execute(sql, args).fetchone()
        if row is None:
            return None
        return StoredExtraction(
            row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), json.loads(row[6])
        )

    # -- predictions
    def record_prediction(
        self,
        sha256: str,
        batch_id: str,
        model_version: str,
        label: str,
        probabilities: dict[str, float],
        evidence: list[list[Any]],
        as_of: str | None = None,
        kind_probability: float | None = None,
        findings: list[dict[str, Any]] | None = None,
        structure: dict[str, Any] | None = None,
    ) -> int:
        cursor = self.conn.execute(
            "INSERT INTO predictions (sha256, batch_id, model_version, label, probabilities, evidence,"
            " created_at, as_of, kind_probability, findings, structure)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                sha256,
                batch_id,
                model_version,
                label,
                json.dumps(probabilities),
                json.dumps(evidence, ensure_ascii=False),
                utc_now(),
                as_of,
                kind_probability,
                json.dumps(findings or [], ensure_ascii=False),
                json.dumps(structure or {}, ensure_ascii=False),
            ),
        )
        return int(cursor.lastrowid or 0)

    def latest_prediction(
        self, sha256: str, model_version: str, as_of: str | None = None
    ) -> StoredPrediction | None:
        """The newest prediction of ``model_version`` for a document (at ``as_of`` when given)."""
        sql = (
            f"SELECT {_PREDICTION_COLUMNS} FROM predictions WHERE sha256 = ? AND model_version = ?"
        )
        args: tuple[Any, ...] = (sha256, model_version)
        if as_of is not None:
            sql += " AND as_of = ?"
            args += (as_of,)
        row = self.conn.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
        return _prediction(row) if row else None

    def set_assessment(
        self,
        batch_id: str,
        path: str,
        label: str,
        probabilities: dict[str, float],
        findings: list[dict[str, Any]],
    ) -> None:
        """The final label of a file in its batch (after batch-wide rules)."""
        self.conn.execute(
            "UPDATE batch_files SET label = ?, probabilities = ?, findings = ? WHERE batch_id = ? AND path = ?",
            (
                label,
                json.dumps(probabilities),
                json.dumps(findings, ensure_ascii=False),
                batch_id,
                path,
            ),
        )

    def record_batch_file(
        self,
        batch_id: str,
        seq: int,
        path: str,
        sha256: str | None,
        status: str,
        error: str | None,
        prediction_id: int | None,
    ) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO batch_files (batch_id, seq, path, sha256, status, error, prediction_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (batch_id, seq, path, sha256, status, error, prediction_id),
        )

    # -- batches for review
    def latest_batch_id(self) -> str | None:
        row = self.conn.execute(
            "SELECT id FROM batches ORDER BY created_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    def batch_items(self, batch_id: str) -> list[dict[str, Any]]:
        """The screened files of a batch with their prediction and extraction, in file order."""
        rows = self.conn.execute(
            """
            SELECT bf.seq, bf.path, bf.sha256, p.model_version, COALESCE(bf.label, p.label),
                   COALESCE(bf.probabilities, p.probabilities), p.evidence, e.metadata, e.text,
                   COALESCE(bf.findings, p.findings), p.structure
            FROM batch_files bf
            JOIN predictions p ON p.id = bf.prediction_id
            JOIN extractions e ON e.sha256 = bf.sha256
            WHERE bf.batch_id = ? AND bf.status = 'ok'
            ORDER BY bf.seq
            """,
            (batch_id,),
        ).fetchall()
        return [
            {
                "seq": r[0],
                "path": r[1],
                "sha256": r[2],
                "model_version": r[3],
                "label": r[4],
                "probabilities": json.loads(r[5]),
                "evidence": json.loads(r[6]),
                "metadata": json.loads(r[7]),
                "text": r[8],
                "findings": json.loads(r[9]),
                "structure": json.loads(r[10] or "{}"),
            }
            for r in rows
        ]

    def find_documents(self, sha_prefix: str) -> list[str]:
        """sha256 values of stored documents starting with ``sha_prefix``."""
        rows = self.conn.execute(
            "SELECT sha256 FROM documents WHERE sha256 >= ? AND sha256 < ? ORDER BY sha256",
            (sha_prefix, sha_prefix + "g"),
        ).fetchall()
        return [r[0] for r in rows]

    def document_paths(self, sha256: str) -> list[str]:
        """Every path under which the document was seen, first seen first."""
        rows = self.conn.execute(
            "SELECT first_path FROM documents WHERE sha256 = ? UNION "
            "SELECT DISTINCT path FROM batch_files WHERE sha256 = ?",
            (sha256, sha256),
        ).fetchall()
        return [r[0] for r in rows]

    def latest_prediction_any(self, sha256: str) -> StoredPrediction | None:
        """The newest prediction for a document, whatever the model."""
        row = self.conn.execute(
            f"SELECT {_PREDICTION_COLUMNS} FROM predictions WHERE sha256 = ? ORDER BY id DESC LIMIT 1",
            (sha256,),
        ).fetchone()
        return _prediction(row) if row else None

    def batch_files(self, batch_id: str) -> list[dict[str, Any]]:
        """Every file of a batch in order, with its final assessment and prediction (reports)."""
        rows = self.conn.execute(
            f"""
            SELECT bf.seq, bf.path, bf.sha256, bf.status, bf.error, bf.label, bf.probabilities, bf.findings,
                   {", ".join("p." + c.strip() for c in _PREDICTION_COLUMNS.split(","))},
                   e.format, e.method, e.pages, e.warnings, e.metadata, e.text
            FROM batch_files bf
            LEFT JOIN predictions p ON p.id = bf.prediction_id
            LEFT JOIN extractions e ON e.sha256 = bf.sha256
            WHERE bf.batch_id = ?
            ORDER BY bf.seq
            """,
            (batch_id,),
        ).fetchall()
        out = []
        for r in rows:
            prediction = _prediction(r[8:17]) if r[8] is not None else None
            out.append(
                {
                    "seq": r[0],
                    "path": r[1],
                    "sha256": r[2],
                    "status": r[3],
                    "error": r[4],
                    "label": r[5] or (prediction.label if prediction else None),
                    "probabilities": json.loads(r[6])
                    if r[6]
                    else (prediction.probabilities if prediction else {}),
                    "findings": json.loads(r[7])
                    if r[7]
                    else (prediction.findings if prediction else []),
                    "prediction": prediction,
                    "format": r[17],
                    "method": r[18],
                    "pages": r[19],
                    "warnings": json.loads(r[20]) if r[20] else [],
                    "metadata": json.loads(r[21]) if r[21] else {},
                    "text": r[22],
                }
            )
        return out

    # -- decisions (append-only, hash-chained)
    def append_decision(
        self, fields: dict[str, Any], hasher: Callable[[dict[str, Any]], str]
    ) -> dict[str, Any]:
        """Append one decision row; ``hasher`` computes its chained hash. Returns the stored row.

        The previous row's hash is read inside the write transaction, so two reviewers writing at
        once are serialised by SQLite's lock and the chain stays linear.
        """
        with self.transaction():
            last = self.conn.execute(
                "SELECT id, hash FROM decisions ORDER BY id DESC LIMIT 1"
            ).fetchone()
            row = {
                **fields,
                "id": (last[0] + 1) if last else 1,
                "prev_hash": last[1] if last else GENESIS_HASH,
            }
            row["hash"] = hasher(row)
            columns = ", ".join(DECISION_COLUMNS)
            marks = ", ".join("?" for _ in DECISION_COLUMNS)
            self.conn.execute(
                f"INSERT INTO decisions ({columns}) VALUES ({marks})",
                [row[c] for c in DECISION_COLUMNS],
            )
        return row

    def decision_rows(self, sha256: str | None = None) -> list[dict[str, Any]]:
        """Decision rows in ledger order, all or for one document."""
        columns = ", ".join(DECISION_COLUMNS)
        if sha256 is None:
            cursor = self.conn.execute(f"SELECT {columns} FROM decisions ORDER BY id")
        else:
            cursor = self.conn.execute(
                f"SELECT {columns} FROM decisions WHERE sha256 = ? ORDER BY id", (sha256,)
            )
        return [dict(zip(DECISION_COLUMNS, r, strict=True)) for r in cursor.fetchall()]

    def decision_by_uid(self, uid: str) -> dict[str, Any] | None:
        columns = ", ".join(DECISION_COLUMNS)
        row = self.conn.execute(f"SELECT {columns} FROM decisions WHERE uid = ?", (uid,)).fetchone()
        return dict(zip(DECISION_COLUMNS, row, strict=True)) if row else None

    def record_skip(self, reviewer: str, batch_id: str, sha256: str) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO review_skips (reviewer, batch_id, sha256, skipped_at) VALUES (?, ?, ?, ?)",
                (reviewer, batch_id, sha256, utc_now()),
            )

    def skipped(self, reviewer: str, batch_id: str) -> set[str]:
        rows = self.conn.execute(
            "SELECT sha256 FROM review_skips WHERE reviewer = ? AND batch_id = ?",
            (reviewer, batch_id),
        ).fetchall()
        return {r[0] for r in rows}

    def count(self, table: str) -> int:
        """Rows in one of the ledger's tables (for status displays and tests)."""
        if table not in {
            "documents",
            "extractions",
            "batches",
            "predictions",
            "batch_files",
            "decisions",
        }:
            raise StoreError(f"未知的数据表：{table}")
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
