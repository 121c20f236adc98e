"""Time `screening screen` against plain jieba segmentation of the same files, and start-up.

Run by hand (not in the tests):
    python benchmarks/bench_screen.py [--docs 2000] [--runs 3] [--rss-docs 10000] [--profile]

The files are real-length texts: the dev set's local slice (../shared/realdata/dev.jsonl, about
2,900 characters each; our corpus texts when the dev set is absent), repeated to --docs files,
each with a unique closing line so that every file has its own sha256 (nothing is reused from a
cache; every run gets a fresh SCREENING_HOME). In each run, side by side and in turn:

- ``jieba``: a fresh Python process reads every file and calls ``jieba.lcut`` on it (the baseline
  of issue 14: "plain jieba lcut of the same files");
- ``screen``: ``screening screen FOLDER --out DIR`` with its default workers (the machine's cores);
- ``screen --workers 1``: the same in one process.

Medians of the runs, docs/s and ratios to jieba are printed. ``--rss-docs`` screens that many
files once more (default workers) and reports the peak RSS of the screening process tree;
``--profile`` profiles a one-process screen of the files in this process and prints the top.
"""

from __future__ import annotations

import argparse
import json
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
DEV = REPO.parent / "shared" / "realdata" / "dev.jsonl"
LOCAL = "zhiyao87/Shanghai-Gov-Docs-Index"

JIEBA = """
import jieba, logging, sys
from pathlib import Path
jieba.setLogLevel(logging.WARNING)
jieba.initialize()
n = 0
for path in sorted(Path(sys.argv[1]).iterdir()):
    n += len(jieba.lcut(path.read_text(encoding="utf-8")))
print(n)
"""


def texts() -> list[str]:
    if DEV.is_file():
        rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]
        return [f"{r['title']}\n{r['text']}" for r in rows if r["source"].startswith(LOCAL)]
    return [
        p.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        for p in sorted((REPO / "corpus" / "docs").rglob("*.txt"))
    ]


def make_batch(folder: Path, n: int) -> int:
    pool = texts()
    folder.mkdir(parents=True, exist_ok=True)
    chars = 0
    for i in range(n):
        text = pool[i % len(pool)] + f"\n（批量测试副本 {i}）\n"
        (folder / f"doc-{i:05d}.txt").write_text(text, encoding="utf-8")
        chars += len(text)
    return chars


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, check=False, capture_output=True)
    if done.returncode not in (0, 3):
        sys.exit(f"{cmd} failed: {done.stderr.decode('utf-8', 'replace')[-500:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rss-docs", type=int, default=0)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    exe = shutil.which("screening") or sys.exit("screening is not installed (pip install .)")
    work = Path(tempfile.mkdtemp(prefix="bench-screen-"))
    batch = work / "batch"
    chars = make_batch(batch, args.docs)
    print(
        f"{args.docs} files, {chars / args.docs:.0f} characters each on average; "
        f"{os.cpu_count()} cores"
    )
    modes = {
        "jieba": lambda env: timed([sys.executable, "-c", JIEBA, str(batch)], env),
        "screen": lambda env: timed([exe, "screen", str(batch), "--out", str(env["OUT"])], env),
        "screen --workers 1": lambda env: timed(
            [exe, "screen", str(batch), "--out", str(env["OUT"]), "--workers", "1"], env
        ),
    }
    times: dict[str, list[float]] = {m: [] for m in modes}
    for r in range(args.runs):
        for name, run in modes.items():
            env = {
                **os.environ,
                "SCREENING_HOME": str(work / f"home-{r}-{len(times[name])}-{name[-1]}"),
                "OUT": str(work / "out"),
            }
            times[name].append(run(env))
    base = statistics.median(times["jieba"])
    for name, values in times.items():
        med = statistics.median(values)
        print(
            f"{name:20} median {med:6.2f} s -> {args.docs / med:6.0f} docs/s, "
            f"{base / med:4.2f}x jieba (runs: {', '.join(f'{v:.2f}' for v in values)})"
        )
    help_times = []
    for _ in range(10):
        start = time.perf_counter()
        subprocess.run([exe, "--help"], check=False, capture_output=True)
        help_times.append(time.perf_counter() - start)
    print(f"screening --help: median {statistics.median(help_times) * 1000:.0f} ms over 10 runs")
    if args.rss_docs:
        big = work / "big"
        make_batch(big, args.rss_docs)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        env = {**os.environ, "SCREENING_HOME": str(work / "home-rss")}
        seconds = timed([exe, "screen", str(big), "--out", str(work / "out-rss")], env)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            f"{args.rss_docs} files: {seconds:.1f} s ({args.rss_docs / seconds:.0f} docs/s); "
            f"peak RSS of the largest process {max(peak, before) / 1024:.0f} MB"
        )
    if args.profile:
        profile(batch, work)
    shutil.rmtree(work)


def profile(batch: Path, work: Path) -> None:
    import cProfile
    import pstats

    os.environ["SCREENING_HOME"] = str(work / "home-profile")
    sys.path.insert(0, str(REPO))
    from screening.ledger import Store
    from screening.model import load_model
    from screening.pipeline import screen_paths

    model = load_model()
    with Store.open() as store:
        profiler = cProfile.Profile()
        profiler.enable()
        screen_paths([batch], store, model, "2026-11-27")
        profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
