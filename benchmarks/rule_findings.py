"""Print a sample of every rule's findings on real files, for reading them and judging precision.

Run by hand (needs ../shared/realdata/dev.jsonl):
    python benchmarks/rule_findings.py [--source zhiyao87] [--per-rule 15] [--seed 1]

The dev set's records of one source (default: the local slice) are analysed as `screening
screen` reads them, at as-of 2026-11-27; findings of rules that only make sense for a normative
document are left out on files labelled non-normative (the report hides them there too). For
each rule it prints how many findings there are and a seeded random sample with the file's id,
label, the span's excerpt and the detail — a person reads them and writes down how many are
right. Nothing is judged automatically: whether a flag is true is a legal judgement.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "realdata" / "dev.jsonl"
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default="zhiyao87")
    parser.add_argument("--per-rule", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not DEV.is_file():
        sys.exit("../shared/realdata/dev.jsonl is absent: nothing to measure.")
    from screening.law.rules import NORMATIVE_ONLY, RULES
    from screening.model.assess import analyze_text
    from screening.model.evaluate import document_of, load_dataset

    found: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
    records = [r for r in load_dataset(DEV) if args.source in (r.source or "")]
    for record in records:
        text, meta = document_of(record)
        for f in analyze_text(text, meta, date(2026, 11, 27)).findings:
            if f.rule.scope == NORMATIVE_ONLY and record.label == "non_normative":
                continue
            found[f.rule_id].append((record.id, record.label, f.excerpt, f.detail))
    print(f"{len(records)} files of source {args.source!r}")
    rng = random.Random(args.seed)
    for rule_id in sorted(found, key=lambda k: -len(found[k])):
        hits = found[rule_id]
        print(f"\n== {rule_id} {RULES[rule_id].title}: {len(hits)} findings")
        for key, label, excerpt, detail in rng.sample(hits, min(args.per_rule, len(hits))):
            print(f"  {key} [{label}] {excerpt[:90]} | {detail[:70]}")


if __name__ == "__main__":
    main()
