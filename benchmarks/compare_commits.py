"""Screen the dev set with two commits of this repository and compare every label, flag and report.

Run by hand (needs ../shared/realdata/dev.jsonl):
    python benchmarks/compare_commits.py BEFORE [AFTER] [--workers 1]

Each commit is checked out into a temporary worktree and run as ``python -m screening`` with that
worktree first on PYTHONPATH (same installed dependencies), on the same folder of dev-set files
(written once, as `screening evaluate` reads the records), with a fresh ledger and as-of
2026-11-27. Then the report files are compared byte for byte after blanking what differs by
nature between two runs (the batch id, the time of day, the temporary folders); a JSON report
that differs in bytes but parses to the same value is reported as laid out differently, not as
differing. Prints the first differences and exits 1 if any; ``AFTER`` defaults to the working
tree.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "realdata" / "dev.jsonl"
VOLATILE = [
    re.compile(r"\d{8}-\d{6}-[0-9a-f]{4}"),  # -- batch id
    re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:\+00:00|Z)?"),  # -- timestamps
]


def run(tree: Path, batch: Path, out: Path, home: Path, workers: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree), "SCREENING_HOME": str(home)}
    cmd = [sys.executable, "-m", "screening", "screen", str(batch), "--out", str(out)]
    cmd += ["--as-of", "2026-11-27"]
    if (
        workers
        and "--workers"
        in subprocess.run(
            [sys.executable, "-m", "screening", "screen", "--help"],
            env=env,
            capture_output=True,
            text=True,
            cwd=tree,
        ).stdout
    ):
        cmd += ["--workers", workers]
    # -- run from the tree: ``python -m`` puts the working directory first on sys.path, so run
    # from elsewhere it would import that directory's screening, whatever PYTHONPATH says
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd=tree)
    if done.returncode not in (0, 3):
        sys.exit(f"{tree}: screen failed\n{done.stderr[-2000:]}")


def normalise(text: str, roots: list[Path]) -> str:
    for root in roots:
        text = text.replace(str(root), "<tmp>")
    for pattern in VOLATILE:
        text = pattern.sub("<volatile>", text)
    return text


def _same_json(a: str, b: str) -> bool:
    try:
        return bool(json.loads(a) == json.loads(b))
    except ValueError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("after", nargs="?")
    parser.add_argument("--workers", default="1")
    args = parser.parse_args()
    if not DEV.is_file():
        sys.exit("../shared/realdata/dev.jsonl is absent: nothing to compare.")
    sys.path.insert(0, str(REPO))
    from screening.model.evaluate import document_text, load_dataset

    work = Path(tempfile.mkdtemp(prefix="compare-"))
    batch = work / "batch"
    batch.mkdir()
    for record in load_dataset(DEV):
        (batch / f"{record.id}.txt").write_text(document_text(record), encoding="utf-8")
    trees = {}
    for name, commit in (("before", args.before), ("after", args.after)):
        if commit is None:
            trees[name] = REPO
            continue
        tree = work / name
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), commit],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        trees[name] = tree
    try:
        for name, tree in trees.items():
            run(tree, batch, work / f"out-{name}", work / f"home-{name}", args.workers)
        roots = [work / "out-before", work / "out-after", batch, work]
        files = sorted(p.name for p in (work / "out-before").iterdir())
        differing = 0
        for file in files:
            a = normalise((work / "out-before" / file).read_text(encoding="utf-8"), roots)
            b_path = work / "out-after" / file
            b = normalise(b_path.read_text(encoding="utf-8"), roots) if b_path.exists() else ""
            if a != b and file.endswith(".json") and _same_json(a, b):
                # -- report.json's layout changed (b96c16c: one row per line), not what it says
                print(f"{file}: same content, laid out differently")
                continue
            if a != b:
                differing += 1
                la, lb = a.splitlines(), b.splitlines()
                first = next(
                    (i for i, (x, y) in enumerate(zip(la, lb, strict=False)) if x != y),
                    min(len(la), len(lb)),
                )
                print(f"{file}: differs from line {first + 1}")
                print(f"  before: {la[first][:200] if first < len(la) else '<end>'}")
                print(f"  after:  {lb[first][:200] if first < len(lb) else '<end>'}")
        print(f"{len(files)} report files compared; {differing} differ")
        sys.exit(1 if differing else 0)
    finally:
        for tree in trees.values():
            if tree != REPO:
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(tree)],
                    cwd=REPO,
                    capture_output=True,
                )
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
