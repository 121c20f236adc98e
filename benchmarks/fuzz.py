"""Coverage-guided fuzzing (atheris / libFuzzer) of every reader and parser that sees a file's bytes.

    pip install -e '.[test,fuzz]'
    python benchmarks/fuzz.py --minutes 30                 # every target, time shared equally
    python benchmarks/fuzz.py --minutes 5 --targets pdf,ofd

The targets are those of tests/fuzz_targets.py (format sniffing, each extractor, the metadata
and structure parsers, the rules, the decisions import and the model loader); the seeds are our
own example files. Each target runs in its own process with our package instrumented for
coverage, limits of 10 s and 2 GB per input, and its corpus kept in ``--work`` so a later run
goes on from where this one stopped. A crash (an exception other than the advisor's error, a
hang or an out-of-memory) is saved under ``<work>/crashes/<target>/`` and the target is started
again, so one crash does not end its share of time. At the end a table gives, per target, the
executions, the coverage (libFuzzer's ``cov``: instrumented edges reached) and the distinct
crashes (by exception type and place). Every crash found becomes a test named for it in
tests/test_fuzz_regressions.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _child(target: str, libfuzzer_args: list[str]) -> None:
    import importlib
    import pkgutil

    import atheris

    with atheris.instrument_imports(include=["screening"]):
        import screening
        import screening.read

        for package in (screening, screening.read):
            for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
                if module.name not in ("screening.__main__", "screening.cli"):
                    importlib.import_module(module.name)
    from tests.fuzz_targets import TARGETS

    atheris.Setup([sys.argv[0], *libfuzzer_args], TARGETS[target])
    atheris.Fuzz()


_STATUS = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)", re.MULTILINE)
_EXECUTED = re.compile(r"stat::number_of_executed_units:\s+(\d+)")
_PEAK = re.compile(r"stat::peak_rss_mb:\s+(\d+)")
_FRAME = re.compile(r'File "([^"]*screening[^"]*)", line (\d+), in (\w+)')


def _crash_key(log: str) -> str | None:
    """The identity of the crash in a child's log: kind, exception and our innermost frame."""
    if "ERROR: libFuzzer: timeout" in log or "ALARM: working on the last Unit" in log:
        kind = "timeout"
    elif "out-of-memory" in log:
        kind = "out-of-memory"
    elif "Uncaught Python exception" in log:
        kind = "exception"
    elif "ERROR: libFuzzer: deadly signal" in log:
        kind = "signal"
    else:
        return None
    exception = ""
    match = re.search(r"Uncaught Python exception: ===\n(?:.*\n)*?(\w+(?:Error|Exception)\w*)", log)
    if match:
        exception = match.group(1)
    frames = _FRAME.findall(log)
    ours = [f for f in frames if "/tests/" not in f[0] and "site-packages" not in f[0]]
    where = f"{Path(ours[-1][0]).name}:{ours[-1][1]} {ours[-1][2]}" if ours else ""
    return " ".join(part for part in (kind, exception, where) if part)


def run_target(target: str, seconds: float, work: Path) -> dict[str, object]:
    """Fuzz ``target`` for ``seconds``, restarting after each crash; return its figures."""
    from tests.fuzz_targets import seeds

    corpus = work / "corpus" / target
    crashes = work / "crashes" / target
    logs = work / "logs"
    for folder in (corpus, crashes, logs):
        folder.mkdir(parents=True, exist_ok=True)
    for n, seed in enumerate(seeds(target)):
        (corpus / f"seed-{n}").write_bytes(seed)
    max_len = max(4096, max(len(s) for s in seeds(target)) * 2)
    executed = coverage = features = corpus_size = peak = 0
    found: dict[str, str] = {}
    deadline = time.monotonic() + seconds
    runs = 0
    while (left := deadline - time.monotonic()) > 5:
        runs += 1
        log_path = logs / f"{target}-{runs}.log"
        args = [
            str(corpus),
            f"-max_total_time={int(left)}",
            "-timeout=10",
            "-rss_limit_mb=2048",
            f"-max_len={max_len}",
            "-print_final_stats=1",
            f"-artifact_prefix={crashes}/",
        ]
        with log_path.open("w") as log:
            subprocess.run(
                [sys.executable, __file__, "--child", target, "--", *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=work,
                timeout=left + 120,
                check=False,
            )
        text = log_path.read_text(errors="replace")
        statuses = _STATUS.findall(text)
        done = _EXECUTED.search(text)
        # A crashed run prints no final stats: its last status line tells how far it came.
        executed += int(done.group(1)) if done else (int(statuses[-1][0]) if statuses else 0)
        if statuses:
            coverage = max(coverage, int(statuses[-1][1]))
            features = max(features, int(statuses[-1][2]))
            corpus_size = int(statuses[-1][3])
        if (match := _PEAK.search(text)) is not None:
            peak = max(peak, int(match.group(1)))
        key = _crash_key(text)
        if key is None:
            break  # the run used up its time
        found.setdefault(key, str(log_path))
    return {
        "target": target,
        "seconds": round(seconds),
        "executions": executed,
        "coverage": coverage,
        "features": features,
        "corpus": corpus_size,
        "peak_rss_mb": peak,
        "restarts": runs - 1,
        "crashes": found,
    }


def main() -> None:
    from tests.fuzz_targets import TARGETS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="total time, all targets")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated targets")
    parser.add_argument("--work", type=Path, default=Path("/tmp/screening-fuzz"))
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = sorted(set(targets) - set(TARGETS))
    if unknown:
        parser.error(f"unknown targets: {', '.join(unknown)} (known: {', '.join(TARGETS)})")
    share = args.minutes * 60 / len(targets)
    results = []
    print(f"{'target':<10} {'seconds':>7} {'executions':>11} {'cov':>6} {'ft':>6} "
          f"{'corpus':>6} {'rss MB':>6} crashes", flush=True)  # fmt: skip
    for target in targets:
        figures = run_target(target, share, args.work)
        results.append(figures)
        crashes = figures["crashes"]
        assert isinstance(crashes, dict)
        print(f"{target:<10} {figures['seconds']:>7} {figures['executions']:>11} "
              f"{figures['coverage']:>6} {figures['features']:>6} {figures['corpus']:>6} "
              f"{figures['peak_rss_mb']:>6} {len(crashes)}", flush=True)  # fmt: skip
        for key, log in crashes.items():
            print(f"    {key}  ({log})", flush=True)
    total = sum(int(r["executions"]) for r in results)  # type: ignore[call-overload]
    print(f"total executions {total}; distinct crashes {sum(len(r['crashes']) for r in results)}")  # type: ignore[arg-type]
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        target = sys.argv[2]
        rest = sys.argv[4:] if len(sys.argv) > 3 and sys.argv[3] == "--" else sys.argv[3:]
        os.environ.setdefault("SCREENING_HOME", str(Path.cwd() / "home"))
        _child(target, rest)
    else:
        main()
