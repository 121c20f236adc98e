"""Which database holds the ledger, and the few ways SQLite and PostgreSQL differ.

Part of the store layer with :mod:`screening.ledger.store` (every query) and :mod:`screening.ledger.migrations`
(the schema). A single advisor's ledger is an SQLite file in the data directory and needs nothing
but the standard library; an office shares one PostgreSQL database, reached through psycopg 3
(``pip install 'screening[postgres]'``), the only module that imports it.

Both engines are used the same way: a :class:`Connection` in autocommit mode whose SQL uses ``?``
placeholders, with explicit transactions (:meth:`Connection.begin`) and a named lock held until
the transaction ends (:meth:`Connection.lock`) to serialise appends to the decision chain.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from ..config import db_path, db_url
from ..errors import StoreError

SQLITE, POSTGRESQL = "sqlite", "postgresql"

#: Keys of the named locks (PostgreSQL advisory locks are per database, so two ledgers on one
#: server never wait for each other).
LOCKS = {"migrations": 0x5C12_0001, "decisions": 0x5C12_0002, "batches": 0x5C12_0003}


@dataclass(frozen=True)
class Location:
    """Where the ledger is: an SQLite file, or a PostgreSQL connection URL."""

    engine: str
    target: str

    @property
    def path(self) -> Path | None:
        return Path(self.target) if self.engine == SQLITE else None

    def display(self) -> str:
        """The location as shown to users: a path, or the URL without its password."""
        if self.engine == SQLITE:
            return self.target
        parts = urlsplit(self.target)
        if parts.password is None:
            return self.target
        netloc = parts.netloc.rsplit("@", 1)
        user = netloc[0].split(":", 1)[0]
        return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def locate(url: str | Path | None = None) -> Location:
    """The ledger named by ``url``, else by ``$SCREENING_DB``, else the SQLite file in the data dir.

    ``postgresql://user@host:port/db`` (or ``postgres://``) is a shared PostgreSQL ledger;
    ``sqlite:///path/to/file.db`` or a plain path is an SQLite file.
    """
    value = str(url) if url is not None else (db_url() or "")
    value = value.strip()
    if not value:
        return Location(SQLITE, str(db_path()))
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if scheme in ("postgresql", "postgres"):
        return Location(POSTGRESQL, value)
    if scheme == "sqlite":
        path = value.split("://", 1)[1]
        if not path.strip("/"):
            raise StoreError(
                f"数据库地址 {value} 缺少文件路径，例如 sqlite:///home/张律师/台账.db。"
            )
        return Location(SQLITE, path[1:] if path.startswith("//") else path)
    if scheme:
        raise StoreError(
            f"不支持的数据库地址 {value.split('://', 1)[0]}://…：请使用 postgresql://用户@主机:端口/数据库，"
            "或 SQLite 文件路径。"
        )
    return Location(SQLITE, str(Path(value).expanduser()))


#: How long a write waits for a lock held by another program (a reviewer, a database browser
#: left open) before giving up with a clear message. SQLite's own busy wait is shorter, so a
#: transaction retries its ``BEGIN IMMEDIATE`` until this much time has passed.
LOCK_WAIT_S = 300.0
_BUSY_TIMEOUT_S = 30.0


def explain(exc: BaseException, where: str, waited: float | None = None) -> str:
    """What an SQLite error on the ledger at ``where`` means for the user, and what to do
    (``waited``: how long a write waited for a lock before giving up)."""
    name = getattr(exc, "sqlite_errorname", "")
    if name == "SQLITE_FULL" or "disk is full" in str(exc):
        return (
            f"磁盘空间已满，无法写入审查台账 {where}。已完成的文件均已保存；"
            "请清理磁盘空间后重新运行同一命令，已审查的文件会被跳过。"
        )
    if name.startswith("SQLITE_READONLY") or "readonly" in str(exc):
        return (
            f"审查台账 {where} 是只读文件（或所在目录不可写），无法写入。"
            "请取消该文件的只读属性，或用环境变量 SCREENING_HOME 指定可写的数据目录，然后重新运行。"
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc):
        how_long = f"（已等待 {waited:g} 秒）" if waited else ""
        return (
            f"审查台账 {where} 正被其他程序占用{how_long}。请关闭正在使用台账的程序"
            "（如数据库查看工具或另一个正在审查的窗口）后重新运行同一命令；已保存的记录不受影响。"
        )
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or "not a database" in str(exc):
        return (
            f"无法打开审查台账数据库 {where}：文件已损坏，或不是审查台账。"
            "请从备份恢复该文件，或用环境变量 SCREENING_HOME 指定其他数据目录。"
        )
    if name.startswith("SQLITE_IOERR") or "disk I/O" in str(exc):
        return (
            f"写入审查台账 {where} 时发生磁盘读写错误（磁盘可能已满、已拔出或已损坏）。"
            "已完成的文件均已保存；请检查磁盘后重新运行同一命令。"
        )
    return (
        f"审查台账 {where} 无法读写（{exc}）。请检查文件权限和磁盘空间，"
        "或用环境变量 SCREENING_HOME 指定其他数据目录。"
    )


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection:
    """One connection to the ledger, in autocommit mode; ``?`` placeholders on both engines."""

    engine: str
    location: Location
    #: Exceptions the driver raises for database errors.
    errors: tuple[type[BaseException], ...]
    #: An SQL expression for the database server's clock, in seconds since the epoch (leases use
    #: it so that reviewers' machines with different clocks agree on when a lease expires).
    now_epoch: str

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        raise NotImplementedError

    def insert(self, sql: str, params: Any = ()) -> int:
        """Run an INSERT into a table with an ``id`` key; return the new row's id."""
        raise NotImplementedError

    def begin(self) -> None:
        """Start a write transaction."""
        raise NotImplementedError

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        self.execute("ROLLBACK")

    def lock(self, name: str) -> None:
        """Inside a transaction: wait for, then hold until it ends, the lock called ``name``."""
        raise NotImplementedError

    def begin_ephemeral(self) -> None:
        """Start a transaction whose loss in a server crash would do no harm (review leases):
        PostgreSQL commits it without waiting for the disk; SQLite in WAL mode never waits."""
        self.begin()

    def table_exists(self, name: str) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SQLiteConnection(Connection):
    engine = SQLITE
    errors = (sqlite3.Error,)
    now_epoch = "((julianday('now') - 2440587.5) * 86400.0)"

    def __init__(self, raw: sqlite3.Connection, location: Location) -> None:
        self.raw = raw
        self.location = location

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        return self.raw.execute(sql, params)

    def insert(self, sql: str, params: Any = ()) -> int:
        return int(self.raw.execute(sql, params).lastrowid or 0)

    def begin(self) -> None:
        # IMMEDIATE takes the database's write lock at once: every writer is serialised, so
        # :meth:`lock` has nothing more to do. Another program holding the lock is waited for
        # up to LOCK_WAIT_S, then reported.
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                self.raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                busy = getattr(exc, "sqlite_errorname", "").startswith("SQLITE_BUSY")
                if not (busy or "locked" in str(exc)):
                    raise StoreError(explain(exc, self.location.target)) from exc
                if time.monotonic() >= deadline:
                    raise StoreError(explain(exc, self.location.target, LOCK_WAIT_S)) from exc

    def rollback(self) -> None:
        # -- SQLite may already have rolled back by itself (after SQLITE_FULL, say)
        if self.raw.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.raw.execute("ROLLBACK")

    def lock(self, name: str) -> None:
        if name not in LOCKS:  # -- a bug on both engines, caught on the one tests run most
            raise KeyError(name)

    def table_exists(self, name: str) -> bool:
        row = self.raw.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def close(self) -> None:
        self.raw.close()


