"""The ledger's schema history: ordered, named migrations, applied on every open.

One history for both engines: each migration is written once in SQLite's words and translated
for PostgreSQL by :func:`screening.ledger.database.ddl`; only what cannot be said the same way (the
append-only triggers) is written twice, in the same migration. Both record the migrations applied
in ``_screening_migrations``.

Never edit a migration once it has shipped: add a new function. Each migration and the record of
it run in one transaction, under a lock, so a failure leaves it pending and two programs opening
a fresh ledger at once apply it once (the shape of sqlite-utils' migrations, the list of llm's).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone

from .database import POSTGRESQL, Connection, ddl

Migration = Callable[[Connection], None]
MIGRATIONS: list[Migration] = []
migration = MIGRATIONS.append


@migration
def m001_documents(conn: Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE documents (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            format TEXT NOT NULL,
            first_path TEXT NOT NULL,
            first_seen_at TEXT NOT NULL
        );
        CREATE TABLE extractions (
            sha256 TEXT PRIMARY KEY REFERENCES documents(sha256),
            format TEXT NOT NULL,
            method TEXT NOT NULL,
            pages INTEGER,
            text TEXT NOT NULL,
            text_sha256 TEXT NOT NULL,
            warnings TEXT NOT NULL,
            metadata TEXT NOT NULL,
            extracted_at TEXT NOT NULL
        );
        CREATE TABLE batches (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,
            as_of TEXT NOT NULL,
            model_version TEXT NOT NULL,
            inputs TEXT NOT NULL
        );
        CREATE TABLE predictions (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL REFERENCES documents(sha256),
            batch_id TEXT NOT NULL REFERENCES batches(id),
            model_version TEXT NOT NULL,
            label TEXT NOT NULL,
            probabilities TEXT NOT NULL,
            evidence TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX predictions_by_doc ON predictions(sha256, model_version);
        CREATE TABLE batch_files (
            batch_id TEXT NOT NULL REFERENCES batches(id),
            seq INTEGER NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT,
            status TEXT NOT NULL,
            error TEXT,
            prediction_id INTEGER REFERENCES predictions(id),
            PRIMARY KEY (batch_id, path)
        );
        """,
    )


@migration
def m002_decisions(conn: Connection) -> None:
    # Append-only: triggers refuse UPDATE and DELETE; each row's hash chains it to the previous
    # row over all its fields, so an edit, deletion or reordering done around the triggers is
    # found by `screening audit verify`.
    if conn.engine == POSTGRESQL:
        run_script(conn, _DECISIONS)
        conn.execute(
            "CREATE FUNCTION screening_append_only() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'decisions are append-only'; END $$"
        )
        for event, name in (("UPDATE", "update"), ("DELETE", "delete")):
            conn.execute(
                f"CREATE TRIGGER decisions_append_only_{name} BEFORE {event} ON decisions"
                " FOR EACH ROW EXECUTE FUNCTION screening_append_only()"
            )
        conn.execute(
            "CREATE TRIGGER decisions_append_only_truncate BEFORE TRUNCATE ON decisions"
            " FOR EACH STATEMENT EXECUTE FUNCTION screening_append_only()"
        )
        return
    run_script(
        conn,
        _DECISIONS
        + """
        CREATE TRIGGER decisions_append_only_update BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
        CREATE TRIGGER decisions_append_only_delete BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
        """,
    )


_DECISIONS = """
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            sha256 TEXT NOT NULL,
            batch_id TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('decision', 'undo')),
            label TEXT CHECK (label IN ('normative', 'non_normative', 'repeal')),
            reason TEXT,
            reviewer TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            model_version TEXT,
            model_label TEXT,
            model_probabilities TEXT,
            corrects_uid TEXT,
            source TEXT NOT NULL DEFAULT 'local',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE,
            CHECK ((kind = 'decision') = (label IS NOT NULL))
        );
        CREATE INDEX decisions_by_doc ON decisions(sha256, id);
        CREATE TABLE review_skips (
            reviewer TEXT NOT NULL,
            batch_id TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            skipped_at TEXT NOT NULL,
            PRIMARY KEY (reviewer, batch_id, sha256)
        );
"""


@migration
def m003_legal_assessment(conn: Connection) -> None:
    # Predictions now depend on the as-of date (validity, law status) and carry the model's
    # genre score and the rules' findings; a batch file row holds the final assessment, which
    # may differ from its prediction once the whole batch is known (supersession).
    run_script(
        conn,
        """
        ALTER TABLE predictions ADD COLUMN as_of TEXT;
        ALTER TABLE predictions ADD COLUMN kind_probability REAL;
        ALTER TABLE predictions ADD COLUMN findings TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE predictions ADD COLUMN structure TEXT NOT NULL DEFAULT '{}';
        CREATE INDEX predictions_by_doc_as_of ON predictions(sha256, model_version, as_of);
        ALTER TABLE batch_files ADD COLUMN label TEXT;
        ALTER TABLE batch_files ADD COLUMN probabilities TEXT;
        ALTER TABLE batch_files ADD COLUMN findings TEXT;
        """,
    )


