"""Faults from outside, run for real: what the user sees, and that nothing committed is lost.

    python benchmarks/faults.py [--work /tmp/screening-faults] [--lock-seconds 60] [--kills 12]

1. The disk fills up in the middle of a batch (tests/fault_driver.py: a 4 MB tmpfs when this
   runs as root and may mount, else RLIMIT_FSIZE).
2. The ledger file is read-only: writes are refused, reading commands still work.
3. Another program holds the ledger's write lock for a minute while a batch and a decision
   run.
4. The process is killed at random moments while it screens a batch and writes its reports:
   after each kill, every report under its final name is whole, and the ledger is intact.
5. Damaged and crafted model files given to ``screening screen --model``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _screening(home: Path, *args: str, preexec=None) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "screening", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "SCREENING_HOME": str(home)},
        preexec_fn=preexec,
    )


def _docs(folder: Path, count: int) -> Path:
    from tests.fault_driver import _documents

    _documents(folder, count)
    return folder


def disk_full(work: Path) -> None:
    from tests.test_faults import _can_mount_tmpfs

    mode = "tmpfs" if _can_mount_tmpfs() else "fsize"
    driver = [sys.executable, str(REPO / "tests" / "fault_driver.py"), str(work), mode]
    subprocess.run(["unshare", "-m", *driver] if mode == "tmpfs" else driver, check=True)
    result = json.loads((work / "result.json").read_text(encoding="utf-8"))
    print(f"## 1. disk full during a batch ({mode})")
    print(f"first batch (4 files): exit {result['first']['exit']}")
    print(f"second batch (40 files) on a full disk: exit {result['full']['exit']}; the user sees:")
    print("   " + result["full"]["stderr"].strip())
    after = result["after_full"]
    print(f"ledger afterwards: integrity_check {after['ledger']['integrity']}; batches "
          f"(status, rows, rows with their prediction) {after['ledger']['batches']}")  # fmt: skip
    print(f"report.json afterwards: {after['report']}")
    again = result["after_again"]
    print(f"same command once space is back: exit {result['again']['exit']}; "
          f"batches {again['ledger']['batches']}; predictions {again['ledger']['predictions']} "
          f"(40 documents, none screened twice); report {again['report']}")  # fmt: skip


def read_only(work: Path) -> None:
    from tests.test_faults import _without_dac_override

    home = work / "home"
    batch = _docs(work / "batch", 3)
    _screening(home, "screen", str(batch / "doc-00.txt"), "--out", str(work / "out"))
    ledger = home / "screening.db"
    before = ledger.read_bytes()
    ledger.chmod(0o444)
    drop = _without_dac_override if os.geteuid() == 0 else None
    print("## 2. read-only ledger")
    for args in (
        ("screen", str(batch), "--out", str(work / "out2")),
        ("decide", str(batch / "doc-00.txt"), "--label", "normative", "--reviewer", "张律师"),
        ("report", "--format", "json", "--out", str(work / "out3")),
        ("audit", "verify"),
    ):
        done = _screening(home, *args, preexec=drop)
        shown = (done.stderr or done.stdout).strip().splitlines()[-1]
        print(f"screening {args[0]}: exit {done.returncode}: {shown}")
    print(f"ledger bytes unchanged: {ledger.read_bytes() == before}")


def locked(work: Path, seconds: float) -> None:
    home = work / "home"
    batch = _docs(work / "batch", 5)
    _screening(home, "screen", str(batch / "doc-00.txt"), "--out", str(work / "out"))
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True)\n"
         "time.sleep(float(sys.argv[2])); c.execute('ROLLBACK')",
         str(home / "screening.db"), str(seconds)],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
    started = time.monotonic()
    screen = subprocess.Popen(
        [sys.executable, "-m", "screening", "screen", str(batch), "--out", str(work / "out")],
        cwd=REPO, env={**os.environ, "SCREENING_HOME": str(home)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    decide = _screening(home, "decide", str(batch / "doc-00.txt"), "--label", "normative",
                        "--reviewer", "张律师")  # fmt: skip
    decided_after = time.monotonic() - started
    out, err = screen.communicate()
    screened_after = time.monotonic() - started
    holder.wait()
    with sqlite3.connect(home / "screening.db") as conn:
        rows = conn.execute("SELECT COUNT(*) FROM batch_files").fetchone()[0]
        decisions = conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
    print(f"## 3. ledger locked by another program for {seconds:g} s")
    print(f"screening decide: exit {decide.returncode} after {decided_after:.1f} s: "
          f"{(decide.stdout or decide.stderr).strip()}")  # fmt: skip
    print(f"screening screen (5 files): exit {screen.returncode} after {screened_after:.1f} s; "
          f"the user sees: {(out or err).strip().splitlines()[-1]}")  # fmt: skip
    print(f"rows in the ledger: batch_files {rows} (1 + 5), decisions {decisions} (1)")


def killed(work: Path, kills: int) -> None:
    batch = work / "batch"
    batch.mkdir(parents=True)
    # A batch big enough that its reports take a while: 150 text files.
    text = (REPO / "corpus" / "examples-src" / "ex-03.txt").read_text(encoding="utf-8")
    for i in range(150):
        (batch / f"doc-{i:03d}.txt").write_text(f"第{i}号\n" + text * 5, encoding="utf-8")
    rng = random.Random(15)
    home, out = work / "home", work / "out"

    def run(as_of: str) -> subprocess.Popen[bytes]:
        # -- a new as-of date makes every file be judged again: each run does real work
        return subprocess.Popen(
            [sys.executable, "-m", "screening", "screen", str(batch), "--out", str(out),
             "--as-of", as_of],
            cwd=REPO, env={**os.environ, "SCREENING_HOME": str(home)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    run("2026-01-01").wait()  # read every file once; a report to be replaced
    started = time.monotonic()
    run("2026-01-02").wait()
    full = time.monotonic() - started
    half_written = whole = hit = 0
    for n in range(kills):
        child = run(f"2026-02-{n + 1:02d}")
        if n % 2 == 0:
            time.sleep(rng.uniform(0.2, 1.0) * full)  # -- anywhere in the run
        else:
            _wait_for_report_writing(out, child)  # -- the moment a report file starts changing
        hit += child.poll() is None
        child.send_signal(signal.SIGKILL)
        child.wait()
        for name in ("report.json", "report.csv", "report.md"):
            path = out / name
            if not path.exists():
                continue
            body = path.read_text(encoding="utf-8-sig")
            ok = {
                "report.json": lambda b: isinstance(json.loads(b), dict),
                "report.csv": lambda b: b.endswith("\n") and b.count("\n") >= 2,
                "report.md": lambda b: "## 建议废止的规范性文件目录" in b,
            }[name]
            try:
                good = ok(body)
            except ValueError:
                good = False
            whole += good
            half_written += not good
        with sqlite3.connect(home / "screening.db") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    leftovers = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    final = _screening(home, "screen", str(batch), "--out", str(out))
    print(f"## 4. killed while screening and writing reports ({kills} kills, half at random "
          f"moments, half the moment a report file starts changing; {hit} hit the running "
          f"command; a run takes {full:.1f} s)")  # fmt: skip
    print(f"report files checked after the kills: {whole} whole, {half_written} half-written")
    print(f"ledger integrity_check after every kill: ok; hidden temporaries left by kills: "
          f"{len(leftovers)}")  # fmt: skip
    print(f"the same command afterwards: exit {final.returncode}: "
          f"{final.stdout.strip().splitlines()[-2][:60]}…")  # fmt: skip


def _wait_for_report_writing(out: Path, child: subprocess.Popen[bytes]) -> None:
    """Return as soon as anything in ``out`` changes (a temporary appears, a report is
    truncated or grows), or when ``child`` ends."""

    def state() -> list[tuple[str, int, int]]:
        found = []
        for entry in os.scandir(out):
            try:
                info = entry.stat()
            except FileNotFoundError:
                continue
            found.append((entry.name, info.st_size, info.st_mtime_ns))
        return sorted(found)

    before = state()
    while child.poll() is None and state() == before:
        time.sleep(0.0005)


def models(work: Path) -> None:
    from tests.test_faults import MODELS

    work.mkdir(parents=True)
    print("## 5. damaged and crafted model files (screening screen --model FILE)")
    example = (
        REPO
        / "corpus"
        / "examples"
        / next(p.name for p in (REPO / "corpus" / "examples").iterdir())
    )
    for case, (build, _) in sorted(MODELS.items()):
        path = work / f"{case}.npz"
        path.write_bytes(build())
        done = _screening(work / "home", "screen", str(example), "--out", str(work / "out"),
                          "--model", str(path))  # fmt: skip
        print(f"{case}: exit {done.returncode}: {done.stderr.strip().replace(str(path), 'FILE')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/screening-faults"))
    parser.add_argument("--lock-seconds", type=float, default=60.0)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--only", nargs="*", help="disk read-only locked killed models")
    args = parser.parse_args()
    if args.work.exists():
        shutil.rmtree(args.work)
    if not args.only or "disk" in args.only:
        disk_full(args.work / "disk")
    if not args.only or "read-only" in args.only:
        read_only(args.work / "read-only")
    if not args.only or "locked" in args.only:
        locked(args.work / "locked", args.lock_seconds)
    if not args.only or "killed" in args.only:
        killed(args.work / "killed", args.kills)
    if not args.only or "models" in args.only:
        models(args.work / "models")


if __name__ == "__main__":
    main()