@lru_cache(maxsize=256)
def _pg_sql(sql: str) -> str:
    # psycopg uses %s placeholders and reads % as the start of one.
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresConnection(Connection):
    engine = POSTGRESQL
    now_epoch = "EXTRACT(EPOCH FROM clock_timestamp())::float8"

    def __init__(self, raw: Any, location: Location, errors: tuple[type[BaseException], ...]):
        self.raw = raw
        self.location = location
        self.errors = errors

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        cursor: Cursor = self.raw.execute(_pg_sql(sql), tuple(params))
        return cursor

    def insert(self, sql: str, params: Any = ()) -> int:
        return int(self.raw.execute(_pg_sql(sql + " RETURNING id"), tuple(params)).fetchone()[0])

    def begin(self) -> None:
        self.raw.execute("BEGIN")

    def begin_ephemeral(self) -> None:
        self.raw.execute("BEGIN")
        self.raw.execute("SET LOCAL synchronous_commit TO OFF")

    def lock(self, name: str) -> None:
        self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (LOCKS[name],))

    def table_exists(self, name: str) -> bool:
        return self.raw.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0] is not None

    def close(self) -> None:
        self.raw.close()


def connect(location: Location) -> Connection:
    """Open a connection to ``location`` (no schema work: see :func:`screening.ledger.store.Store.open`)."""
    if location.engine == SQLITE:
        path = Path(location.target)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            raw = sqlite3.connect(
                path, isolation_level=None, timeout=min(_BUSY_TIMEOUT_S, LOCK_WAIT_S)
            )
            raw.execute("PRAGMA journal_mode=WAL")
            raw.execute("PRAGMA synchronous=NORMAL")
            raw.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            raise StoreError(explain(exc, str(path))) from exc
        except OSError as exc:
            raise StoreError(
                f"无法打开审查台账数据库 {path}：{exc}。请检查文件权限，或用 SCREENING_HOME 指定其他数据目录。"
            ) from exc
        return SQLiteConnection(raw, location)
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            "使用 PostgreSQL 台账需要安装 psycopg：pip install 'screening[postgres]'。"
        ) from None
    try:
        raw = psycopg.connect(location.target, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise StoreError(
            f"无法连接 PostgreSQL 台账 {location.display()}：{_first_line(exc)}。"
            "请检查地址、端口、用户名与密码，以及数据库服务器是否已启动。"
        ) from exc
    return PostgresConnection(raw, location, (psycopg.Error,))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


#: Column types written once for both engines, as SQLite spells them (migrations).
_PG_TYPES = [
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    # Byte order, as SQLite compares text, whatever the server's locale.
    (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'),
]


def ddl(sql: str, engine: str) -> str:
    """A schema statement written for SQLite, as ``engine`` needs it."""
    if engine == POSTGRESQL:
        for pattern, replacement in _PG_TYPES:
            sql = pattern.sub(replacement, sql)
    return sql
