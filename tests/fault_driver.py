"""The disk fills up in the middle of a batch: a scenario run in its own process.

    python tests/fault_driver.py WORK {tmpfs|fsize}

``tmpfs`` (needs root: run it under ``unshare -m``) puts the data directory and the report
folder on a 4 MB tmpfs and fills it, leaving 160 KB free, before the second batch: SQLite then
meets a real ENOSPC. ``fsize`` (any user, Linux) caps the size of every file the second batch
writes with RLIMIT_FSIZE instead. Both: a first batch of 4 files is screened and reported, the
second batch of 40 files stops when the ledger cannot grow, then the space comes back and the
same command finishes the batch. Findings go to ``WORK/result.json`` for tests/test_faults.py
and benchmarks/faults.py.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _documents(folder: Path, count: int) -> list[Path]:
    """``count`` distinct text documents of about 12 KB each."""
    folder.mkdir(parents=True, exist_ok=True)
    base = (REPO / "corpus" / "examples-src" / "ex-03.txt").read_text(encoding="utf-8")
    paths = []
    for i in range(count):
        path = folder / f"doc-{i:02d}.txt"
        body = "\n".join(
            f"第{j + 1}条 （第{i}号文件）{line}" for j, line in enumerate(base.splitlines() * 6)
        )
        path.write_text(f"关于第{i}号事项的通知\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


def _screen(
    home: Path, out: Path, paths: list[Path], fsize: int | None = None
) -> dict[str, object]:
    def limit() -> None:
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG, not a killed process
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    done = subprocess.run(
        [sys.executable, "-m", "screening", "screen", *map(str, paths), "--out", str(out),
         "--as-of", "2026-11-27"],
        env={**os.environ, "SCREENING_HOME": str(home)},
        capture_output=True,
        text=True,
        preexec_fn=limit,
        cwd=REPO,
        timeout=600,
    )  # fmt: skip
    return {"exit": done.returncode, "stdout": done.stdout, "stderr": done.stderr}


def _ledger(home: Path) -> dict[str, object]:
    conn = sqlite3.connect(f"file:{home / 'screening.db'}?mode=ro", uri=True)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        batches = conn.execute(
            "SELECT b.status, COUNT(f.seq), SUM(f.status = 'ok' AND f.prediction_id IS NOT NULL)"
            " FROM batches b LEFT JOIN batch_files f ON f.batch_id = b.id"
            " GROUP BY b.id ORDER BY b.created_at, b.rowid"
        ).fetchall()
        predictions = conn.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
        documents = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    finally:
        conn.close()
    return {
        "integrity": integrity,
        "batches": [list(b) for b in batches],
        "predictions": predictions,
        "documents": documents,
    }


def _report(out: Path) -> dict[str, object]:
    path = out / "report.json"
    if not path.exists():
        return {"exists": False}
    report = json.loads(path.read_text(encoding="utf-8"))
    return {
        "exists": True,
        "files": len(report["files"]),
        "leftovers": sorted(p.name for p in out.iterdir() if p.name.startswith(".")),
    }


def main(work: Path, mode: str) -> None:
    work.mkdir(parents=True, exist_ok=True)
    disk = work / "disk"
    disk.mkdir(exist_ok=True)
    if mode == "tmpfs":
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=True)
    home, out = disk / "home", disk / "out"
    docs = _documents(work / "batch", 40)
    result: dict[str, object] = {"mode": mode}
    result["first"] = _screen(home, out, docs[:4])
    result["after_first"] = {"ledger": _ledger(home), "report": _report(out)}
    filler = disk / "filler"
    fsize = None
    if mode == "tmpfs":
        with filler.open("wb") as handle:  # fill the disk, then give back 160 KB
            try:
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()
            except OSError:
                pass
        with filler.open("rb+") as handle:
            handle.truncate(max(0, filler.stat().st_size - 160 * 1024))
    else:
        sizes = [p.stat().st_size for p in home.iterdir()]
        fsize = max(sizes) + 160 * 1024
    result["full"] = _screen(home, out, docs, fsize)
    result["after_full"] = {"ledger": _ledger(home), "report": _report(out)}
    filler.unlink(missing_ok=True)
    result["again"] = _screen(home, out, docs)
    result["after_again"] = {"ledger": _ledger(home), "report": _report(out)}
    (work / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    if mode == "tmpfs":
        shutil.rmtree(home, ignore_errors=True)
        subprocess.run(["umount", str(disk)], check=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
