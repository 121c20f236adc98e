"""Time `screening screen` on 1,000 text documents and `screening --help` start-up.

Run by hand (not in the tests):  python benchmarks/bench_screen.py [--docs 1000] [--runs 3]

The documents are the corpus texts (ours), cycled with a unique closing line so that every file
has its own sha256. Each run uses a fresh SCREENING_HOME, so nothing is reused from a cache;
a final run repeats the last batch on the same ledger to time the cached rerun. Prints medians.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def make_batch(folder: Path, n: int) -> int:
    texts = [
        p.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        for p in sorted((REPO / "corpus" / "docs").rglob("*.txt"))
    ]
    chars = 0
    for i in range(n):
        text = texts[i % len(texts)] + f"\n（批量测试副本 {i}）\n"
        (folder / f"doc-{i:05d}.txt").write_text(text, encoding="utf-8")
        chars += len(text)
    return chars


def run(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    exe = shutil.which("screening") or sys.exit("screening is not installed (pip install .)")
    work = Path(tempfile.mkdtemp())
    batch = work / "batch"
    batch.mkdir()
    chars = make_batch(batch, args.docs)
    times = []
    for r in range(args.runs):
        env = {**os.environ, "SCREENING_HOME": str(work / f"home{r}")}
        times.append(run([exe, "screen", str(batch), "--out", str(work / "out")], env))
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rerun = run([exe, "screen", str(batch), "--out", str(work / "out")], env)
    help_times = [run([exe, "--help"], dict(os.environ)) for _ in range(10)]
    med = statistics.median(times)
    print(f"documents: {args.docs} ({chars / args.docs:.0f} chars each on average)")
    print(
        f"screen, fresh ledger: median {med:.2f} s over {args.runs} runs -> {args.docs / med:.0f} docs/s "
        f"(runs: {', '.join(f'{t:.2f}' for t in times)})"
    )
    print(
        f"screen, rerun on same ledger (all cached): {rerun:.2f} s -> {args.docs / rerun:.0f} docs/s"
    )
    print(f"peak RSS of a screen process: {rss_mb:.0f} MB")
    print(f"screening --help: median {statistics.median(help_times) * 1000:.0f} ms over 10 runs")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
