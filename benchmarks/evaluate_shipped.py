"""Score the shipped model on the dev set and record the figures in its model card.

Run by hand (needs ../shared/realdata/dev.jsonl):
    python benchmarks/evaluate_shipped.py [--write-card] [--models DIR]

The dev set is read as one batch at as-of 2026-11-27 (the date its labels hold): plain (the
catalogue's title, 文号, issuer and date fill what the reader misses), with every 文号 masked, and
as the files alone, with no catalogue field, as `screening screen` reads an office's folder.
The headline is the local slice (district, township and city files, our users' genre):
macro-F1, repeal recall, calibration error, confident errors and how far down the review queue
an advisor reads to meet 95% of the model's mistakes (the local slice screened as a batch of its
own, as an office would). Every other source follows, and the macro over sources. With
--write-card the figures are stored under "evaluation" in the model's card; the weights and the
version do not change.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "realdata" / "dev.jsonl"
sys.path.insert(0, str(REPO))

LOCAL = "zhiyao87/Shanghai-Gov-Docs-Index"
CENTRAL_BANK = "angelala00/pbc_regulations"
AS_OF = "2026-11-27"


def brief(result: dict) -> dict:
    keep = (
        "n",
        "macro_f1",
        "accuracy",
        "normative_vs_rest_accuracy",
        "ece",
        "confident_errors",
        "review_effort_95",
        "per_label",
        "confusion",
        "per_source",
        "macro_over_sources",
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
    parser.add_argument("--model", type=Path, help="a model file instead of the folder's current")
    args = parser.parse_args()
    if not DEV.is_file():
        sys.exit("../shared/realdata/dev.jsonl is absent: nothing to measure.")
    from screening.model.classifier import ScreeningModel
    from screening.model.evaluate import Record, document_text, evaluate, load_dataset
    from screening.model.registry import current_in

    path = args.model or current_in(args.models)
    model = ScreeningModel.load(path)  # type: ignore[arg-type]
    records = load_dataset(DEV)
    results = {}
    # -- "text_only": the files as an office screens them, with none of the catalogue's fields
    # (title, 文号, issuer, date) to fill what the reader misses
    as_files = [
        Record(id=r.id, text=document_text(r), label=r.label, source=r.source) for r in records
    ]
    runs = (
        ("plain", records, False, "plain"),
        ("mask_doc_numbers", records, True, "文号 masked"),
        ("text_only", as_files, False, "the text alone, as screened (no catalogue fields)"),
    )
    for name, data, mask, label in runs:
        whole = brief(evaluate(model, data, AS_OF, mask_doc_numbers=mask))
        alone = brief(
            evaluate(model, [r for r in data if r.source == LOCAL], AS_OF, mask_doc_numbers=mask)
        )
        results[name] = {"dev_set": whole, "local_slice_as_a_batch": alone}
        head = whole["per_source"][LOCAL]
        print(f"== {label}")
        print(
            f"  LOCAL SLICE ({head['n']}): macro-F1 {head['macro_f1']:.3f}, accuracy {head['accuracy']:.3f}, "
            f"ECE {head['ece']:.3f}, repeal recall {head['repeal_recall']:.3f}, "
            f"wrong at p≥0.9 {head['confident_errors']} ({head['confident_errors'] / head['n']:.1%}); "
            f"review queue read to meet 95% of mistakes {alone['review_effort_95']:.0%} "
            f"(the slice as a batch of its own: macro-F1 {alone['macro_f1']:.3f})"
        )
        for source, s in whole["per_source"].items():
            if source == LOCAL:
                continue
            recall = "—" if s["repeal_recall"] is None else f"{s['repeal_recall']:.3f}"
            print(
                f"  {source}: n {s['n']}, accuracy {s['accuracy']:.3f}, macro-F1 {s['macro_f1']:.3f}, "
                f"ECE {s['ece']:.3f}, repeal recall {recall}, wrong at p≥0.9 {s['confident_errors']}"
            )
        print(
            f"  macro over sources (n ≥ 10) {whole['macro_over_sources']:.3f}; whole set macro-F1 "
            f"{whole['macro_f1']:.3f}, ECE {whole['ece']:.3f}; the text part alone macro-F1 "
            f"{whole['without_rules']['macro_f1']:.3f}"
        )
    cv = model.card["cross_validation"]["macro_f1"]
    print(f"corpus 5-fold CV macro-F1 {cv:.3f}")
    if args.write_card:
        model.card["evaluation"] = {
            "dataset": "../shared/realdata/dev.jsonl (real public documents, never trained on)",
            "as_of": AS_OF,
            "read_as_one_batch": True,
            "headline_source": LOCAL,
            **results,
            "command": "python benchmarks/evaluate_shipped.py --write-card",
        }
        model.save(path)  # type: ignore[arg-type]
        print(f"written into {path} and its card")
    print(json.dumps({"version": model.version}))


if __name__ == "__main__":
    main()
