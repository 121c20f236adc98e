"""Score the shipped model on the dev set and record the figures in its model card.

Run by hand (needs ../shared/realdata/dev.jsonl):
    python benchmarks/evaluate_shipped.py [--write-card]

Prints macro-F1, per-label scores, repeal precision/recall with and without the legal rules,
calibration error and per-source scores, plain and with --mask-doc-numbers, at as-of 2026-11-27
(the date the dev labels hold), the set read as one batch. With --write-card the figures are
stored under "evaluation" in models/<version>.card.json and in the model archive's card; the
model's weights and version do not change.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "realdata" / "dev.jsonl"
sys.path.insert(0, str(REPO))


def brief(result: dict) -> dict:
    keep = (
        "n",
        "macro_f1",
        "accuracy",
        "normative_vs_rest_accuracy",
        "ece",
        "per_label",
        "confusion",
        "per_source",
    )
    out = {k: result[k] for k in keep}
    out["without_rules"] = {
        k: result["without_rules"][k] for k in ("macro_f1", "accuracy", "per_label")
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write-card", action="store_true")
    parser.add_argument(
        "--models", type=Path, default=REPO / "models", help="model folder (default: models/)"
    )
    args = parser.parse_args()
    if not DEV.is_file():
        sys.exit("../shared/realdata/dev.jsonl is absent: nothing to measure.")
    from screening.evaluate import evaluate, load_dataset
    from screening.model import ScreeningModel
    from screening.registry import current_in

    path = current_in(args.models)
    model = ScreeningModel.load(path)  # type: ignore[arg-type]
    records = load_dataset(DEV)
    plain = brief(evaluate(model, records, "2026-11-27"))
    masked = brief(evaluate(model, records, "2026-11-27", mask_doc_numbers=True))
    for name, r in (("dev set", plain), ("dev set, 文号 masked", masked)):
        rep = r["per_label"]["repeal"]
        bare = r["without_rules"]["per_label"]["repeal"]
        print(
            f"{name}: macro-F1 {r['macro_f1']:.3f}, accuracy {r['accuracy']:.3f}, normative-vs-rest {r['normative_vs_rest_accuracy']:.3f}, ECE {r['ece']:.3f}"
        )
        print(
            f"  repeal: precision {rep['precision']:.3f}, recall {rep['recall']:.3f} (model alone: precision {bare['precision']:.3f}, recall {bare['recall']:.3f}); macro-F1 without rules {r['without_rules']['macro_f1']:.3f}"
        )
        for source, s in r["per_source"].items():
            print(
                f"  {source}: n {s['n']}, accuracy {s['accuracy']:.3f}, macro-F1 {s['macro_f1']:.3f}"
            )
    cv = model.card["cross_validation"]["macro_f1"]
    print(f"corpus 5-fold CV macro-F1 {cv:.3f}; gap to dev {cv - plain['macro_f1']:.3f}")
    if args.write_card:
        model.card["evaluation"] = {
            "dataset": "../shared/realdata/dev.jsonl (real public documents, never trained on)",
            "as_of": "2026-11-27",
            "read_as_one_batch": True,
            "plain": plain,
            "mask_doc_numbers": masked,
            "cv_minus_dev_macro_f1": cv - plain["macro_f1"],
            "command": "python benchmarks/evaluate_shipped.py --write-card",
        }
        model.save(path)  # type: ignore[arg-type]
        print(f"written into {path} and its card")
    print(json.dumps({"version": model.version}))


if __name__ == "__main__":
    main()
