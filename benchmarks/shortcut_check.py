"""Does the corpus teach the law or our templates? Train without 文号 and titles, score on dev.

Run by hand (needs ../shared/realdata/dev.jsonl):  python benchmarks/shortcut_check.py

Trains three temporary models on corpus/ — as is, with every 文号 removed, and with every 文号
and title removed (from the text itself, so the model cannot see them) — and scores each on the
dev set, plain and with --mask-doc-numbers. Also prints each model's 5-fold cross-validated
macro-F1 on the corpus and the gap to the dev-set score: a large gap means the corpus teaches
templates. The temporary models are not saved.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "realdata" / "dev.jsonl"
sys.path.insert(0, str(REPO))


def main() -> None:
    if not DEV.is_file():
        sys.exit("../shared/realdata/dev.jsonl is absent: nothing to measure.")
    from screening.law.metadata import DOC_NUMBER
    from screening.model.corpus import load_corpus
    from screening.model.evaluate import evaluate, load_dataset
    from screening.model.train import load_dictionary_text, train_model

    docs = load_corpus(REPO / "corpus")
    dictionary = load_dictionary_text(REPO / "corpus")
    records = load_dataset(DEV)

    def strip(doc, titles: bool):  # type: ignore[no-untyped-def]
        text = DOC_NUMBER.sub("", doc.text)
        if doc.meta.get("doc_number"):
            text = text.replace(doc.meta["doc_number"], "")
        if titles and doc.meta.get("title"):
            text = text.replace(doc.meta["title"], "")
        return replace(doc, text=text)

    variants = {
        "corpus as written": docs,
        "without 文号": [strip(d, False) for d in docs],
        "without 文号 and titles": [strip(d, True) for d in docs],
    }
    print("training data              CV macro-F1  dev macro-F1  dev masked  gap (CV - dev)")
    for name, variant in variants.items():
        model = train_model(variant, dictionary)
        cv = model.card["cross_validation"]["macro_f1"]
        dev = evaluate(model, records, "2026-11-27")["macro_f1"]
        masked = evaluate(model, records, "2026-11-27", mask_doc_numbers=True)["macro_f1"]
        print(f"{name:<26} {cv:>10.3f}  {dev:>12.3f}  {masked:>10.3f}  {cv - dev:>8.3f}")


if __name__ == "__main__":
    main()
