"""`screening screen` on 10,000 real-length text files: one process, --workers 2, and Dask.

Run by hand:  python benchmarks/bench_parallel.py [--docs 10000] [--runs 1]

The files are made in a temporary folder from the texts of ../shared/realdata/dev.jsonl (title,
文号 and body, as a file reads), cycled with a small variation each (a copy number in the last
line, and every other one with its date shifted a year) so that every file has its own sha256;
they are deleted at the end and never committed. Each run screens the whole folder into a fresh
SQLite ledger, in three ways: one process (the default), `--workers 2` (a process pool on this
machine), and `--scheduler` on a loopback Dask cluster of 2 single-threaded worker processes
started here. Prints docs/s (median of --runs), the speed-up over one process, the peak RSS of
the client process alone (its own getrusage, not its workers'), and whether the three give the
same label and probability for every file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "realdata" / "dev.jsonl"

#: Runs the CLI in this process and writes its own peak RSS (KiB) to $BENCH_RSS_FILE at exit.
CLIENT = (
    "import os, resource, sys\n"
    "from screening.cli import cli\n"
    "try:\n"
    "    cli(prog_name='screening')\n"
    "finally:\n"
    "    with open(os.environ['BENCH_RSS_FILE'], 'w') as f:\n"
    "        f.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
)

#: A loopback cluster whose workers may start the per-file reading process.
CLUSTER = (
    "import sys, time, dask\n"
    "from distributed import LocalCluster\n"
    "dask.config.set({'distributed.worker.daemon': False})\n"
    "c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host='127.0.0.1',"
    " dashboard_address=':0')\n"
    "print(c.scheduler_address, flush=True)\n"
    "sys.stdin.read()\n"
    "c.close()\n"
)


def make_files(folder: Path, n: int) -> int:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    chars = 0
    for i in range(n):
        row = rows[i % len(rows)]
        head = "\n".join(x for x in (row.get("title"), row.get("doc_number")) if x)
        text = f"{head}\n\n{row['text']}\n"
        if i // len(rows) % 2 and row.get("date"):
            year = row["date"][:4]
            text = text.replace(f"{year}年", f"{int(year) - 1}年", 1)
        text += f"（第 {i} 份副本）\n"
        (folder / f"doc-{i:05d}.txt").write_text(text, encoding="utf-8")
        chars += len(text)
    return chars


def screen(folder: Path, work: Path, tag: str, options: list[str]) -> tuple[float, float, dict]:
    home, out, rss = work / f"home-{tag}", work / f"out-{tag}", work / f"rss-{tag}"
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "SCREENING_HOME": str(home), "BENCH_RSS_FILE": str(rss)}
    env.pop("SCREENING_DB", None)
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CLIENT,
            "screen",
            str(folder),
            "--out",
            str(out),
            "--as-of",
            "2026-11-27",
            *options,
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 3):
        sys.exit(f"{tag} failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    labels = {f["path"]: (f["status"], f["label"], f["model_probability"]) for f in report["files"]}
    return seconds, int(rss.read_text()) / 1024, labels


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if not DEV.exists():
        sys.exit(f"{DEV} is missing: this benchmark reads the shared real documents")
    work = Path(tempfile.mkdtemp())
    folder = work / "batch"
    folder.mkdir()
    chars = make_files(folder, args.docs)
    print(f"{args.docs} files, {chars / args.docs:.0f} characters each on average")
    cluster = subprocess.Popen(
        [sys.executable, "-c", CLUSTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        address = cluster.stdout.readline().strip()  # type: ignore[union-attr]
        modes = {
            "one process": [],
            "--workers 2": ["--workers", "2"],
            "Dask, 2 workers": ["--scheduler", address],
        }
        results: dict[str, list[tuple[float, float, dict]]] = {m: [] for m in modes}
        for run in range(args.runs):
            for tag, options in modes.items():
                results[tag].append(
                    screen(folder, work, f"{run}-{len(results[tag])}-{tag[:4]}", options)
                )
    finally:
        cluster.stdin.close()  # type: ignore[union-attr]
        cluster.wait(timeout=60)
    base = statistics.median(r[0] for r in results["one process"])
    reference = results["one process"][0][2]
    for tag, runs in results.items():
        med = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        same = all(r[2] == reference for r in runs)
        print(
            f"{tag:16s} {args.docs / med:7.1f} docs/s (median of {len(runs)}: "
            f"{', '.join(f'{r[0]:.1f}' for r in runs)} s)  speed-up {base / med:.2f}x  "
            f"client peak RSS {rss:.0f} MB  labels identical to one process: {same}"
        )
    statuses = {s for s, _, _ in reference.values()}
    print(f"statuses seen: {sorted(statuses)}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
