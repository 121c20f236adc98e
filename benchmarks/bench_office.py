"""An office on one PostgreSQL ledger: four `screening review` sessions and two `decide` loops.

Run by hand:  python benchmarks/bench_office.py [--docs 1200] [--keys 200] [--decides 100]
              [--sessions 4] [--url postgresql://…]
(default: a throw-away PostgreSQL server on loopback, fsync on, as in production). On one
2-core machine the six clients compete for the CPU with each other and the server; --decides 0
or --sessions 1 separates the review path's own latency from that contention.

Screens --docs corpus texts (ours, each made unique) into a fresh PostgreSQL ledger, then runs
at once: four `screening review --reviewer R<i>` processes, each driven by piped keys (--keys
decisions: 1, 2, 3, Enter in turn) and two loops of `screening decide SHA --if-undecided`
processes (--decides successful decisions each, walking the batch from its last file, skipping
a file that a reviewer has open or that is decided). 4 x 200 + 2 x 100 = 1,000 decisions.

For each key it times key -> next screen: from writing the key line to reading the last line of
the next screen on the session's stdout (recording the decision, the lease, the queue refresh,
rendering). Then it counts: decisions the processes say they recorded vs rows in the ledger
(lost), documents decided more than once (duplicates), and runs `screening audit verify`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_screen import make_batch  # noqa: E402

from tests import pgserver  # noqa: E402

SCREEN_END = "[q] 退出"  # -- the last line of a review screen (keys help)
KEYS = ["1", "2", "3", ""]


def review_session(
    exe: str, env: dict[str, str], name: str, keys: int, latencies: list[float], out: dict
) -> None:
    proc = subprocess.Popen(
        [exe, "review", "--reviewer", name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        bufsize=1,
    )
    assert proc.stdin is not None and proc.stdout is not None

    def wait_for_screen() -> bool:
        for line in proc.stdout:  # type: ignore[union-attr]
            if SCREEN_END in line:
                return True
            if "全部审查完毕" in line or "正由其他审查人打开" in line:
                return False
        return False

    sent = 0
    if wait_for_screen():
        for i in range(keys):
            start = time.perf_counter()
            proc.stdin.write(KEYS[i % len(KEYS)] + "\n")
            proc.stdin.flush()
            sent += 1
            more = wait_for_screen()
            latencies.append(time.perf_counter() - start)
            if not more:
                break
    proc.stdin.write("q\n")
    proc.stdin.close()
    proc.stdout.read()
    err = proc.stderr.read()  # type: ignore[union-attr]
    proc.wait()
    recorded = 0
    for line in err.splitlines():
        if line.startswith("本次记录"):
            recorded = int(line.split()[1])
    out[name] = {"sent": sent, "recorded": recorded, "rc": proc.returncode}


def decide_loop(
    exe: str, env: dict[str, str], name: str, shas: list[str], wanted: int, out: dict
) -> None:
    done = refused = 0
    start = time.perf_counter()
    for sha in shas:
        if done == wanted:
            break
        proc = subprocess.run(
            [exe, "decide", sha, "--label", "normative", "--reviewer", name, "--if-undecided"],
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode == 0:
            done += 1
        else:
            refused += 1
    out[name] = {
        "recorded": done,
        "refused": refused,
        "seconds_per_decide": (time.perf_counter() - start) / max(1, done + refused),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1200)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--decides", type=int, default=100, help="per loop; 0: no decide loops")
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a throw-away server)")
    args = parser.parse_args()
    exe = shutil.which("screening") or sys.exit(
        "screening is not installed (pip install '.[postgres]')"
    )
    work = Path(tempfile.mkdtemp())
    server = None
    url = args.url
    if url is None:
        server = pgserver.start(durable=True)
        import psycopg

        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE office")
        url = pgserver.with_database(server.url, "office")
    env = {
        **os.environ,
        "SCREENING_HOME": str(work / "home"),
        "SCREENING_DB": url,
        "PYTHONUNBUFFERED": "1",  # -- each screen reaches the pipe when drawn
        "COLUMNS": "400",  # -- the keys help stays on one line
    }
    try:
        batch = work / "batch"
        batch.mkdir()
        make_batch(batch, args.docs)
        t0 = time.perf_counter()
        subprocess.run(
            [
                exe,
                "screen",
                str(batch),
                "--out",
                str(work / "out"),
                "--as-of",
                "2026-11-27",
                "--workers",
                "2",
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"screened {args.docs} documents into PostgreSQL in {time.perf_counter() - t0:.1f} s")
        os.environ["SCREENING_DB"] = url
        from screening.ledger.store import Store

        with Store.open(url) as store:
            shas = [f["sha256"] for f in store.batch_files(store.latest_batch_id() or "")]
        latencies: list[float] = []
        results: dict[str, dict] = {}
        threads = [
            threading.Thread(
                target=review_session, args=(exe, env, f"审查人{i}", args.keys, latencies, results)
            )
            for i in range(args.sessions)
        ]
        threads += [
            threading.Thread(
                target=decide_loop,
                args=(exe, env, f"脚本{i}", list(reversed(shas))[i::2], args.decides, results),
            )
            for i in range(2 if args.decides else 0)
        ]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        with Store.open(url) as store:
            rows = store.decision_rows()
        decisions = [r for r in rows if r["kind"] == "decision"]
        claimed = sum(r["recorded"] for r in results.values())
        per_doc = Counter(r["sha256"] for r in decisions)
        verify = subprocess.run([exe, "audit", "verify"], env=env, capture_output=True, text=True)
        latencies.sort()
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        for name, r in sorted(results.items()):
            print(f"  {name}: {r}")
        print(
            f"{len(decisions)} decisions in the ledger in {elapsed:.1f} s; the processes report {claimed}"
        )
        print(
            f"lost: {claimed - len(decisions)}; duplicates (documents decided twice): "
            f"{sum(1 for n in per_doc.values() if n > 1)}; ids 1..{len(rows)} contiguous: "
            f"{[r['id'] for r in rows] == list(range(1, len(rows) + 1))}"
        )
        print(
            f"audit verify: exit {verify.returncode}: {verify.stdout.strip() or verify.stderr.strip()}"
        )
        print(
            f"key -> next screen over {len(latencies)} keys ({args.sessions} sessions"
            f"{' and 2 decide loops' if args.decides else ''} at once): median "
            f"{statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
            f"max {latencies[-1] * 1000:.1f} ms (target <= 50 ms)"
        )
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
