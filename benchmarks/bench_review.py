"""Keypress-to-next-screen latency of the review loop on a 1,000-document batch.

Run by hand:  python benchmarks/bench_review.py [--docs 1000] [--keys 300]

Screens --docs corpus texts (ours, each made unique) into a temporary ledger, opens a review
session, then times, for each key press, the work between the key and the next screen being
ready: recording the decision (committed to SQLite) and rendering the screen with rich. Keys
cycle through 1, 2, 3, Enter, with an undo every 10th key. Prints median, 95th percentile, max.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_screen import make_batch  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--keys", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    os.environ["SCREENING_HOME"] = str(work / "home")
    from screening.ledger.store import Store
    from screening.model.registry import load_model
    from screening.pipeline.screen import screen_paths
    from screening.review.queue import ReviewSession
    from screening.review.view import render_to_text

    batch_dir = work / "batch"
    batch_dir.mkdir()
    make_batch(batch_dir, args.docs)
    with Store.open() as store:
        result = screen_paths([batch_dir], store, load_model(), "2026-11-27")
        start = time.perf_counter()
        session = ReviewSession(store, result.batch_id, "bench", "uncertainty")
        open_s = time.perf_counter() - start
        render_to_text(session)
        keys = ["1", "2", "3", ""]
        times = []
        for i in range(args.keys):
            key = "u" if i % 10 == 9 else keys[i % 4]
            t0 = time.perf_counter()
            session.handle(key)
            render_to_text(session)
            times.append(time.perf_counter() - t0)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"batch of {args.docs} documents; session opened in {open_s * 1000:.0f} ms")
    print(
        f"key press -> next screen over {len(times)} keys: median {statistics.median(times) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms (target <= 50 ms)"
    )


if __name__ == "__main__":
    main()
