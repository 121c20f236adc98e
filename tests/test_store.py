import sqlite3
from pathlib import Path

import pytest

from screening import migrations
from screening.config import db_path
from screening.migrations import MIGRATIONS, migrate
from screening.store import Store, StoredExtraction

EXPECTED_TABLES = {
    "_screening_migrations",
    "documents",
    "extractions",
    "batches",
    "predictions",
    "batch_files",
    "decisions",
    "review_skips",
}


def tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_blank_database_is_created_in_data_dir(screening_home: Path) -> None:
    with Store.open() as store:
        assert store.path == screening_home / "screening.db" == db_path()
        assert tables(store.conn) == EXPECTED_TABLES
        applied = [r[0] for r in store.conn.execute("SELECT name FROM _screening_migrations")]
        assert applied == [fn.__name__ for fn in MIGRATIONS]
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migrate_is_idempotent(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    assert migrate(conn) == [fn.__name__ for fn in MIGRATIONS]
    assert migrate(conn) == []


def test_failed_migration_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def m999_broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        conn.execute("THIS IS NOT SQL")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*MIGRATIONS, m999_broken])
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        migrations.migrate(conn)
    assert "half_done" not in tables(conn)
    names = {r[0] for r in conn.execute("SELECT name FROM _screening_migrations")}
    assert "m999_broken" not in names and "m001_documents" in names


def test_prediction_lookup_by_sha_and_model(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        batch = store.create_batch("2026-11-27", "v1", ["x"])
        with store.transaction():
            store.record_document("abc", 3, "text", "x.txt")
            store.record_extraction(
                "abc",
                StoredExtraction("text", "text:utf-8", None, "正文\n", "h", [], {"title": "t"}),
            )
            pid = store.record_prediction(
                "abc", batch, "v1", "normative", {"normative": 0.9}, [["办法", 0.2]]
            )
        assert store.latest_prediction("abc", "v2") is None
        stored = store.latest_prediction("abc", "v1")
        assert stored is not None and stored.id == pid and stored.evidence == [["办法", 0.2]]
        assert store.extraction("abc") == StoredExtraction(
            "text", "text:utf-8", None, "正文\n", "h", [], {"title": "t"}
        )


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.record_document("abc", 3, "text", "x.txt")
            raise RuntimeError("boom")
        assert store.count("documents") == 0
