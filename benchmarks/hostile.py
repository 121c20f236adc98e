"""One `screening screen` run over every hostile file of tests/hostile_corpus.py (≥ 300 files).

    python benchmarks/hostile.py [--work /tmp/screening-hostile] [--time-limit 60]

Generates the files (nothing is committed), runs the real ``screening screen`` command on the
folder in a child process (a fresh data directory), and reports: the exit code (must be 0 or 3),
files without a row (must be 0), rows per status, the slowest files (time from the end of the
previous file to the end of this one, as the command's progress reports it) and the peak
resident memory of the whole process tree (the command and its reader worker, sampled every
50 ms from /proc; the target is < 2 GB).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _child(times_path: Path, args: list[str]) -> None:
    """Run the real command, recording when each file finishes."""
    from screening import cli as cli_package
    from screening.cli import batch

    marks: list[tuple[float, str]] = [(time.monotonic(), "")]

    class Recorder(cli_package.Progress):
        def __call__(self, done: int, total: int, *rest: object) -> None:
            path = rest[0] if rest else None
            if path is not None:
                marks.append((time.monotonic(), os.fsdecode(path)))
                times_path.write_text(
                    json.dumps(
                        [[b[1], round(b[0] - a[0], 3)] for a, b in itertools.pairwise(marks)]
                    )
                )

    batch.Progress = Recorder  # type: ignore[misc]
    cli_package.cli.main(args, prog_name="screening")


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/screening-hostile"))
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--sample", type=int, help="only this many mutations (quick check)")
    args = parser.parse_args()
    from tests.hostile_corpus import generate

    work: Path = args.work
    if work.exists():
        subprocess.run(["rm", "-rf", str(work)], check=True)
    folder = work / "files"
    started = time.monotonic()
    files = generate(folder, sample=args.sample)
    print(f"generated {len(files)} hostile files in {time.monotonic() - started:.1f} s "
          f"({sum(f.stat().st_size for f in files) / 1e6:.1f} MB on disk)")  # fmt: skip
    home = work / "home"
    times = work / "times.json"
    env = {**os.environ, "SCREENING_HOME": str(home)}
    command = [sys.executable, __file__, "--child", str(times), "--", "screen", str(folder),
               "--out", str(work / "report"), "--time-limit", str(args.time_limit)]  # fmt: skip
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.05)
    out, err = process.communicate()
    wall = time.monotonic() - started
    with sqlite3.connect(home / "screening.db") as conn:
        (batch_id,) = conn.execute("SELECT id FROM batches ORDER BY created_at DESC").fetchone()
        rows = conn.execute(
            "SELECT path, status, error FROM batch_files WHERE batch_id = ?", (batch_id,)
        ).fetchall()
        status = conn.execute("SELECT status FROM batches WHERE id = ?", (batch_id,)).fetchone()[0]
    per_file = json.loads(times.read_text() or "[]") if times.exists() else []
    slowest = sorted(per_file, key=lambda item: -item[1])[:8]
    print(f"exit code {process.returncode} (0 or 3 expected); batch status {status}")
    print(f"files {len(files)}, rows {len(rows)}, files without a row {len(files) - len(rows)}")
    print("rows per status:", dict(Counter(r[1] for r in rows)))
    print(f"wall time {wall:.1f} s; peak RSS of the process tree {peak / 2**20:.0f} MB")
    print("slowest files (s):")
    for name, seconds in slowest:
        print(f"  {seconds:8.2f}  {Path(name).name}")
    errors = Counter((r[2] or "")[:40] for r in rows if r[1] != "ok")
    print("most common error messages:")
    for message, count in errors.most_common(12):
        print(f"  {count:4d}  {message}")
    internal = [r for r in rows if r[2] and "内部错误" in r[2]]
    print(f"rows with an internal error: {len(internal)}")
    for path, _, error in internal:
        print(f"  {Path(path).name}: {error}")
    if "Traceback" in err.decode("utf-8", "replace"):
        print("stderr had a traceback:\n" + err.decode("utf-8", "replace")[-3000:])
    print(out.decode("utf-8", "replace")[-600:])


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--child":
        _child(Path(sys.argv[2]), sys.argv[4:])
    else:
        main()
