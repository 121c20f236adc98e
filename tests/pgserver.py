"""A throw-away PostgreSQL server for the tests and benchmarks (standard library only).

:func:`start` runs ``initdb`` and ``pg_ctl`` from the PATH or from Debian's
``/usr/lib/postgresql/*/bin`` in a fresh folder, listening on a free loopback port, with trust
authentication for the superuser ``screening``. ``initdb`` refuses to run as root, so as root the
server runs as the unprivileged ``postgres`` user the Debian package creates (or ``$PGUSER_OS``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


class Unavailable(Exception):
    """No server can be started here; the message says why."""


@dataclass
class Server:
    url: str
    folder: Path
    pg_ctl: str
    run_as: list[str]

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, self.pg_ctl, "-D", str(self.folder / "data"), "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def find_binaries() -> tuple[str, str]:
    """Paths of ``initdb`` and ``pg_ctl`` (the newest Debian cluster version first)."""
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True):
        initdb, pg_ctl = Path(bindir, "initdb"), Path(bindir, "pg_ctl")
        if initdb.exists() and pg_ctl.exists():
            return str(initdb), str(pg_ctl)
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return initdb, pg_ctl
    raise Unavailable(
        "PostgreSQL is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin); "
        "install it (Debian: apt-get install postgresql) or set SCREENING_TEST_PG to a server URL"
    )


def _version(bindir: str) -> float:
    try:
        return float(Path(bindir).parent.name)
    except ValueError:
        return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(durable: bool = False) -> Server:
    """Start a server; ``durable=False`` turns fsync off (tests), ``True`` keeps the defaults
    (benchmarks that measure commit latency)."""
    initdb, pg_ctl = find_binaries()
    run_as: list[str] = []
    owner: str | None = None
    if os.geteuid() == 0:
        owner = os.environ.get("PGUSER_OS", "postgres")
        try:
            pwd.getpwnam(owner)
        except KeyError:
            raise Unavailable(
                f"running as root and there is no unprivileged user {owner!r} to run initdb as "
                "(initdb refuses root); create one or set PGUSER_OS"
            ) from None
        run_as = ["runuser", "-u", owner, "--"]
    folder = Path(tempfile.mkdtemp(prefix="screening-pg-"))
    if owner:
        shutil.chown(folder, owner)
    data = folder / "data"
    port = free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    steps = [
        [initdb, "-D", str(data), "-U", "screening", "-A", "trust", "-E", "UTF8", "--no-locale"],
        [pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-w", "-o", options, "start"],
    ]
    for step in steps:
        done = subprocess.run([*run_as, *step], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
            shutil.rmtree(folder, ignore_errors=True)
            raise Unavailable(
                f"{Path(step[0]).name} failed: {(done.stderr or done.stdout).strip()[-500:]} {log[-500:]}"
            )
    return Server(f"postgresql://screening@127.0.0.1:{port}/postgres", folder, pg_ctl, run_as)


def with_database(url: str, name: str) -> str:
    """``url`` with its database name replaced by ``name``."""
    return urlunsplit(urlsplit(url)._replace(path="/" + name))
