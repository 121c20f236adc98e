"""The ledger: every screened document, prediction and decision, in SQLite or PostgreSQL.

All SQL of ``screening`` lives here, in :mod:`screening.ledger.migrations` (the schema) and in
:mod:`screening.ledger.database` (connections and the engines' differences); the queries here are
written once for both engines. Every document's rows are written in one short transaction, so an
interrupted batch keeps everything finished before the interruption and a rerun skips it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .database import POSTGRESQL, SQLITE, Connection, Location, connect, explain, locate
from .migrations import migrate, pending, reviewer_grants

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
#: Tables whose rows :meth:`Store.count` counts.
COUNTED_TABLES = ("documents", "extractions", "batches", "predictions", "batch_files", "decisions")


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
        json.loads(row[8]) if row[8] is not None else {},
    )


class Store:
    """A connection to the ledger. Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.location: Location = conn.location
        #: The SQLite file (``None`` for a PostgreSQL ledger).
        self.path: Path | None = conn.location.path

    @classmethod
    def open(cls, url: str | Path | None = None) -> Store:
        """Open (creating and migrating as needed) the ledger.

        ``url`` is a ``postgresql://`` URL or an SQLite path; without it ``$SCREENING_DB``, else
        ``screening.db`` in the data directory (see :func:`screening.ledger.database.locate`).
        """
        location = locate(url)
        conn = connect(location)
        try:
            migrate(conn)
        except conn.errors as exc:
            todo = _safe_pending(conn)
            conn.close()
            if location.engine == POSTGRESQL and todo:
                raise StoreError(
                    f"无法升级台账数据库 {location.display()} 的结构（待执行：{'、'.join(todo)}）：{exc}。"
                    "若当前账户无权修改表结构，请数据库管理员用表的所有者账户运行一次 screening --db URL db status。"
                ) from exc
            if location.engine == SQLITE:
                raise StoreError(explain(exc, location.display())) from exc
            raise StoreError(
                f"无法打开审查台账数据库 {location.display()}：{exc}。"
                "请检查文件权限，或用 SCREENING_HOME 指定其他数据目录。"
            ) from exc
        except BaseException:
            conn.close()
            raise
        return cls(conn)

    @property
    def engine(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.conn.engine

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, ephemeral: bool = False) -> Iterator[None]:
        """One write transaction; rolled back on any exception. ``ephemeral``: what it writes
        may be lost if the database server crashes (leases), so it need not wait for the disk."""
        if ephemeral:
            self.conn.begin_ephemeral()
        else:
            self.conn.begin()
        try:
            yield
            self.conn.commit()
        except BaseException as exc:
            # -- the connection may be gone; the transaction is then rolled back too
            with suppress(*self.conn.errors):
                self.conn.rollback()
            failure = self.failure(exc)
            if failure is not None and failure is not exc:
                raise failure from exc
            raise

    def failure(self, exc: BaseException) -> StoreError | None:
        """``exc`` as a :class:`StoreError` when it is the ledger's (disk full, read-only file,
        lock held too long, a read failing on a damaged database), else ``None``."""
        if isinstance(exc, StoreError):
            return exc
        if isinstance(exc, self.conn.errors):
            if self.engine == SQLITE:
                return StoreError(explain(exc, self.location.display()))
            return StoreError(
                f"审查台账 {self.location.display()} 无法读写：{exc}。请检查数据库服务器。"
            )
        return None

    def status(self) -> dict[str, Any]:
        """Which database this is, the migrations applied, and how many rows each table holds."""
        applied = [
            {"name": r[0], "applied_at": r[1]}
            for r in self.conn.execute(
                "SELECT name, applied_at FROM _screening_migrations ORDER BY applied_at, name"
            ).fetchall()
        ]
        return {
            "engine": self.engine,
            "location": self.location.display(),
            "migrations": applied,
            "pending": pending(self.conn),
            "counts": {t: self.count(t) for t in COUNTED_TABLES},
        }

    def grant_reviewer(self, role: str) -> list[str]:
        """Give a PostgreSQL role what reviewers need, without UPDATE/DELETE on decisions (run
        as the ledger's owner). Returns the statements run."""
        if self.engine != POSTGRESQL:
            raise StoreError("只有 PostgreSQL 台账有数据库账户可授权；SQLite 台账由文件权限保护。")
        statements = reviewer_grants(role)
        try:
            with self.transaction():
                for statement in statements:
                    self.conn.execute(statement)
        except self.conn.errors as exc:
            raise StoreError(
                f"授权失败：{exc}。请用台账表的所有者账户运行，并确认数据库账户 {role} 已创建（CREATE ROLE）。"
            ) from exc
        return statements

    # -- batches
    def create_batch(self, as_of: str, model_version: str, inputs: list[str]) -> str:
        batch_id = f"{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
        with self.transaction():
            self.conn.lock("batches")
            self.conn.execute(
                "INSERT INTO batches (id, created_at, status, as_of, model_version, inputs, seq)"
                " VALUES (?, ?, 'running', ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM batches))",
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
            "INSERT INTO documents (sha256, size, format, first_path, first_seen_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
            (sha256, size, fmt, path, utc_now()),
        )

    def record_extraction(
        self, sha256: str, extraction: StoredExtraction, version: str | None = None
    ) -> None:
        """Store (or replace) a document's extraction, made by extractor ``version``.

        A NUL character, which no reader should leave in a text, is dropped: PostgreSQL text
        cannot hold one, and both engines must store the same text.
        """
        columns = (
            "format",
            "method",
            "pages",
            "text",
            "text_sha256",
            "warnings",
            "metadata",
            "extracted_at",
            "extractor_version",
        )
        self.conn.execute(
            f"INSERT INTO extractions (sha256, {', '.join(columns)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            f" ON CONFLICT (sha256) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in columns)}",
            (
                sha256,
                extraction.format,
                extraction.method,
                extraction.pages,
                extraction.text.replace("\x00", ""),
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
        return self.conn.insert(
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
            "INSERT INTO batch_files (batch_id, seq, path, sha256, status, error, prediction_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (batch_id, path) DO UPDATE SET"
            " seq = excluded.seq, sha256 = excluded.sha256, status = excluded.status,"
            " error = excluded.error, prediction_id = excluded.prediction_id,"
            " label = NULL, probabilities = NULL, findings = NULL",
            (batch_id, seq, path, sha256, status, error, prediction_id),
        )

    # -- batches for review
    def latest_batch_id(self) -> str | None:
        row = self.conn.execute("SELECT id FROM batches ORDER BY seq DESC LIMIT 1").fetchone()
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
        """Every path under which the document was seen, in path order."""
        rows = self.conn.execute(
            "SELECT first_path FROM documents WHERE sha256 = ? UNION "
            "SELECT path FROM batch_files WHERE sha256 = ? ORDER BY 1",
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

    def batch_files(
        self, batch_id: str, with_text: bool = True, with_structure: bool = True
    ) -> list[dict[str, Any]]:
        """Every file of a batch in order, with its final assessment and prediction (reports).

        ``with_text`` / ``with_structure``: include each file's extracted text and the
        prediction's structure (empty otherwise: a report of ten thousand files needs neither
        in memory)."""
        text = "e.text" if with_text else "NULL"
        columns = [
            "p." + c.strip() if with_structure or c.strip() != "structure" else "NULL"
            for c in _PREDICTION_COLUMNS.split(",")
        ]
        rows = self.conn.execute(
            f"""
            SELECT bf.seq, bf.path, bf.sha256, bf.status, bf.error, bf.label, bf.probabilities, bf.findings,
                   {", ".join(columns)},
                   e.format, e.method, e.pages, e.warnings, e.metadata, {text}
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
        self,
        fields: dict[str, Any],
        hasher: Callable[[dict[str, Any]], str],
        check: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> dict[str, Any]:
        """Append one decision row; ``hasher`` computes its chained hash. Returns the stored row.

        The previous row's hash is read inside the write transaction after taking the chain's
        lock (SQLite's write lock; a PostgreSQL advisory lock), so reviewers writing at once are
        serialised and the chain stays linear. ``check``, when given, sees the document's rows
        under that lock and may refuse the append by raising.
        """
        with self.transaction():
            self.conn.lock("decisions")
            if check is not None:
                check(self.decision_rows(fields["sha256"]))
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

    def decision_rows_after(self, last_id: int) -> list[dict[str, Any]]:
        """Decision rows appended after row ``last_id``, in ledger order."""
        columns = ", ".join(DECISION_COLUMNS)
        cursor = self.conn.execute(
            f"SELECT {columns} FROM decisions WHERE id > ? ORDER BY id", (last_id,)
        )
        return [dict(zip(DECISION_COLUMNS, r, strict=True)) for r in cursor.fetchall()]

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
                "INSERT INTO review_skips (reviewer, batch_id, sha256, skipped_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (reviewer, batch_id, sha256) DO UPDATE SET skipped_at = excluded.skipped_at",
                (reviewer, batch_id, sha256, utc_now()),
            )

    def skipped(self, reviewer: str, batch_id: str) -> set[str]:
        rows = self.conn.execute(
            "SELECT sha256 FROM review_skips WHERE reviewer = ? AND batch_id = ?",
            (reviewer, batch_id),
        ).fetchall()
        return {r[0] for r in rows}

    # -- review leases (the document a reviewer has open; times by the database's clock)
    def acquire_lease(
        self, sha256: str, reviewer: str, session: str, seconds: float
    ) -> tuple[str, float] | None:
        """Lease a document to ``session`` of ``reviewer`` for ``seconds`` (or extend its lease).

        A lease that expired, or that the same reviewer holds from another session (a review
        restarted after a crash), is taken over. Returns ``None`` when the session holds the
        lease, else who holds it and for how many more seconds. One statement, so two sessions
        asking at once cannot both get it.
        """
        now = self.conn.now_epoch
        with self.transaction(ephemeral=True):
            cursor = self.conn.execute(
                "INSERT INTO review_leases (sha256, reviewer, session, expires_at)"
                f" VALUES (?, ?, ?, {now} + ?) ON CONFLICT (sha256) DO UPDATE SET"
                " reviewer = excluded.reviewer, session = excluded.session, expires_at = excluded.expires_at"
                " WHERE review_leases.session = excluded.session OR review_leases.reviewer = excluded.reviewer"
                f" OR review_leases.expires_at < {now}",
                (sha256, reviewer, session, float(seconds)),
            )
            if cursor.rowcount:
                return None
            row = self.conn.execute(
                f"SELECT reviewer, expires_at - {now} FROM review_leases WHERE sha256 = ?",
                (sha256,),
            ).fetchone()
        return (row[0], max(0.0, float(row[1]))) if row else None

    def renew_leases(self, session: str, seconds: float) -> int:
        """Extend every lease ``session`` holds; returns how many."""
        with self.transaction(ephemeral=True):
            return self.conn.execute(
                f"UPDATE review_leases SET expires_at = {self.conn.now_epoch} + ? WHERE session = ?",
                (float(seconds), session),
            ).rowcount

    def release_leases(self, session: str, sha256: str | None = None) -> None:
        """Give back the session's lease on ``sha256`` (all its leases when ``None``)."""
        with self.transaction(ephemeral=True):
            if sha256 is None:
                self.conn.execute("DELETE FROM review_leases WHERE session = ?", (session,))
            else:
                self.conn.execute(
                    "DELETE FROM review_leases WHERE session = ? AND sha256 = ?", (session, sha256)
                )

    def count(self, table: str) -> int:
        """Rows in one of the ledger's tables (for status displays and tests)."""
        if table not in COUNTED_TABLES:
            raise StoreError(f"未知的数据表：{table}")
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def _safe_pending(conn: Connection) -> list[str]:
    try:
        return pending(conn)
    except conn.errors:
        return []