@migration
def m004_extractor_version(conn: Connection) -> None:
    # Extractions made by an older reader (NULL) are read again when their file is screened.
    run_script(conn, "ALTER TABLE extractions ADD COLUMN extractor_version TEXT;")


@migration
def m005_review_leases(conn: Connection) -> None:
    # Several reviewers on one batch: the document a reviewer has open is leased to that review
    # session until ``expires_at`` (seconds since the epoch by the database's clock), so the
    # queue never hands it to a second reviewer meanwhile; a crashed session's lease expires.
    run_script(
        conn,
        """
        CREATE TABLE review_leases (
            sha256 TEXT PRIMARY KEY,
            reviewer TEXT NOT NULL,
            session TEXT NOT NULL,
            expires_at REAL NOT NULL
        );
        """,
    )


@migration
def m006_batch_order(conn: Connection) -> None:
    # The latest batch is the one created last; batch ids only sort to the second, and SQLite's
    # rowid, which told creation order so far, has no PostgreSQL equivalent.
    run_script(conn, "ALTER TABLE batches ADD COLUMN seq INTEGER;")
    if conn.engine == POSTGRESQL:
        conn.execute(
            "UPDATE batches SET seq = (SELECT COUNT(*) FROM batches b WHERE b.created_at < batches.created_at"
            " OR (b.created_at = batches.created_at AND b.id <= batches.id))"
        )
    else:
        conn.execute("UPDATE batches SET seq = rowid")
    conn.execute("CREATE UNIQUE INDEX batches_by_seq ON batches(seq)")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def pending(conn: Connection) -> list[str]:
    """Names of the migrations not yet applied to the ledger, in order."""
    if not conn.table_exists("_screening_migrations"):
        return [fn.__name__ for fn in MIGRATIONS]
    done = {row[0] for row in conn.execute("SELECT name FROM _screening_migrations").fetchall()}
    return [fn.__name__ for fn in MIGRATIONS if fn.__name__ not in done]


def migrate(conn: Connection) -> list[str]:
    """Apply every pending migration in order; return the names applied.

    An up-to-date ledger is only read, so a database role that may not change the schema (the
    reviewers' role of an office ledger) opens it as long as no migration is pending.
    """
    todo = set(pending(conn))
    applied: list[str] = []
    for fn in MIGRATIONS:
        if fn.__name__ not in todo:
            continue
        # The connection is in autocommit mode: we own the transaction. Take the lock, then
        # look again: another program may have just applied it.
        conn.begin()
        try:
            conn.lock("migrations")
            conn.execute(
                ddl(
                    "CREATE TABLE IF NOT EXISTS _screening_migrations"
                    " (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
                    conn.engine,
                )
            )
            if conn.execute(
                "SELECT 1 FROM _screening_migrations WHERE name = ?", (fn.__name__,)
            ).fetchone():
                conn.commit()
                continue
            fn(conn)
            conn.execute(
                "INSERT INTO _screening_migrations (name, applied_at) VALUES (?, ?)",
                (fn.__name__, _now()),
            )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        applied.append(fn.__name__)
    return applied


def run_script(conn: Connection, script: str) -> None:
    """Run several SQL statements (written for SQLite) inside the caller's transaction.

    ``sqlite3.Connection.executescript`` would commit first, breaking the one-transaction rule,
    so statements are split with :func:`sqlite3.complete_statement` and run one by one, each
    translated for the connection's engine.
    """
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            conn.execute(ddl(buffer, conn.engine))
            buffer = ""
    if buffer.strip():
        conn.execute(ddl(buffer, conn.engine))


#: What the reviewers' database role of a shared ledger may do to each table: decisions are
#: only ever inserted, so the role has no UPDATE, DELETE or TRUNCATE on them, and no right to
#: change the schema (triggers included): only the owner can apply migrations.
REVIEWER_PRIVILEGES = {
    "_screening_migrations": "SELECT",
    "documents": "SELECT, INSERT",
    "extractions": "SELECT, INSERT, UPDATE",
    "batches": "SELECT, INSERT, UPDATE",
    "predictions": "SELECT, INSERT",
    "batch_files": "SELECT, INSERT, UPDATE",
    "decisions": "SELECT, INSERT",
    "review_skips": "SELECT, INSERT, UPDATE",
    "review_leases": "SELECT, INSERT, UPDATE, DELETE",
}


def reviewer_grants(role: str) -> list[str]:
    """The PostgreSQL statements that let ``role`` screen and review, but never edit or delete a
    decision (run them as the ledger's owner, after the ledger has been created)."""
    if not role or "\x00" in role:
        raise ValueError(role)
    quoted = '"' + role.replace('"', '""') + '"'
    statements = ["GRANT USAGE ON SCHEMA public TO " + quoted]
    statements += [
        f"GRANT {what} ON {table} TO {quoted}" for table, what in REVIEWER_PRIVILEGES.items()
    ]
    statements.append(f"GRANT USAGE ON SEQUENCE predictions_id_seq TO {quoted}")
    statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON decisions FROM {quoted}")
    return statements
