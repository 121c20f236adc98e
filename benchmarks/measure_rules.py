"""Measure the legal rules and the decision policy on the real dev set (read-only, never copied).

Run by hand:  python benchmarks/measure_rules.py [--as-of 2026-11-27] [--dev PATH] [--runs 5]

The dev file is screened as one batch (its repeal labels mostly come from a newer document in the
set that repeals an older one by 文号). Each document's catalogue fields (title, 文号, issuer,
date) are passed as metadata hints, as a file's own header would give them. Prints:
- the supersession graph: edges, how many point at documents labelled repeal;
- per rule: documents flagged, by gold label;
- the time analyze() takes (structure + per-text rules), median of --runs runs;
- repeal precision / recall / F1 of the shipped model alone and of model + rules
  (screening.policy.decide), overall and per source.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from screening.metadata import Metadata  # noqa: E402
from screening.policy import DECISIVE, decide  # noqa: E402
from screening.registry import load_model  # noqa: E402
from screening.rules import analyze  # noqa: E402
from screening.supersede import supersession, supersession_graph  # noqa: E402


def prf(pred: list[str], gold: list[str], label: str = "repeal") -> tuple[float, float, float, int]:
    tp = sum(p == g == label for p, g in zip(pred, gold, strict=True))
    fp = sum(p == label != g for p, g in zip(pred, gold, strict=True))
    fn = sum(g == label != p for p, g in zip(pred, gold, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp


def source_of(doc_id: str) -> str:
    return doc_id.split("-")[0] if "-" in doc_id else doc_id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--dev", type=Path, default=REPO.parent / "shared" / "realdata" / "dev.jsonl"
    )
    parser.add_argument("--as-of", default="2026-11-27")
    parser.add_argument("--runs", type=int, default=5, help="timing runs of analyze() (median)")
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    rows = [json.loads(line) for line in args.dev.read_text(encoding="utf-8").splitlines() if line]
    gold = {r["id"]: r["label"] for r in rows}

    analyses, batch = {}, []
    for r in rows:
        hints = Metadata(r["title"], r["doc_number"], r["issuer"], r["date"])
        analysis = analyze(r["text"], as_of, hints=hints)
        analyses[r["id"]] = analysis
        batch.append((r["id"], analysis.structure))
    edges = supersession_graph(batch)
    superseded = supersession(batch)

    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        for r in rows:
            analyze(
                r["text"],
                as_of,
                hints=Metadata(r["title"], r["doc_number"], r["issuer"], r["date"]),
            )
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    chars = sum(len(r["text"]) for r in rows)
    print(
        f"analyze(): median of {args.runs} runs {median:.2f} s for {len(rows)} documents "
        f"({len(rows) / median:.0f} docs/s, {chars / median / 1e6:.2f}M chars/s)"
    )
    print(f"dev documents: {len(rows)}  labels: {dict(Counter(gold.values()))}  as of {as_of}")
    print(
        f"supersession edges: {len(edges)}; pointing at gold repeal: "
        f"{sum(gold[e.older] == 'repeal' for e in edges)}; "
        f"gold repeal documents found: {sum(gold[k] == 'repeal' for k in superseded)}"
        f"/{sum(v == 'repeal' for v in gold.values())}"
    )

    per_rule: dict[str, Counter[str]] = defaultdict(Counter)
    findings = {}
    for doc_id, analysis in analyses.items():
        doc_findings = analysis.findings + superseded.get(doc_id, [])
        findings[doc_id] = doc_findings
        for rule_id in {f.rule_id for f in doc_findings}:
            per_rule[rule_id][gold[doc_id]] += 1
    print("\nper rule: documents flagged, by gold label (normative / non_normative / repeal)")
    for rule_id in sorted(per_rule):
        c = per_rule[rule_id]
        mark = " *decisive" if rule_id in DECISIVE else ""
        print(f"  {rule_id:36s} {c['normative']:4d} {c['non_normative']:4d} {c['repeal']:4d}{mark}")
    decisive_docs = {k for k, fs in findings.items() if any(f.rule_id in DECISIVE for f in fs)}
    print(
        f"\ndocuments with a decisive repeal finding: {len(decisive_docs)} "
        f"(gold repeal {sum(gold[k] == 'repeal' for k in decisive_docs)}, "
        f"gold normative {sum(gold[k] == 'normative' for k in decisive_docs)}, "
        f"gold non_normative {sum(gold[k] == 'non_normative' for k in decisive_docs)})"
    )

    model = load_model()
    ids = [r["id"] for r in rows]
    model_pred, combined, reviews = {}, {}, 0
    for r in rows:
        meta = Metadata(r["title"], r["doc_number"], r["issuer"], r["date"])
        label = model.predict(r["text"], meta).label
        model_pred[r["id"]] = label
        decision = decide(label, findings[r["id"]])
        combined[r["id"]] = decision.label
        reviews += decision.needs_review
    calls_m = sum(v == "repeal" for v in model_pred.values())
    calls_c = sum(v == "repeal" for v in combined.values())
    print(f"\nmodel {model.version}; repeal calls: model {calls_m}, model + rules {calls_c}")
    # The rules on their own, with the genre taken from the gold label (normative or repeal):
    oracle = ["repeal" if gold[i] != "non_normative" and i in decisive_docs else "x" for i in ids]
    p, rc, f, tp = prf(oracle, [gold[i] for i in ids])
    print(
        f"rules alone on gold-normative documents: P / R / F1 {p:.3f} / {rc:.3f} / {f:.3f} ({tp})"
    )
    print("repeal P / R / F1 (tp)")
    sources = sorted({source_of(i) for i in ids})
    for name, pred in (("model alone", model_pred), ("model + rules", combined)):
        p, rc, f, tp = prf([pred[i] for i in ids], [gold[i] for i in ids])
        print(f"  {name:14s} all   {p:.3f} / {rc:.3f} / {f:.3f} ({tp})")
        for src in sources:
            sel = [i for i in ids if source_of(i) == src]
            if any(gold[i] == "repeal" for i in sel):
                p, rc, f, tp = prf([pred[i] for i in sel], [gold[i] for i in sel])
                print(f"  {'':14s} {src:5s} {p:.3f} / {rc:.3f} / {f:.3f} ({tp})")
    acc_m = sum(model_pred[i] == gold[i] for i in ids) / len(ids)
    acc_c = sum(combined[i] == gold[i] for i in ids) / len(ids)
    print(
        f"  accuracy: model {acc_m:.3f}, model + rules {acc_c:.3f}; "
        f"model repeal calls without a reason sent to review: {reviews}"
    )
    confusion = Counter((gold[i], combined[i]) for i in ids)
    print("  model + rules confusion (gold -> predicted):", dict(sorted(confusion.items())))


if __name__ == "__main__":
    main()
