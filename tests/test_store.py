import sqlite3
from pathlib import Path

import pytest

from screening.config import db_path
from screening.errors import StoreError
from screening.ledger import migrations
from screening.ledger.database import POSTGRESQL, SQLITE, connect, locate
from screening.ledger.migrations import MIGRATIONS, migrate
from screening.ledger.store import Store, StoredExtraction

from . import pgserver
from .conftest import raw_connection

EXPECTED_TABLES = {
    "_screening_migrations",
    "documents",
    "extractions",
    "batches",
    "predictions",
    "batch_files",
    "decisions",
    "review_skips",
    "review_leases",
}


def tables(store: Store) -> set[str]:
    if store.engine == SQLITE:
        sql = "SELECT name FROM sqlite_master WHERE type='table'"
    else:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    return {r[0] for r in store.conn.execute(sql).fetchall()}


def test_blank_database_is_created_in_data_dir(screening_home: Path) -> None:
    with Store.open() as store:
        assert store.path == screening_home / "screening.db" == db_path()
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_blank_ledger_has_every_table_and_migration(ledger: str) -> None:
    with Store.open() as store:
        assert store.engine == ledger
        assert tables(store) == EXPECTED_TABLES
        applied = [
            r[0]
            for r in store.conn.execute(
                "SELECT name FROM _screening_migrations ORDER BY name"
            ).fetchall()
        ]
        assert applied == [fn.__name__ for fn in MIGRATIONS]
        assert store.status()["pending"] == []


def test_migrate_is_idempotent(ledger: str) -> None:
    conn = connect(locate())
    assert migrate(conn) == [fn.__name__ for fn in MIGRATIONS]
    assert migrate(conn) == []
    conn.close()


def test_failed_migration_rolls_back(ledger: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def m999_broken(conn) -> None:  # type: ignore[no-untyped-def]
        conn.execute("CREATE TABLE half_done (x INTEGER)")
        conn.execute("THIS IS NOT SQL")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*MIGRATIONS, m999_broken])
    conn = connect(locate())
    with pytest.raises(conn.errors):
        migrations.migrate(conn)
    assert not conn.table_exists("half_done")
    names = {r[0] for r in conn.execute("SELECT name FROM _screening_migrations").fetchall()}
    assert "m999_broken" not in names and "m001_documents" in names
    conn.close()


