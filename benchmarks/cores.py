"""How much a second process adds on this machine: the ceiling of `screen`'s workers.

Run by hand:
    python benchmarks/cores.py [--runs 3] [--loops 20000000]

Times a pure-Python loop in one process alone, then in as many processes at once as there are
cores, and prints the medians and the throughput they give relative to one process. On a machine
whose cores share a physical core or a cache (or a busy host), N processes give less than N×.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from screening.pipeline.parallel import default_workers

LOOP = "x = 0\nfor i in range({n}): x += i\n"


def timed(processes: int, loops: int) -> float:
    """Seconds for ``processes`` copies of the loop started together, each to its end."""
    start = time.perf_counter()
    running = [
        subprocess.Popen([sys.executable, "-c", LOOP.format(n=loops)]) for _ in range(processes)
    ]
    for p in running:
        p.wait()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--loops", type=int, default=20_000_000)
    args = parser.parse_args()
    cores = default_workers()  # -- as many as `screen` starts by default
    alone = statistics.median(timed(1, args.loops) for _ in range(args.runs))
    together = statistics.median(timed(cores, args.loops) for _ in range(args.runs))
    print(f"one process: {alone:.2f} s; {cores} at once: {together:.2f} s each")
    print(f"throughput of {cores} processes: {cores * alone / together:.2f}x one process")


if __name__ == "__main__":
    main()