def test_upgrade_from_every_released_schema(tmp_path: Path) -> None:
    """A ledger left by each earlier release (the first N migrations) upgrades to the current
    schema, keeping its batches in creation order."""
    for released in range(1, len(MIGRATIONS)):
        path = tmp_path / f"v{released}.db"
        conn = connect(locate(path))
        conn.execute(
            "CREATE TABLE _screening_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        for fn in MIGRATIONS[:released]:
            fn(conn)
            conn.execute("INSERT INTO _screening_migrations VALUES (?, 'x')", (fn.__name__,))
        if released >= 1:
            for batch_id in ("20260101-000000-ffff", "20260101-000000-0000"):  # -- same second
                conn.execute(
                    "INSERT INTO batches (id, created_at, status, as_of, model_version, inputs)"
                    " VALUES (?, '2026-01-01T00:00:00+00:00', 'finished', '2026-01-01', 'v', '[]')",
                    (batch_id,),
                )
        conn.close()
        with Store.open(path) as store:
            assert store.status()["pending"] == []
            assert store.latest_batch_id() == "20260101-000000-0000"  # -- created last


def test_prediction_lookup_by_sha_and_model(ledger: str) -> None:
    with Store.open() as store:
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


def test_upserts_replace_and_ignore_alike(ledger: str) -> None:
    with Store.open() as store:
        batch = store.create_batch("2026-11-27", "v1", ["x"])
        with store.transaction():
            store.record_document("abc", 3, "text", "first.txt")
            store.record_document("abc", 3, "text", "second.txt")  # -- kept: first seen wins
            for text in ("旧\n", "新\x00\n"):
                store.record_extraction(
                    "abc", StoredExtraction("text", "m", None, text, "h", [], {}), "v9"
                )
            store.record_batch_file(batch, 1, "first.txt", "abc", "failed", "x", None)
        store.set_assessment(batch, "first.txt", "normative", {"normative": 1.0}, [])
        with store.transaction():
            store.record_batch_file(batch, 1, "first.txt", "abc", "ok", None, None)
        assert store.document_paths("abc") == ["first.txt"]
        assert store.extraction("abc", "v9").text == "新\n"  # type: ignore[union-attr]
        assert store.batch_files(batch)[0]["status"] == "ok"
        assert store.batch_files(batch)[0]["label"] is None


def test_latest_batch_is_the_one_created_last(ledger: str) -> None:
    with Store.open() as store:
        made = [store.create_batch("2026-11-27", "v1", [str(i)]) for i in range(5)]
        assert store.latest_batch_id() == made[-1]


def test_transaction_rolls_back_on_error(ledger: str) -> None:
    with Store.open() as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.record_document("abc", 3, "text", "x.txt")
            raise RuntimeError("boom")
        assert store.count("documents") == 0


def test_text_sorts_by_code_point_on_both_engines(
    ledger: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """PostgreSQL sorts text by the database's locale (an office's server may well be zh_CN);
    the ledger's columns use byte order, as SQLite does, so ranges and ORDER BY agree."""
    if ledger == POSTGRESQL:
        import psycopg

        server = request.getfixturevalue("pg_server")
        with psycopg.connect(server, autocommit=True) as conn:
            try:
                conn.execute(
                    "CREATE DATABASE t_zh TEMPLATE template0 ENCODING 'UTF8'"
                    " LOCALE_PROVIDER icu ICU_LOCALE 'zh' LOCALE 'C'"
                )
            except psycopg.Error as exc:  # -- ICU databases need PostgreSQL 15 built with ICU
                pytest.skip(f"this server cannot create a zh (ICU) database: {exc}")
        monkeypatch.setenv("SCREENING_DB", pgserver.with_database(server, "t_zh"))
        request.addfinalizer(
            lambda: psycopg.connect(server, autocommit=True).execute(
                "DROP DATABASE t_zh WITH (FORCE)"
            )
        )
    paths = ["b.txt", "B.txt", "张.txt", "a.txt", "a-2.txt"]
    with Store.open() as store:
        batch = store.create_batch("2026-11-27", "v1", ["x"])
        with store.transaction():
            store.record_document("ab12", 1, "text", paths[0])
            for seq, path in enumerate(paths, start=1):
                store.record_batch_file(batch, seq, path, "ab12", "ok", None, None)
            store.record_document("AB12", 1, "text", "x")
        assert store.document_paths("ab12") == sorted(paths)
        assert store.find_documents("ab") == ["ab12"]
        assert store.find_documents("AB") == ["AB12"]


def test_locate_reads_the_url() -> None:
    assert locate("postgresql://u:secret@h:5432/db").display() == "postgresql://u:***@h:5432/db"
    assert locate("postgres://u@h/db").engine == POSTGRESQL
    assert locate("sqlite:////tmp/x.db").target == "/tmp/x.db"
    assert locate("/tmp/y.db").target == "/tmp/y.db"
    with pytest.raises(StoreError, match="不支持的数据库地址 mysql://"):
        locate("mysql://h/db")


def test_unreachable_server_is_a_clean_error() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError) as caught:
        Store.open("postgresql://nobody:pw@127.0.0.1:1/nowhere")
    message = str(caught.value)
    assert message.startswith(
        "无法连接 PostgreSQL 台账 postgresql://nobody:***@127.0.0.1:1/nowhere："
    )
    assert "pw" not in message and message.endswith("以及数据库服务器是否已启动。")


def test_raw_connection_sees_the_same_ledger(ledger: str) -> None:
    with Store.open() as store:
        store.create_batch("2026-11-27", "v1", ["x"])
    conn = raw_connection()
    assert conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0] == 1
    conn.close()


def test_sqlite_file_error_is_clean(tmp_path: Path) -> None:
    (tmp_path / "not-a-db").write_bytes(b"garbage" * 1000)
    with pytest.raises(StoreError, match="无法打开审查台账数据库"):
        Store.open(tmp_path / "not-a-db")
    assert sqlite3  # -- the stdlib driver is the only one the default ledger needs
